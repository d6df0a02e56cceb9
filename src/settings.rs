//! Configuration: a TOML file, then `JAMF_DIRECTORY__SECTION__KEY` environment variables, then
//! built-in defaults (the README's Configuration section). Unknown keys and invalid values stop start-up with the key named.

use std::net::SocketAddr;
use std::path::Path;

use base64::Engine as _;
use figment::Figment;
use figment::value::magic::RelativePathBuf;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::Deserialize;

/// Prefix of the environment variables; `__` separates nesting levels.
pub const ENV_PREFIX: &str = "JAMF_DIRECTORY__";
/// Config file read when `--config` is not given and the file exists.
pub const DEFAULT_CONFIG_FILE: &str = "jamf-directory.toml";

/// Largest `limits.*_requests` / `token_attempts`; far above any real need, it keeps the
/// per-request interval of the limiter (window / N) well above the clock's resolution.
pub const MAX_LIMIT_REQUESTS: u32 = 1_000_000;

/// Largest `server.max_connections`: far above what one replica's file descriptors allow.
pub const MAX_CONNECTIONS: u32 = 1_000_000;

/// Scopes a caller client may hold (the README's Security model).
pub const KNOWN_SCOPES: [&str; 7] = [
    "directory:read",
    "accounts:read",
    "accounts:write",
    "evidence:read",
    "evidence:write",
    "webhooks:read",
    "webhooks:write",
];

/// The default webhook retry delays (seconds after each failed attempt), after Standard
/// Webhooks' example schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
pub const DEFAULT_WEBHOOK_RETRIES_SECS: [u64; 9] =
    [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400];

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("configuration error: {}", sources::describe(.0))]
    Load(Box<figment::Error>),
    #[error("configuration error: `{key}`: {message}")]
    Invalid { key: &'static str, message: String },
}

impl SettingsError {
    fn invalid(key: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            key,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub storage: StorageSettings,
    pub auth: AuthSettings,
    pub upstream: UpstreamSettings,
    pub cache: CacheSettings,
    pub log: LogSettings,
    pub limits: LimitSettings,
    pub access_review: AccessReviewSettings,
    pub redis: RedisSettings,
    pub evidence: EvidenceSettings,
    pub webhooks: WebhookSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    #[serde(deserialize_with = "sources::socket_addr")]
    pub listen: SocketAddr,
    /// When set, `/metrics` is served only here, on a listener of its own, so the API port
    /// can be public while metrics stay internal.
    #[serde(deserialize_with = "sources::optional_socket_addr")]
    pub metrics_listen: Option<SocketAddr>,
    /// Base URL callers use; appears in the OpenAPI `servers` list and as the token issuer.
    pub public_url: String,
    /// Whole-request deadline; must exceed `fetch_wait_secs`, so a caller waiting on a Jamf
    /// fetch hears how far it got rather than a bare timeout.
    pub request_timeout_secs: u64,
    /// How long a caller waits for a Jamf fetch before it is answered 503 with the fetch's
    /// progress and a `Retry-After` (the fetch goes on, up to `upstream.deadline_secs`).
    pub fetch_wait_secs: u64,
    pub body_limit_bytes: usize,
    /// Seconds a connection gets to send a complete request head, counted from when the server
    /// starts waiting for one (a new connection, or a kept-alive one after its last answer);
    /// then it is closed. Bounds slow-header (slowloris) and idle connections alike.
    pub header_timeout_secs: u64,
    /// Connections served at once; further ones wait in the listen backlog until one closes.
    pub max_connections: u32,
    /// Seconds a connection gets to take an answer, from its first byte written until all of
    /// it (and of any answer pipelined behind it) has been handed to the network; then it is
    /// closed. Bounds slow readers, and the memory their unread answers hold.
    pub write_timeout_secs: u64,
    /// Seconds a request gets to send its whole body once its head arrived; then it is
    /// answered 408 and the connection closed.
    pub body_timeout_secs: u64,
    /// Connections one client address may hold open; further ones are closed at once.
    pub max_connections_per_ip: u32,
    /// Seconds a shutdown (SIGTERM) waits for requests in flight before closing what is left.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_listen: None,
            public_url: "http://127.0.0.1:8080".into(),
            request_timeout_secs: 90,
            fetch_wait_secs: 20,
            body_limit_bytes: 64 * 1024,
            header_timeout_secs: 10,
            max_connections: 1024,
            write_timeout_secs: 30,
            body_timeout_secs: 30,
            max_connections_per_ip: 64,
            shutdown_grace_secs: 30,
        }
    }
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// May carry the PostgreSQL password: a secret, with a `_file` variant.
    pub database_url: String,
    pub database_url_file: Option<RelativePathBuf>,
    /// Base64 of 32 random bytes; seals Jamf secrets at rest.
    pub encryption_key: Option<SecretString>,
    pub encryption_key_file: Option<RelativePathBuf>,
}

