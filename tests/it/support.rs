//! Shared test harness: starts the real service through `launch` on 127.0.0.1:0.

pub mod missing;
pub mod redis_server;
pub mod serve;

use jamf_directory::settings::{CallerClient, LimitSettings, Settings};
use jamf_sim::{Faults, SimConfig, SimServer};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Base64 of 32 bytes; test-only.
pub const SIGNING_KEY: &str = "dGVzdC1zaWduaW5nLWtleS0wMTIzNDU2Nzg5YWJjZGVm";
pub const READER_ID: &str = "reader";
pub const READER_SECRET: &str = "reader-secret-0123456789";
pub const ADMIN_ID: &str = "admin";
pub const ADMIN_SECRET: &str = "admin-secret-0123456789";

/// Settings for tests: a signing key, an in-memory-ish SQLite in a temp dir, two callers
/// ("reader": directory:read + accounts:read; "admin": every scope), all tenants.
pub fn test_settings() -> Settings {
    let mut settings = Settings::default();
    settings.auth.signing_key = Some(SecretString::from(SIGNING_KEY));
    settings.auth.clients = vec![
        caller(
            READER_ID,
            READER_SECRET,
            &["directory:read", "accounts:read"],
            &["*"],
        ),
        caller(
            ADMIN_ID,
            ADMIN_SECRET,
            &[
                "directory:read",
                "accounts:read",
                "accounts:write",
                "evidence:read",
                "evidence:write",
            ],
            &["*"],
        ),
    ];
    settings.upstream.allow_private_networks = true;
    // Rate limits out of the way of tests about something else; tests/it/limits.rs and the
    // token tests set their own.
    settings.limits = unlimited();
    // Every test client is 127.0.0.1; tests/it/slow_clients.rs tests the per-address cap.
    settings.server.max_connections_per_ip = settings.server.max_connections;
    let dir = tempfile::tempdir().expect("temp dir").keep();
    settings.storage.database_url = format!("sqlite://{}/test.db", dir.display());
    settings
}

/// Quotas no test reaches; tests about the limits set their own.
pub fn unlimited() -> LimitSettings {
    LimitSettings::unlimited()
}

pub fn caller(id: &str, secret: &str, scopes: &[&str], tenants: &[&str]) -> CallerClient {
    CallerClient {
        client_id: id.into(),
        client_secret_sha256: jamf_directory::auth::hash_secret(secret),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        tenants: tenants.iter().map(|s| s.to_string()).collect(),
        enabled: true,
    }
}

