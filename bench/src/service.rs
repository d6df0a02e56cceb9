//! The real service, started in-process through `jamf_directory::launch` on 127.0.0.1:0, and
//! the caller-side steps every service row needs (token, connect an account, list users).

use std::net::SocketAddr;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use jamf_directory::settings::{CallerClient, LimitSettings, Settings};
use jamf_sim::SimServer;
use rand::RngCore as _;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const USERS: &str = "/unified/user-directory/users";
pub const CLIENT_ID: &str = "bench";

pub struct Service {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    pub token: String,
    /// `CLIENT_ID`'s secret, for callers that mint their own tokens.
    pub secret: String,
    /// The service's SQLite database.
    pub database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    handle: JoinHandle<anyhow::Result<()>>,
    _data: tempfile::TempDir,
}

impl Service {
    /// Starts the service with `concurrency` Jamf requests per instance and a cache that
    /// outlives the run, then obtains a caller token.
    pub async fn start(concurrency: usize) -> anyhow::Result<Service> {
        Self::start_with(concurrency, |_| {}).await
    }

    /// As [`Service::start`], with `adjust` applied to the settings last.
    pub async fn start_with(
        concurrency: usize,
        adjust: impl FnOnce(&mut Settings),
    ) -> anyhow::Result<Service> {
        let data = tempfile::tempdir()?;
        // Hex, not base64: Basic credentials are percent-decoded, and `+` would become a space.
        let secret = hex::encode(random_bytes(24));
        let mut settings = Settings::default();
        settings.auth.signing_key = Some(SecretString::from(
            base64::engine::general_purpose::STANDARD.encode(random_bytes(32)),
        ));
        settings.auth.clients = vec![CallerClient {
            client_id: CLIENT_ID.into(),
            client_secret_sha256: jamf_directory::auth::hash_secret(&secret),
            scopes: [
                "directory:read",
                "accounts:read",
                "accounts:write",
                "evidence:read",
                "evidence:write",
            ]
            .map(String::from)
            .into(),
            tenants: vec!["*".into()],
            enabled: true,
        }];
        settings.storage.database_url = format!("sqlite://{}/bench.db", data.path().display());
        settings.upstream.allow_private_networks = true;
        settings.upstream.max_concurrency = concurrency;
        // The default caller quotas (e.g. 50 requests per account per 10 s) would answer the
        // load with 429s: the bench measures serving, not the limiter.
        settings.limits = LimitSettings::unlimited();
        // Every load connection comes from 127.0.0.1: the per-address cap would close most.
        settings.server.max_connections_per_ip = settings.server.max_connections;
        // Long enough that nothing expires mid-measurement.
        settings.cache.ttl_secs = 3_600;
        settings.upstream.deadline_secs = 600;
        // Timed callers wait for the whole fetch: the rows measure fetches, not the 503.
        settings.server.fetch_wait_secs = 600;
        settings.server.request_timeout_secs = 900;
        adjust(&mut settings);
        let database_url = settings.storage.database_url.clone();

        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        settings.server.public_url = format!("http://{addr}");
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(jamf_directory::launch(settings, listener, async move {
            let _ = rx.await;
        }));
        let http = reqwest::Client::new();
        let token: Value = http
            .post(format!("http://{addr}/auth/token"))
            .basic_auth(CLIENT_ID, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .context("POST /auth/token")?
            .json()
            .await?;
        let Some(token) = token["access_token"].as_str() else {
            bail!("no access_token from /auth/token: {token}");
        };
        Ok(Service {
            addr,
            http,
            token: token.to_owned(),
            secret,
            database_url,
            shutdown: Some(tx),
            handle,
            _data: data,
        })
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.addr)
    }

    /// Connects an integrated account to `sim`; returns its id once it is `active`.
    pub async fn connect(&self, sim: &SimServer, tenant: &str) -> anyhow::Result<String> {
        let config = sim.control().config();
        let created: Value = self
            .http
            .post(self.url("/integrated-account"))
            .bearer_auth(&self.token)
            .json(&json!({
                "tenant_id": tenant,
                "authentication_method": "oauth2_client_credentials",
                "context": {
                    "instance_url": sim.base_url(),
                    "client_id": config.client_id,
                    "client_secret": config.client_secret,
                }
            }))
            .send()
            .await
            .context("POST /integrated-account")?
            .json()
            .await?;
        match (created["status"].as_str(), created["id"].as_str()) {
            (Some("active"), Some(id)) => Ok(id.to_owned()),
            _ => bail!("integrated account not active: {created}"),
        }
    }

    /// `/unified/user-directory/users?integrated_account_id=..&<query>`, path and query only.
    pub fn users_path(account: &str, query: &str) -> String {
        format!("{USERS}?integrated_account_id={account}&{query}")
    }

    pub async fn users(&self, account: &str, query: &str) -> anyhow::Result<reqwest::Response> {
        let url = self.url(&Self::users_path(account, query));
        Ok(self.http.get(url).bearer_auth(&self.token).send().await?)
    }

    /// Graceful shutdown; waits for `launch` to return so its memory is released.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.handle).await?
    }
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}