impl std::fmt::Debug for StorageSettings {
    /// The database URL without its password: settings may be printed, secrets may not.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let database_url = match url::Url::parse(&self.database_url) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("redacted"));
                url.to_string()
            }
            Ok(_) => self.database_url.clone(),
            Err(_) => "(unparsable, not shown)".to_owned(),
        };
        f.debug_struct("StorageSettings")
            .field("database_url", &database_url)
            .field("database_url_file", &self.database_url_file)
            .field("encryption_key", &self.encryption_key)
            .field("encryption_key_file", &self.encryption_key_file)
            .finish()
    }
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://data/jamf-directory.db".into(),
            database_url_file: None,
            encryption_key: None,
            encryption_key_file: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Base64 of at least 32 random bytes; the decoded bytes are the HS256 key.
    pub signing_key: Option<SecretString>,
    pub signing_key_file: Option<RelativePathBuf>,
    pub token_ttl_secs: u64,
    /// `aud` of issued tokens; defaults to `jamf-directory`.
    pub audience: String,
    pub clients: Vec<CallerClient>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            signing_key: None,
            signing_key_file: None,
            token_ttl_secs: 900,
            audience: "jamf-directory".into(),
            clients: Vec::new(),
        }
    }
}

/// A platform allowed to call the service (Sprinto, Vanta, an in-house tool...).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallerClient {
    pub client_id: String,
    /// Hex SHA-256 of the client secret, from `jamf-directory hash-secret`.
    pub client_secret_sha256: String,
    pub scopes: Vec<String>,
    /// Tenant ids this client may see; `"*"` means all. Required: a client that forgot it
    /// must not silently see every tenant.
    pub tenants: Vec<String>,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

/// Outbound change notifications (`[webhooks]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Allows loopback, private and plain-http webhook URLs (tests, internal receivers).
    /// Link-local and cloud-metadata addresses stay refused.
    pub allow_private_networks: bool,
    /// Per-attempt timeout.
    pub timeout_secs: u64,
    /// Delay before each retry; after the last one fails the delivery is `failed`.
    pub retry_schedule_secs: Vec<u64>,
    /// How often each replica looks for due deliveries.
    pub poll_interval_ms: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private_networks: false,
            timeout_secs: 15,
            retry_schedule_secs: DEFAULT_WEBHOOK_RETRIES_SECS.to_vec(),
            poll_interval_ms: 1000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamSettings {
    /// Requests in flight per Jamf instance across all callers; Jamf asks for at most 5.
    pub max_concurrency: usize,
    /// Per-request timeout.
    pub timeout_secs: u64,
    /// Overall deadline of one fetch, retries included. A fetch runs on its own, whoever
    /// waits for it, so this may be far longer than any caller's patience.
    pub deadline_secs: u64,
    pub max_retries: usize,
    pub max_response_bytes: usize,
    /// Accounts + groups + API clients one fetch may hold; a Jamf reporting more is refused
    /// (502) before its records are read.
    pub max_records: usize,
    /// Allows loopback, private and plain-http Jamf URLs (tests, on-prem).
    pub allow_private_networks: bool,
    /// Least time between two reads of an instance's `/api/v1/health-status` (Jamf Cloud's
    /// load report), which can lower the adaptive concurrency limit.
    pub health_status_interval_secs: u64,
}

