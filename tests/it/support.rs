//! Shared test harness: starts the real service through `launch` on 127.0.0.1:0.

use jamf_directory::settings::{CallerClient, LimitSettings, Settings};
use secrecy::SecretString;
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
            &["directory:read", "accounts:read", "accounts:write"],
            &["*"],
        ),
    ];
    settings.upstream.allow_private_networks = true;
    // Rate limits out of the way of tests about something else; tests/it/limits.rs and the
    // token tests set their own.
    settings.limits = unlimited();
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
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Asks for a graceful shutdown and waits for `launch` to return.
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
