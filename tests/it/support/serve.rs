//! A real `jamf-directory serve` process (the binary under test) on a free loopback port, for
//! tests that must signal the service or watch its memory. Killed if dropped.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::process::{Child, Command};

/// Writes a `serve` configuration to `dir`: the test signing key, one caller client (`client_id`,
/// `client_secret`, every scope, all tenants), private Jamf URLs allowed, quiet logs, and
/// `extra` TOML sections appended.
pub fn write_config(
    dir: &Path,
    database_url: &str,
    (client_id, client_secret): (&str, &str),
    extra: &str,
) -> std::path::PathBuf {
    let path = dir.join("jamf-directory.toml");
    let config = format!(
        r#"
[storage]
database_url = "{database_url}"
encryption_key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
[auth]
signing_key = "{signing_key}"
[[auth.clients]]
client_id = "{client_id}"
client_secret_sha256 = "{hash}"
scopes = ["directory:read", "accounts:read", "accounts:write", "evidence:read", "evidence:write"]
tenants = ["*"]
[log]
level = "warn"
{extra}"#,
        signing_key = super::SIGNING_KEY,
        hash = jamf_directory::auth::hash_secret(client_secret),
    );
    std::fs::write(&path, config).expect("config");
    path
}

pub struct Serve {
    child: Child,
    pub base: String,
}

impl Serve {
    /// Starts `serve --config config` and waits until it is ready. Every process started
    /// here has the same issuer, so a token of one is good on another (replicas, restarts).
    pub async fn start(config: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_jamf-directory"))
            .arg("serve")
            .arg("--config")
            .arg(config)
            .env(
                "JAMF_DIRECTORY__SERVER__LISTEN",
                format!("127.0.0.1:{port}"),
            )
            .env(
                "JAMF_DIRECTORY__SERVER__PUBLIC_URL",
                "http://jamf-directory.test",
            )
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn jamf-directory serve");
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            let ready = http.get(format!("{base}/health/ready")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "serve not ready"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self { child, base }
    }

    /// A caller token from `POST /auth/token`.
    pub async fn token(&self, client_id: &str, secret: &str) -> String {
        let body: Value = reqwest::Client::new()
            .post(format!("{}/auth/token", self.base))
            .basic_auth(client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("token JSON");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// `GET path` with `token`.
    pub async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET")
    }

    /// `GET path` with `token`, as JSON.
    pub async fn get_json(&self, token: &str, path: &str) -> Value {
        self.get(token, path).await.json().await.expect("JSON")
    }

    /// `POST path` of `body` as JSON with `token`.
    pub async fn post_json(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    /// The process id, e.g. to read `/proc/<pid>/status`.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("still running")
    }

    /// SIGTERM, then waits (at most `bound`) for the process to exit; `None` if it did not.
    pub async fn terminate(mut self, bound: Duration) -> Option<std::process::ExitStatus> {
        let pid = self.pid().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(sent.success(), "SIGTERM sent");
        tokio::time::timeout(bound, self.child.wait())
            .await
            .ok()
            .map(|status| status.expect("reaped"))
    }

    /// SIGKILL: no drain, no shutdown hook, whatever was in flight or held is cut off.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("SIGKILL");
        self.child.wait().await.expect("reaped");
    }
}