impl Default for UpstreamSettings {
    fn default() -> Self {
        Self {
            max_concurrency: 5,
            timeout_secs: 30,
            deadline_secs: 1800,
            max_retries: 4,
            max_response_bytes: 32 * 1024 * 1024,
            max_records: 100_000,
            allow_private_networks: false,
            health_status_interval_secs: 60,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    pub ttl_secs: u64,
    /// How long past the TTL a snapshot is still served at once while one background fetch
    /// refreshes it (RFC 5861 `stale-while-revalidate`).
    pub stale_while_revalidate_secs: u64,
    /// How long past the TTL a snapshot may answer when a refresh fails on Jamf's side
    /// (RFC 5861 `stale-if-error`).
    pub stale_if_error_secs: u64,
    /// Integrated accounts whose snapshots are kept at once.
    pub max_accounts: u64,
    /// Estimated bytes all cached snapshots may take together; the least recently used go
    /// first.
    pub max_bytes: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            ttl_secs: 60,
            stale_while_revalidate_secs: 60,
            stale_if_error_secs: 3600,
            max_accounts: 10_000,
            max_bytes: 512 * 1024 * 1024,
        }
    }
}

/// Caller rate limits (GCRA: `N` requests per window, bursts of up to `N`). State is per
/// replica: with `R` replicas behind a load balancer the effective limit is `R × N`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Requests per caller client (bearer-authenticated routes) per `client_window_secs`.
    pub client_requests: u32,
    pub client_window_secs: u64,
    /// Requests that reach Jamf for one integrated account per `account_window_secs`, all
    /// callers together.
    pub account_requests: u32,
    pub account_window_secs: u64,
    /// `POST /auth/token`: attempts per source address, and failed authentications per
    /// client id.
    pub token_attempts: u32,
    pub token_window_secs: u64,
}

impl LimitSettings {
    /// Quotas no real traffic reaches (a million requests per second per key): for
    /// benchmarks and for tests about something else.
    pub fn unlimited() -> Self {
        Self {
            client_requests: MAX_LIMIT_REQUESTS,
            client_window_secs: 1,
            account_requests: MAX_LIMIT_REQUESTS,
            account_window_secs: 1,
            token_attempts: MAX_LIMIT_REQUESTS,
            token_window_secs: 1,
        }
    }
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            client_requests: 500,
            client_window_secs: 10,
            account_requests: 50,
            account_window_secs: 10,
            token_attempts: 20,
            token_window_secs: 60,
        }
    }
}

/// Thresholds of the access-review findings (`/access-review/*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessReviewSettings {
    /// A local admin's password older than this many days is a `password_not_rotated` finding.
    pub password_max_age_days: u32,
}

impl Default for AccessReviewSettings {
    fn default() -> Self {
        Self {
            password_max_age_days: 365,
        }
    }
}

/// The shared tier (`[redis]`): what replicas of one deployment share. Without a URL each
/// replica keeps everything in its own memory.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://` or `rediss://` (TLS); may carry a password, so it is a secret and never
    /// printed or logged.
    pub url: Option<SecretString>,
    pub url_file: Option<RelativePathBuf>,
    /// Every key lives under it: replicas with the same prefix share, others do not.
    pub key_prefix: String,
    /// How soon a crashed replica's fetch lease and Jamf permits return.
    pub lease_secs: u64,
    /// Jamf requests in flight per instance and replica while Redis cannot be reached.
    pub fallback_concurrency: usize,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: None,
            url_file: None,
            key_prefix: "jamf-directory".into(),
            lease_secs: 15,
            fallback_concurrency: 1,
        }
    }
}

/// Signed point-in-time snapshots (`[evidence]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvidenceSettings {
    /// A snapshot of every active integrated account this often; 0 = only on request.
    pub schedule_secs: u64,
    /// Snapshots older than this are deleted (a 12-month audit window and a margin).
    pub retention_days: u32,
    /// Base64 of a 32-byte Ed25519 seed (`jamf-directory evidence keygen`). Without one,
    /// evidence is off: snapshots cannot be signed.
    pub signing_key: Option<SecretString>,
    pub signing_key_file: Option<RelativePathBuf>,
}

