//! `/integrated-account` over real HTTP, with the simulator as Jamf and the service on a real
//! SQLite file: validation on create, refused URLs, lists, tenancy, scopes, PATCH, refresh,
//! delete, secrecy of the Jamf secret, and restarts.

mod lifecycle;
mod storage;

use jamf_directory::settings::Settings;
use jamf_sim::{SimConfig, SimServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{
    ADMIN_ID, ADMIN_SECRET, READER_ID, READER_SECRET, TestApp, access_token, caller, spawn_app,
    test_settings,
};

/// Jamf secret of the simulator's API client: unique enough to search for in raw bytes.
const JAMF_SECRET: &str = "sim-secret-5b1e0c7d9a";
const ACME_ID: &str = "acme-only";
const ACME_SECRET: &str = "acme-only-secret-0123";

/// The service, a simulated Jamf, and tokens for the admin, the reader and an acme-only caller.
struct World {
    app: TestApp,
    sim: SimServer,
    settings: Settings,
    admin: String,
    reader: String,
    acme: String,
}

fn settings() -> Settings {
    let mut settings = test_settings();
    settings.auth.clients.push(caller(
        ACME_ID,
        ACME_SECRET,
        &["accounts:read", "accounts:write"],
        &["acme"],
    ));
    settings
}

async fn world() -> World {
    world_with(settings()).await
}

async fn world_with(settings: Settings) -> World {
    let sim = SimServer::start(SimConfig {
        client_secret: JAMF_SECRET.into(),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let app = spawn_app(settings.clone()).await;
    let admin = access_token(&app, ADMIN_ID, ADMIN_SECRET).await;
    let reader = access_token(&app, READER_ID, READER_SECRET).await;
    let acme = access_token(&app, ACME_ID, ACME_SECRET).await;
    World {
        app,
        sim,
        settings,
        admin,
        reader,
        acme,
    }
}

impl World {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        call(&self.app, method, path, token, body).await
    }

    fn create_body(&self, tenant: &str, secret: &str) -> Value {
        json!({
            "tenant_id": tenant,
            "authentication_method": "oauth2_client_credentials",
            "context": {
                "instance_url": self.sim.base_url(),
                "client_id": self.sim.control().config().client_id,
                "client_secret": secret,
            }
        })
    }

    /// Creates an account (admin) and returns the response body; asserts 201.
    async fn create(&self, tenant: &str, secret: &str) -> Value {
        let body = self.create_body(tenant, secret);
        let (status, account) = self
            .call(Method::POST, "/integrated-account", &self.admin, Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{account}");
        account
    }

    fn database_file(&self) -> std::path::PathBuf {
        let url = &self.settings.storage.database_url;
        url.strip_prefix("sqlite://").expect("sqlite URL").into()
    }

    /// Every byte of the SQLite database (main file, WAL and shared memory).
    fn raw_database(&self) -> Vec<u8> {
        let file = self.database_file();
        let mut bytes = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            let mut path = file.clone().into_os_string();
            path.push(suffix);
            bytes.extend(std::fs::read(path).unwrap_or_default());
        }
        bytes
    }
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}

fn id_of(account: &Value) -> String {
    account["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn create_validates_against_jamf_and_answers_active() {
    let w = world().await;
    let account = w.create("acme", JAMF_SECRET).await;
    assert_eq!(account["status"], "active", "{account}");
    assert_eq!(account["tenant_id"], "acme");
    assert_eq!(
        account["authentication_method"],
        "oauth2_client_credentials"
    );
    assert_eq!(account["integration"], json!({"name": "jamf"}));
    assert_eq!(account["context"]["jamf_pro_version"], "11.30.1");
    assert_eq!(account["context"]["capabilities"], json!(["read_accounts"]));
    assert_eq!(account["context"]["client_id"], "sim-client");
    assert_eq!(
        account["context"]["instance_url"],
        w.sim.base_url().trim_end_matches('/')
    );
    assert!(account["context"].get("client_secret").is_none());
    assert_eq!(account["last_error"], Value::Null);
    uuid::Uuid::parse_str(&id_of(&account)).expect("uuid id");

    let path = format!("/integrated-account/{}", id_of(&account));
    let (status, read) = w.call(Method::GET, &path, &w.reader, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, account);
}

#[tokio::test]
async fn a_wrong_secret_is_stored_as_validation_error() {
    let w = world().await;
    let account = w.create("acme", "not-the-secret").await;
    assert_eq!(account["status"], "validation_error", "{account}");
    let error = account["last_error"].as_str().expect("last_error");
    assert!(error.contains("401"), "{error}");
    assert_eq!(account["context"]["capabilities"], json!([]));
}

#[tokio::test]
async fn a_role_without_read_accounts_fails_validation_naming_the_privilege() {
    let w = world().await;
    w.sim
        .control()
        .set_client_privileges(vec!["Read Sites".into()]);
    let account = w.create("acme", JAMF_SECRET).await;
    assert_eq!(account["status"], "validation_error", "{account}");
    assert_eq!(account["context"]["jamf_pro_version"], "11.30.1");
    let error = account["last_error"].as_str().expect("last_error");
    assert!(error.contains("Read Accounts"), "{error}");
}

#[tokio::test]
async fn refused_urls_are_400_and_store_nothing() {
    let mut strict = settings();
    strict.upstream.allow_private_networks = false;
    let w = world_with(strict).await;
    let plain_http = w.create_body("acme", JAMF_SECRET);
    let mut user_info = plain_http.clone();
    user_info["context"]["instance_url"] = json!("https://user:pw@acme.jamfcloud.com");
    let mut loopback = plain_http.clone();
    loopback["context"]["instance_url"] = json!("https://127.0.0.1:8443");
    let mut metadata = plain_http.clone();
    metadata["context"]["instance_url"] = json!("https://169.254.169.254");
    // A name, not an address: refused because it resolves only to loopback.
    let mut private_name = plain_http.clone();
    private_name["context"]["instance_url"] = json!("https://localhost:8443");
    for body in [plain_http, user_info, loopback, metadata, private_name] {
        let (status, error) = w
            .call(
                Method::POST,
                "/integrated-account",
                &w.admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {error}");
        assert_eq!(error["statusCode"], 400);
        assert!(
            error["message"].as_str().unwrap().contains("instance_url"),
            "{error}"
        );
        assert!(!error.to_string().contains("pw@"), "no URL secrets echoed");
    }
    let (_, list) = w
        .call(Method::GET, "/integrated-account", &w.admin, None)
        .await;
    assert_eq!(list["result"], json!([]), "nothing stored");
    assert_eq!(w.sim.control().stats().count("POST /api/v1/oauth/token"), 0);
}

/// Private networks allowed (as in the tests): link-local and metadata addresses are still
/// refused, on create and on a PATCH, before any token request leaves.
#[tokio::test]
async fn metadata_addresses_are_refused_even_with_private_networks_allowed() {
    let w = world().await;
    assert!(w.settings.upstream.allow_private_networks);
    let account = w.create("acme", JAMF_SECRET).await;
    let path = format!("/integrated-account/{}", account["id"].as_str().unwrap());
    let tokens_before = w.sim.control().stats().count("POST /api/v1/oauth/token");
    for url in [
        "http://169.254.169.254",
        "https://169.254.169.254/latest",
        "http://[fe80::1]:8080",
        "http://[fd00:ec2::254]",
        "http://[::ffff:169.254.169.254]",
    ] {
        let mut create = w.create_body("acme", JAMF_SECRET);
        create["context"]["instance_url"] = json!(url);
        let patch = json!({"context": {"instance_url": url, "client_secret": JAMF_SECRET}});
        for (method, path, body) in [
            (Method::POST, "/integrated-account", create),
            (Method::PATCH, path.as_str(), patch),
        ] {
            let (status, error) = w.call(method.clone(), path, &w.admin, Some(body)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {url}: {error}");
            assert!(
                error["message"].as_str().unwrap().contains("instance_url"),
                "{error}"
            );
        }
    }
    let (_, unchanged) = w.call(Method::GET, &path, &w.admin, None).await;
    assert_eq!(
        unchanged["context"]["instance_url"],
        account["context"]["instance_url"]
    );
    assert_eq!(unchanged["status"], "active");
    assert_eq!(
        w.sim.control().stats().count("POST /api/v1/oauth/token"),
        tokens_before,
        "no token request for a refused URL"
    );
}

#[tokio::test]
async fn bad_bodies_are_400_envelopes_naming_the_problem() {
    let w = world().await;
    let post = |body: &'static str| {
        w.app
            .client
            .post(w.app.url("/integrated-account"))
            .bearer_auth(&w.admin)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let response = post(r#"{"tenant_id": "acme", "context": {"client_secret": ""}}"#)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["truto_error_insight"]["missing_required_body_fields"]["value"],
        json!([
            "authentication_method",
            "context.instance_url",
            "context.client_id",
            "context.client_secret"
        ])
    );
    for (raw, expected) in [
        ("{not json", "malformed JSON"),
        (
            r#"{"tenant_id": "acme", "extra": 1}"#,
            "unknown field `extra`",
        ),
        (r#"{"tenant_id": 5}"#, "wrong type"),
        (
            r#"{"tenant_id": "a b", "authentication_method": "basic", "context": {"company_name": "acme", "username": "u", "password": "p"}}"#,
            "tenant_id must match",
        ),
        (
            r#"{"tenant_id": "acme", "authentication_method": "oauth2_client_credentials", "context": {"instance_url": "https://x.example", "company_name": "x", "client_id": "c", "client_secret": "s"}}"#,
            "not both",
        ),
        (
            r#"{"tenant_id": "acme", "authentication_method": "oauth2_client_credentials", "context": {"company_name": "acme", "username": "c", "client_secret": "s"}}"#,
            "mixes fields",
        ),
    ] {
        let response = post(raw).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{raw}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["statusCode"], 400);
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(expected), "{raw}: {message}");
    }
}
