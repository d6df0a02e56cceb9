//! `jamf-directory demo`: the try-it-now mode. An embedded simulated Jamf Pro tenant, the
//! service on an embedded SQLite in a temporary directory, generated keys, a demo caller
//! client and a demo integrated account — then instructions a newcomer can paste.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::settings::{CallerClient, Settings};
use jamf_sim::{SimConfig, SimServer, SsoConfig};

pub const DEMO_CLIENT_ID: &str = "demo-client";
pub const DEMO_TENANT: &str = "demo";
/// Enough accounts to page through, with every edge case of the simulator's dataset.
pub const DEMO_JAMF_ACCOUNTS: usize = 300;

/// What the demo set up, as printed for the user (and read by tests).
#[derive(Debug, Clone)]
pub struct DemoInfo {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub integrated_account_id: String,
    pub access_token: String,
    pub jamf_url: String,
    /// The temporary directory holding the database and keys; removed on exit.
    pub data_dir: std::path::PathBuf,
}

impl DemoInfo {
    /// The one-line command that lists users.
    pub fn curl(&self) -> String {
        format!(
            "curl -s -H 'Authorization: Bearer {}' '{}/unified/user-directory/users?integrated_account_id={}&limit=5'",
            self.access_token, self.base_url, self.integrated_account_id
        )
    }

    pub fn banner(&self) -> String {
        format!(
            concat!(
                "\njamf-directory demo is running (simulated Jamf Pro at {jamf}, {n} admin accounts).\n\n",
                "  Swagger UI:              {base}/swagger-ui/\n",
                "  Caller client id:        {id}\n",
                "  Caller client secret:    {secret}\n",
                "  Integrated account id:   {account}\n\n",
                "Get a token:  curl -s -u '{id}:{secret}' -d grant_type=client_credentials {base}/auth/token\n",
                "In Swagger UI, click Authorize and paste an access token.\n\n",
                "List users (this token is valid for one hour):\n{curl}\n\n",
                "Press Ctrl-C to stop; the temporary database and keys in {dir} are removed.\n",
            ),
            jamf = self.jamf_url,
            n = DEMO_JAMF_ACCOUNTS,
            base = self.base_url,
            id = self.client_id,
            secret = self.client_secret,
            account = self.integrated_account_id,
            curl = self.curl(),
            dir = self.data_dir.display(),
        )
    }
}

fn random_secret(bytes: usize) -> Vec<u8> {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    buf
}

/// Settings of the demo service: everything generated, nothing read from the environment.
fn demo_settings(listen: SocketAddr, data_dir: &std::path::Path, caller_secret: &str) -> Settings {
    let mut settings = Settings::default();
    settings.server.listen = listen;
    settings.server.public_url = format!("http://{listen}");
    settings.storage.database_url = format!("sqlite://{}/demo.db", data_dir.display());
    settings.storage.encryption_key = Some(SecretString::from(STANDARD.encode(random_secret(32))));
    settings.auth.signing_key = Some(SecretString::from(STANDARD.encode(random_secret(32))));
    settings.auth.token_ttl_secs = 3600;
    // Evidence on, with a key that lasts as long as the demo.
    settings.evidence.signing_key = Some(SecretString::from(STANDARD.encode(random_secret(32))));
    settings.auth.clients = vec![CallerClient {
        client_id: DEMO_CLIENT_ID.into(),
        client_secret_sha256: crate::auth::hash_secret(caller_secret),
        scopes: crate::settings::KNOWN_SCOPES.map(String::from).to_vec(),
        tenants: vec!["*".into()],
        enabled: true,
    }];
    settings.upstream.allow_private_networks = true;
    settings.webhooks.allow_private_networks = true;
    settings
}

/// Runs the demo on `listener` until `shutdown`; `on_ready` receives what was set up.
pub async fn run(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_ready: impl FnOnce(&DemoInfo),
) -> anyhow::Result<()> {
    let data_dir = tempfile::Builder::new()
        .prefix("jamf-directory-demo-")
        .tempdir()?;
    let jamf_secret = hex::encode(random_secret(16));
    let sim = SimServer::start(SimConfig {
        accounts: DEMO_JAMF_ACCOUNTS,
        client_id: "demo-jamf-api-client".into(),
        client_secret: jamf_secret.clone(),
        // What an access review is for: SSO on but bypass allowed (every admin can sign in
        // with a password alone: MFA not enforced) and an enabled API client that can write.
        sso: SsoConfig {
            sso_bypass_allowed: true,
            ..SsoConfig::default()
        },
        provisioner_enabled: true,
        ..SimConfig::default()
    })
    .await
    .context("starting the simulated Jamf Pro")?;

    let caller_secret = hex::encode(random_secret(24));
    let listen = listener.local_addr()?;
    let settings = demo_settings(listen, data_dir.path(), &caller_secret);
    let base_url = settings.server.public_url.clone();
    let server = tokio::spawn(crate::launch(settings, listener, shutdown));

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let token: Value = http
        .post(format!("{base_url}/auth/token"))
        .basic_auth(DEMO_CLIENT_ID, Some(&caller_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let access_token = token["access_token"]
        .as_str()
        .context("no access_token from /auth/token")?
        .to_string();
    let account: Value = http
        .post(format!("{base_url}/integrated-account"))
        .bearer_auth(&access_token)
        .json(&json!({
            "tenant_id": DEMO_TENANT,
            "authentication_method": "oauth2_client_credentials",
            "context": {
                "instance_url": sim.base_url(),
                "client_id": "demo-jamf-api-client",
                "client_secret": jamf_secret,
            }
        }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let info = DemoInfo {
        base_url,
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: caller_secret,
        integrated_account_id: account["id"]
            .as_str()
            .context("no id in the created integrated account")?
            .to_string(),
        access_token,
        jamf_url: sim.base_url().to_string(),
        data_dir: data_dir.path().to_path_buf(),
    };
    on_ready(&info);
    let result = server.await.context("the service task failed")?;
    drop(sim);
    data_dir.close()?;
    result
}