impl Default for EvidenceSettings {
    fn default() -> Self {
        Self {
            schedule_secs: 86_400,
            retention_days: 400,
            signing_key: None,
            signing_key_file: None,
        }
    }
}

/// Shortest non-zero `evidence.schedule_secs`: Jamf is read in full every time.
pub const MIN_EVIDENCE_SCHEDULE_SECS: u64 = 60;

/// Longest `redis.key_prefix`; keys add at most a few dozen bytes to it.
pub const MAX_KEY_PREFIX: usize = 64;

/// Largest `access_review.password_max_age_days`: a hundred years, far past any policy.
pub const MAX_PASSWORD_AGE_DAYS: u32 = 36_500;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `tracing` filter directive, e.g. `info` or `jamf_directory=debug`.
    pub level: String,
    /// `auto` (JSON unless stdout is a terminal), `json` or `pretty`.
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Auto,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Auto,
    Json,
    Pretty,
}

impl Settings {
    /// Loads the file (if any), then the environment, then validates.
    pub fn load(config_file: Option<&Path>) -> Result<Self, SettingsError> {
        Self::from_figment(sources::figment(config_file))
    }

    /// Only `server.listen` (what `healthcheck` probes): nothing else need be configured.
    pub fn listen_address(config_file: Option<&Path>) -> Result<SocketAddr, SettingsError> {
        #[derive(Deserialize)]
        struct Listen {
            #[serde(default, deserialize_with = "sources::optional_socket_addr")]
            listen: Option<SocketAddr>,
        }
        let server: Option<Listen> = sources::figment(config_file)
            .extract_inner("server")
            .map(Some)
            .or_else(|e: figment::Error| match e.kind {
                figment::error::Kind::MissingField(_) => Ok(None),
                _ => Err(SettingsError::Load(Box::new(e))),
            })?;
        Ok(server
            .and_then(|s| s.listen)
            .unwrap_or_else(|| ServerSettings::default().listen))
    }

    pub fn from_figment(figment: Figment) -> Result<Self, SettingsError> {
        let mut settings: Settings = figment
            .extract()
            .map_err(|e| SettingsError::Load(Box::new(e)))?;
        for slot in settings.secrets() {
            slot.resolve(&figment)?;
        }
        settings.storage.database_url =
            sources::anchor_sqlite_url(&settings.storage.database_url, &figment);
        settings.validate()?;
        Ok(settings)
    }