/// A running service; dropping it stops the server.
pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// The `/metrics` exposition as text.
    pub async fn metrics_text(&self) -> String {
        let response = self.client.get(self.url("/metrics")).send().await.unwrap();
        response.text().await.unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Asks for a graceful shutdown and waits for `launch` to return.
    /// GET with a bearer past the cache (`Cache-Control: no-cache`).
    pub async fn get_fresh(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .header("cache-control", "no-cache")
            .send()
            .await
            .unwrap()
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.handle.take().expect("running").await?
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds 127.0.0.1:0, starts the service through the seam, returns once it accepts.
/// A caller reading the directory of tenant `globex` only.
pub fn globex_reader() -> CallerClient {
    caller(
        "globex-reader",
        "globex-secret-123",
        &["directory:read"],
        &["globex"],
    )
}

pub async fn spawn_app(mut settings: Settings) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let base_url = format!("http://{addr}");
    settings.server.public_url = base_url.clone();
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(jamf_directory::launch(settings, listener, async move {
        let _ = rx.await;
    }));
    TestApp {
        base_url,
        client: reqwest::Client::new(),
        shutdown: Some(tx),
        handle: Some(handle),
    }
}

/// A bearer token for the configured caller `client_id` from `POST /auth/token`.
pub async fn access_token(app: &TestApp, client_id: &str, secret: &str) -> String {
    let response = app
        .client
        .post(app.url("/auth/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    assert_eq!(
        response.status(),
        reqwest::StatusCode::OK,
        "token for {client_id}"
    );
    let body: serde_json::Value = response.json().await.expect("token JSON");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// A simulated Jamf before 11.23 (no `/api/v1/accounts`): the Classic plan, one detail request
/// per account and group, each taking `latency`.
pub fn classic_sim(accounts: usize, latency: std::time::Duration) -> jamf_sim::SimConfig {
    jamf_sim::SimConfig {
        accounts,
        latency,
        jamf_version: "11.20.0".to_owned(),
        ..jamf_sim::SimConfig::default()
    }
}

/// The create body that connects `sim` as an integrated account of `tenant` with the
/// simulator's own API client.
pub fn sim_account_body(sim: &SimServer, tenant: &str) -> serde_json::Value {
    let config = sim.control().config();
    serde_json::json!({
        "tenant_id": tenant,
        "authentication_method": "oauth2_client_credentials",
        "context": {
            "instance_url": sim.base_url(),
            "client_id": config.client_id,
            "client_secret": config.client_secret,
        }
    })
}

/// Connects `sim` as an integrated account of `tenant` (with a token holding
/// `accounts:write`), asserts that validation made it `active`, and returns its id.
pub async fn connect_sim(app: &TestApp, token: &str, sim: &SimServer, tenant: &str) -> String {
    let response = app
        .client
        .post(app.url("/integrated-account"))
        .bearer_auth(token)
        .json(&sim_account_body(sim, tenant))
        .send()
        .await
        .expect("create request");
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    let created: serde_json::Value = response.json().await.expect("account JSON");
    assert_eq!(created["status"], "active", "{created}");
    created["id"].as_str().expect("id").to_owned()
}

/// A fresh schema on the test PostgreSQL server (`JAMF_DIRECTORY_TEST_POSTGRES_URL`, default
/// the local server), dropped by [`PgSchema::drop`].
pub struct PgSchema {
    base: String,
    pub name: String,
    /// A database URL whose connections use only this schema.
    pub url: String,
}

/// A `redis-server` of the test's own (requiring `password` if given); `None` when the binary
/// is not installed: see [`missing::service_missing`].
pub async fn redis_server(password: Option<&str>) -> Option<redis_server::RedisServer> {
    match std::process::Command::new("redis-server")
        .arg("--version")
        .output()
    {
        Ok(out) if out.status.success() => {
            Some(redis_server::RedisServer::start_with(password).await)
        }
        Ok(out) => missing::service_missing(
            "Redis",
            &format!("`redis-server --version` exited {}", out.status),
            "install the redis-server package",
        ),
        Err(e) => missing::service_missing(
            "Redis",
            &format!("cannot run redis-server: {e}"),
            "install the redis-server package",
        ),
    }
}

impl PgSchema {
    /// `None` when no PostgreSQL answers: see [`missing::service_missing`].
    pub async fn create() -> Option<Self> {
        use sqlx::Connection as _;
        let base = std::env::var("JAMF_DIRECTORY_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let mut conn = match sqlx::PgConnection::connect(&base).await {
            Ok(conn) => conn,
            Err(e) => {
                return missing::service_missing(
                    "PostgreSQL",
                    &format!("cannot connect to {base}: {e}"),
                    "start it or set JAMF_DIRECTORY_TEST_POSTGRES_URL",
                );
            }
        };
        let name = format!("jd_it_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut conn)
            .await
            .expect("create schema");
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options[search_path]={name}");
        Some(Self { base, name, url })
    }

    /// A connection to the server (not confined to the schema), to inspect what was stored.
    pub async fn admin(&self) -> sqlx::PgConnection {
        use sqlx::Connection as _;
        sqlx::PgConnection::connect(&self.base)
            .await
            .expect("connect")
    }

    pub async fn drop(self) {
        let mut conn = self.admin().await;
        sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.name))
            .execute(&mut conn)
            .await
            .expect("drop schema");
    }
}

/// Runs the test `name` (its full path, e.g. `metrics::some_test`) alone in a child process of
/// this test binary, asserts that it passed there, and returns `true`; in that child it returns
/// `false` so the test runs its body. For tests that read process-global state (the Prometheus
/// recorder): `cargo test` runs every test of a binary as threads of one process.
pub fn ran_in_own_process(name: &str) -> bool {
    const CHILD: &str = "JAMF_DIRECTORY_TEST_OWN_PROCESS";
    if std::env::var_os(CHILD).is_some() {
        return false;
    }
    let status = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD, "1")
        .status()
        .expect("run the test binary");
    assert!(status.success(), "{name} failed in its own process");
    true
}

/// A service with one integrated account connected to a fresh simulator.
pub struct Fixture {
    pub app: TestApp,
    pub sim: SimServer,
    pub token: String,
    pub account: String,
}

impl Fixture {
    pub async fn start(sim_config: SimConfig) -> Self {
        Self::start_with(sim_config, test_settings()).await
    }

    pub async fn start_with(sim_config: SimConfig, settings: Settings) -> Self {
        let sim = SimServer::start(sim_config).await.expect("simulator");
        let app = spawn_app(settings).await;
        let token = bearer(&app).await;
        let account = connect_sim(&app, &token, &sim, "acme").await;
        sim.control().reset_stats();
        Self {
            app,
            sim,
            token,
            account,
        }
    }

    pub async fn get(&self, path: &str, query: &str) -> reqwest::Response {
        self.get_with(path, query, &[]).await
    }

    pub async fn get_with(
        &self,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let sep = if query.is_empty() { "" } else { "&" };
        let mut request = self
            .app
            .client
            .get(self.app.url(&format!(
                "{path}?integrated_account_id={}{sep}{query}",
                self.account
            )))
            .bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    /// Asserts that each query of `cases` is refused at `path` with a 400 naming its parameter.
    pub async fn assert_refused(&self, path: &str, cases: &[(&str, &str)]) {
        for (query, name) in cases {
            let response = self.get(path, query).await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
            let body: Value = response.json().await.unwrap();
            assert!(
                body["message"].as_str().unwrap().contains(name),
                "{query}: {body}"
            );
        }
    }

    /// The ids of [`Self::all_records`], in the order served.
    pub async fn all_ids(&self, path: &str, query: &str, limit: usize) -> Vec<String> {
        let records = self.all_records(path, query, limit).await;
        records
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// Makes the simulator refuse every call that needs `privilege`.
    pub fn withhold_privilege(&self, privilege: &str) {
        self.sim
            .control()
            .set_faults(Faults {
                missing_privileges: vec![privilege.into()],
                ..Faults::default()
            })
            .unwrap();
    }

    /// `POST /integrated-account/refresh-credentials` for the fixture's account, checked 200.
    pub async fn refresh_credentials(&self) {
        let response = self
            .app
            .client
            .post(self.app.url("/integrated-account/refresh-credentials"))
            .bearer_auth(&self.token)
            .json(&serde_json::json!({"id": self.account}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    /// GET past the cache: `Cache-Control: no-cache` forces a fetch from Jamf.
    pub async fn get_fresh(&self, path: &str, query: &str) -> reqwest::Response {
        self.get_with(path, query, &[("cache-control", "no-cache")])
            .await
    }

    /// The integrated account as `GET /integrated-account/{id}` shows it.
    pub async fn account_json(&self) -> Value {
        let url = self
            .app
            .url(&format!("/integrated-account/{}", self.account));
        let response = self
            .app
            .client
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        response.json().await.unwrap()
    }

    pub async fn json(&self, path: &str, query: &str) -> Value {
        let response = self.get(path, query).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}?{query}");
        response.json().await.unwrap()
    }

    /// Every record the list at `path` yields for `query`, walking all pages of `limit`.
    pub async fn all_records(&self, path: &str, query: &str, limit: usize) -> Vec<Value> {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut q = format!("limit={limit}&{query}");
            if let Some(c) = &cursor {
                q.push_str(&format!("&next_cursor={c}"));
            }
            let page = self.json(path, q.trim_end_matches('&')).await;
            assert_eq!(
                page["result_count"].as_u64().unwrap() as usize,
                page["result"].as_array().unwrap().len()
            );
            assert!(page["prev_cursor"].is_null());
            ids.extend(page["result"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        ids
    }
}

/// A token of the "admin" caller (every scope, all tenants).
/// Sends a request that must get an answer and reads its body as JSON.
pub async fn send_json<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    request.send().await.unwrap().json().await.unwrap()
}

/// Sends `signal` (`-TERM`, `-INT`) to a child process and waits for its exit.
pub async fn signal_and_wait(
    mut child: std::process::Child,
    signal: &str,
) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success()
    );
    tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap()
}

/// Sends a request, asserts the answer's status and reads its body as JSON.
pub async fn send_expecting(request: reqwest::RequestBuilder, status: StatusCode) -> Value {
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), status);
    response.json().await.unwrap()
}

pub async fn bearer(app: &TestApp) -> String {
    access_token(app, ADMIN_ID, ADMIN_SECRET).await
}

/// How many of `responses` carry a `Cache-Status` containing `detail` (e.g. `fwd=miss`).
pub fn count_cache_status(responses: &[reqwest::Response], detail: &str) -> usize {
    responses
        .iter()
        .filter(|r| {
            r.headers()
                .get("cache-status")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains(detail))
        })
        .count()
}