    /// Every secret setting; each may instead be given as `<key>_file`, a path read at
    /// start-up (Kubernetes secret mounts). A new secret is one line here.
    fn secrets(&mut self) -> [sources::SecretSlot<'_>; 5] {
        use sources::{SecretSlot as Slot, SecretValue::*};
        let (auth, storage, redis, evidence) = (
            &mut self.auth,
            &mut self.storage,
            &mut self.redis,
            &mut self.evidence,
        );
        [
            Slot {
                key: "auth.signing_key",
                value: Secret(&mut auth.signing_key),
                file: &auth.signing_key_file,
            },
            Slot {
                key: "storage.encryption_key",
                value: Secret(&mut storage.encryption_key),
                file: &storage.encryption_key_file,
            },
            Slot {
                key: "storage.database_url",
                value: Plain(&mut storage.database_url),
                file: &storage.database_url_file,
            },
            Slot {
                key: "redis.url",
                value: Secret(&mut redis.url),
                file: &redis.url_file,
            },
            Slot {
                key: "evidence.signing_key",
                value: Secret(&mut evidence.signing_key),
                file: &evidence.signing_key_file,
            },
        ]
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        url::Url::parse(&self.server.public_url)
            .map_err(|e| SettingsError::invalid("server.public_url", e.to_string()))?;
        if self.server.body_limit_bytes < 1024 {
            return Err(SettingsError::invalid(
                "server.body_limit_bytes",
                "must be at least 1024",
            ));
        }
        if self.server.request_timeout_secs == 0 {
            return Err(SettingsError::invalid(
                "server.request_timeout_secs",
                "must be positive",
            ));
        }
        if self.server.fetch_wait_secs == 0
            || self.server.fetch_wait_secs >= self.server.request_timeout_secs
        {
            return Err(SettingsError::invalid(
                "server.fetch_wait_secs",
                "must be positive and less than server.request_timeout_secs",
            ));
        }
        if !(1..=3600).contains(&self.server.header_timeout_secs) {
            return Err(SettingsError::invalid(
                "server.header_timeout_secs",
                "must be between 1 and 3600",
            ));
        }
        if !(1..=MAX_CONNECTIONS).contains(&self.server.max_connections) {
            return Err(SettingsError::invalid(
                "server.max_connections",
                format!("must be between 1 and {MAX_CONNECTIONS}"),
            ));
        }
        for (key, secs) in [
            ("server.write_timeout_secs", self.server.write_timeout_secs),
            ("server.body_timeout_secs", self.server.body_timeout_secs),
            (
                "server.shutdown_grace_secs",
                self.server.shutdown_grace_secs,
            ),
        ] {
            if !(1..=3600).contains(&secs) {
                return Err(SettingsError::invalid(key, "must be between 1 and 3600"));
            }
        }
        if !(1..=MAX_CONNECTIONS).contains(&self.server.max_connections_per_ip) {
            return Err(SettingsError::invalid(
                "server.max_connections_per_ip",
                format!("must be between 1 and {MAX_CONNECTIONS}"),
            ));
        }
        let db = &self.storage.database_url;
        if !(db.starts_with("sqlite:")
            || db.starts_with("postgres://")
            || db.starts_with("postgresql://"))
        {
            return Err(SettingsError::invalid(
                "storage.database_url",
                "must start with sqlite: or postgres://",
            ));
        }
        if self.storage.encryption_key.is_some() {
            self.encryption_key()?;
        }
        self.signing_key()?;
        if !(60..=86_400).contains(&self.auth.token_ttl_secs) {
            return Err(SettingsError::invalid(
                "auth.token_ttl_secs",
                "must be between 60 and 86400",
            ));
        }
        for client in &self.auth.clients {
            validate_client(client)?;
        }
        let mut ids: Vec<&str> = self
            .auth
            .clients
            .iter()
            .map(|c| c.client_id.as_str())
            .collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return Err(SettingsError::invalid(
                "auth.clients",
                "client_id values must be unique",
            ));
        }
        let up = &self.upstream;
        if up.max_concurrency == 0 || up.max_concurrency > 64 {
            return Err(SettingsError::invalid(
                "upstream.max_concurrency",
                "must be between 1 and 64",
            ));
        }
        if up.timeout_secs == 0 || up.deadline_secs < up.timeout_secs {
            return Err(SettingsError::invalid(
                "upstream.deadline_secs",
                "timeout_secs must be positive and deadline_secs at least timeout_secs",
            ));
        }
        if !(1..=3600).contains(&up.health_status_interval_secs) {
            return Err(SettingsError::invalid(
                "upstream.health_status_interval_secs",
                "must be between 1 and 3600",
            ));
        }
        if self.cache.ttl_secs == 0 {
            return Err(SettingsError::invalid("cache.ttl_secs", "must be positive"));
        }
        for (key, value) in [
            ("cache.max_accounts", self.cache.max_accounts),
            ("cache.max_bytes", self.cache.max_bytes),
            ("upstream.max_records", up.max_records as u64),
        ] {
            if value == 0 {
                return Err(SettingsError::invalid(key, "must be positive"));
            }
        }
        validate_log_level(&self.log.level)?;
        if !(1..=MAX_PASSWORD_AGE_DAYS).contains(&self.access_review.password_max_age_days) {
            return Err(SettingsError::invalid(
                "access_review.password_max_age_days",
                format!("must be between 1 and {MAX_PASSWORD_AGE_DAYS}"),
            ));
        }
        self.validate_limits()?;
        self.validate_evidence()?;
        self.validate_webhooks()?;
        self.validate_redis()
    }

    fn validate_evidence(&self) -> Result<(), SettingsError> {
        let e = &self.evidence;
        if e.schedule_secs != 0 && e.schedule_secs < MIN_EVIDENCE_SCHEDULE_SECS {
            return Err(SettingsError::invalid(
                "evidence.schedule_secs",
                format!("must be 0 (only on request) or at least {MIN_EVIDENCE_SCHEDULE_SECS}"),
            ));
        }
        if !(1..=36_500).contains(&e.retention_days) {
            return Err(SettingsError::invalid(
                "evidence.retention_days",
                "must be between 1 and 36500",
            ));
        }
        self.evidence_seed()?;
        Ok(())
    }

    /// The decoded Ed25519 seed that signs evidence snapshots, when one is configured.
    pub fn evidence_seed(&self) -> Result<Option<SecretBox<[u8]>>, SettingsError> {
        let Some(key) = self.evidence.signing_key.as_ref() else {
            return Ok(None);
        };
        let bytes = decode_key(key, "evidence.signing_key")?;
        if bytes.expose_secret().len() != 32 {
            return Err(SettingsError::invalid(
                "evidence.signing_key",
                "must decode to exactly 32 bytes (`jamf-directory evidence keygen` makes one)",
            ));
        }
        Ok(Some(bytes))
    }

    fn validate_webhooks(&self) -> Result<(), SettingsError> {
        let w = &self.webhooks;
        if !(1..=60).contains(&w.timeout_secs) {
            return Err(SettingsError::invalid(
                "webhooks.timeout_secs",
                "must be between 1 and 60",
            ));
        }
        if w.retry_schedule_secs.len() > 20 || w.retry_schedule_secs.iter().any(|&d| d > 172_800) {
            return Err(SettingsError::invalid(
                "webhooks.retry_schedule_secs",
                "at most 20 delays, each at most 172800 (48 h)",
            ));
        }
        if !(10..=60_000).contains(&w.poll_interval_ms) {
            return Err(SettingsError::invalid(
                "webhooks.poll_interval_ms",
                "must be between 10 and 60000",
            ));
        }
        Ok(())
    }

    fn validate_redis(&self) -> Result<(), SettingsError> {
        let r = &self.redis;
        if let Some(url) = &r.url {
            // The message never repeats the URL: it may hold a password.
            let scheme = url::Url::parse(url.expose_secret().trim())
                .map(|u| u.scheme().to_owned())
                .map_err(|_| SettingsError::invalid("redis.url", "is not a valid URL"))?;
            if scheme != "redis" && scheme != "rediss" {
                return Err(SettingsError::invalid(
                    "redis.url",
                    "must start with redis:// or rediss:// (TLS)",
                ));
            }
        }
        if r.key_prefix.is_empty()
            || r.key_prefix.len() > MAX_KEY_PREFIX
            || r.key_prefix
                .chars()
                .any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(SettingsError::invalid(
                "redis.key_prefix",
                format!("must be 1-{MAX_KEY_PREFIX} characters without spaces"),
            ));
        }
        if !(1..=3600).contains(&r.lease_secs) {
            return Err(SettingsError::invalid(
                "redis.lease_secs",
                "must be between 1 and 3600",
            ));
        }
        if r.fallback_concurrency == 0 || r.fallback_concurrency > self.upstream.max_concurrency {
            return Err(SettingsError::invalid(
                "redis.fallback_concurrency",
                "must be between 1 and upstream.max_concurrency",
            ));
        }
        Ok(())
    }

    fn validate_limits(&self) -> Result<(), SettingsError> {
        let l = &self.limits;
        for (key, requests) in [
            ("limits.client_requests", l.client_requests),
            ("limits.account_requests", l.account_requests),
            ("limits.token_attempts", l.token_attempts),
        ] {
            if !(1..=MAX_LIMIT_REQUESTS).contains(&requests) {
                return Err(SettingsError::invalid(
                    key,
                    format!("must be between 1 and {MAX_LIMIT_REQUESTS}"),
                ));
            }
        }
        for (key, window) in [
            ("limits.client_window_secs", l.client_window_secs),
            ("limits.account_window_secs", l.account_window_secs),
            ("limits.token_window_secs", l.token_window_secs),
        ] {
            if !(1..=86_400).contains(&window) {
                return Err(SettingsError::invalid(key, "must be between 1 and 86400"));
            }
        }
        Ok(())
    }

    /// The decoded HS256 key; start-up fails without one.
    pub fn signing_key(&self) -> Result<SecretBox<[u8]>, SettingsError> {
        let key = self.auth.signing_key.as_ref().ok_or_else(|| {
            SettingsError::invalid(
                "auth.signing_key",
                "is required: set auth.signing_key (base64 of at least 32 random bytes, e.g. `openssl rand -base64 32`), auth.signing_key_file or JAMF_DIRECTORY__AUTH__SIGNING_KEY",
            )
        })?;
        let bytes = decode_key(key, "auth.signing_key")?;
        if bytes.expose_secret().len() < 32 {
            return Err(SettingsError::invalid(
                "auth.signing_key",
                "must decode to at least 32 bytes",
            ));
        }
        Ok(bytes)
    }

    /// The decoded storage key, when one is configured.
    pub fn encryption_key(&self) -> Result<Option<SecretBox<[u8]>>, SettingsError> {
        let Some(key) = self.storage.encryption_key.as_ref() else {
            return Ok(None);
        };
        let bytes = decode_key(key, "storage.encryption_key")?;
        if bytes.expose_secret().len() != 32 {
            return Err(SettingsError::invalid(
                "storage.encryption_key",
                "must decode to exactly 32 bytes",
            ));
        }
        Ok(Some(bytes))
    }

    /// Token issuer: the public URL without a trailing slash.
    pub fn issuer(&self) -> String {
        self.server.public_url.trim_end_matches('/').to_string()
    }
}

/// A `tracing` filter whose every directive sets a level: a bare word that is not a level
/// (`verbose`) would parse as a target name and silence every log.
fn validate_log_level(level: &str) -> Result<(), SettingsError> {
    const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
    let invalid = |message: String| SettingsError::invalid("log.level", message);
    for directive in level.split(',').map(str::trim) {
        let level = directive
            .rsplit_once('=')
            .map_or(directive, |(_, level)| level);
        if !LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
            return Err(invalid(format!(
                "{directive:?} sets no level; use one of {} or target=level directives such as jamf_directory=debug",
                LEVELS.join(", ")
            )));
        }
    }
    tracing_subscriber::EnvFilter::try_new(level)
        .map(drop)
        .map_err(|e| invalid(e.to_string()))
}

fn decode_key(key: &SecretString, name: &'static str) -> Result<SecretBox<[u8]>, SettingsError> {
    base64::engine::general_purpose::STANDARD
        .decode(key.expose_secret().trim())
        .map(|bytes| SecretBox::new(bytes.into_boxed_slice()))
        .map_err(|_| SettingsError::invalid(name, "must be valid base64"))
}

fn validate_client(client: &CallerClient) -> Result<(), SettingsError> {
    if client.client_id.is_empty()
        || client.client_id.len() > 128
        || client.client_id.chars().any(|c| c.is_control() || c == ':')
    {
        return Err(SettingsError::invalid(
            "auth.clients.client_id",
            format!(
                "{:?} must be 1-128 printable characters without ':'",
                client.client_id
            ),
        ));
    }
    let hash = &client.client_secret_sha256;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SettingsError::invalid(
            "auth.clients.client_secret_sha256",
            format!(
                "client {:?}: must be 64 hex characters (see `jamf-directory hash-secret`)",
                client.client_id
            ),
        ));
    }
    if let Some(scope) = client
        .scopes
        .iter()
        .find(|s| !KNOWN_SCOPES.contains(&s.as_str()))
    {
        return Err(SettingsError::invalid(
            "auth.clients.scopes",
            format!(
                "client {:?}: unknown scope {scope:?} (known: {})",
                client.client_id,
                KNOWN_SCOPES.join(", ")
            ),
        ));
    }
    if client.tenants.is_empty() || client.tenants.iter().any(|t| t.is_empty()) {
        return Err(SettingsError::invalid(
            "auth.clients.tenants",
            format!(
                "client {:?}: list tenant ids, or \"*\" for all",
                client.client_id
            ),
        ));
    }
    Ok(())
}

mod sources;
#[cfg(test)]
mod tests;
