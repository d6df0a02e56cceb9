//! No secret reaches the logs: a full scenario runs with every crate logging at TRACE into a
//! buffer, then the buffer is searched for every secret the scenario handled.
//!
//! The subscriber is process-global: nextest runs each test in its own process, and nothing
//! here calls `telemetry::init_logging` first.

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use jamf_sim::{SimConfig, SimServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tracing_subscriber::fmt::MakeWriter;

use crate::support::{
    ADMIN_ID, ADMIN_SECRET, READER_ID, READER_SECRET, SIGNING_KEY, access_token, redis_server,
    spawn_app, test_settings,
};

const JAMF_SECRET: &str = "jamf-client-secret-Qx7rT2vLp9";
const WRONG_JAMF_SECRET: &str = "wrong-jamf-secret-Hn4kW8sZc3";
const WRONG_CALLER_SECRET: &str = "wrong-caller-secret-Mb6yF1dJ5";
const REDIS_PASSWORD: &str = "redis-password-Kd3vN8qWx2";
const USERS: &str = "/unified/user-directory/users";

/// Everything written to the log, shared with the writer the subscriber makes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn no_secret_or_token_appears_in_trace_logs() {
    let logs = Captured::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(logs.clone())
        .try_init()
        .expect("this test process installs the only subscriber");

    let sim = SimServer::start(SimConfig {
        client_secret: JAMF_SECRET.into(),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    // With a shared tier whose URL holds a password, which Redis later drops out from under.
    let Some(redis) = redis_server(Some(REDIS_PASSWORD)).await else {
        return;
    };
    let mut settings = test_settings();
    settings.redis.url = Some(redis.url().into());
    let app = spawn_app(settings).await;
    let mut secrets: Vec<String> = vec![
        REDIS_PASSWORD.into(),
        redis.url(),
        JAMF_SECRET.into(),
        WRONG_JAMF_SECRET.into(),
        WRONG_CALLER_SECRET.into(),
        ADMIN_SECRET.into(),
        READER_SECRET.into(),
        SIGNING_KEY.into(),
    ];
    let decoded_key = base64::engine::general_purpose::STANDARD
        .decode(SIGNING_KEY)
        .unwrap();
    secrets.push(String::from_utf8(decoded_key).unwrap());

    // Caller tokens: failures by Basic and by form, then successes.
    let wrong = app
        .client
        .post(app.url("/auth/token"))
        .basic_auth(ADMIN_ID, Some(WRONG_CALLER_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong = app
        .client
        .post(app.url("/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", READER_ID),
            ("client_secret", WRONG_CALLER_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let admin = access_token(&app, ADMIN_ID, ADMIN_SECRET).await;
    let reader = access_token(&app, READER_ID, READER_SECRET).await;
    for token in [&admin, &reader] {
        secrets.push(token.clone());
        // The signature alone would let nobody forge, but it is still the token's secret part.
        secrets.push(token.rsplit('.').next().unwrap().to_string());
    }
    // The Basic header as sent on the wire.
    secrets.push(
        base64::engine::general_purpose::STANDARD.encode(format!("{ADMIN_ID}:{ADMIN_SECRET}")),
    );

    // Integrated accounts: one with the right Jamf secret, one Jamf refuses.
    let create = |secret: &str| {
        app.client
            .post(app.url("/integrated-account"))
            .bearer_auth(&admin)
            .json(&json!({
                "tenant_id": "acme",
                "authentication_method": "oauth2_client_credentials",
                "context": {
                    "instance_url": sim.base_url(),
                    "client_id": sim.control().config().client_id,
                    "client_secret": secret,
                }
            }))
            .send()
    };
    let account: Value = create(JAMF_SECRET).await.unwrap().json().await.unwrap();
    assert_eq!(account["status"], "active", "{account}");
    let refused: Value = create(WRONG_JAMF_SECRET)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(refused["status"], "validation_error", "{refused}");
    let id = account["id"].as_str().unwrap();

    // Reads and a credential refresh, each getting Jamf tokens.
    let users = app
        .client
        .get(app.url(&format!("{USERS}?integrated_account_id={id}")))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(users.status(), StatusCode::OK);
    let refreshed = app
        .client
        .post(app.url("/integrated-account/refresh-credentials"))
        .bearer_auth(&admin)
        .json(&json!({ "id": id }))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK);
    let jamf_tokens = sim.control().live_token_values();
    assert!(!jamf_tokens.is_empty(), "the simulator issued tokens");
    secrets.extend(jamf_tokens);

    // A Jamf 401: every token revoked and the client disabled.
    sim.control().revoke_tokens();
    sim.control().set_client_enabled(false);
    let unauthorized = app
        .client
        .get(app.url(&format!("{USERS}?integrated_account_id={id}")))
        .bearer_auth(&reader)
        .header("cache-control", "no-cache")
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
    // Redis goes away: the service says so in a warning, and answers from its memory.
    redis.kill();
    let degraded = app
        .client
        .get(app.url("/integrated-account"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(degraded.status(), StatusCode::OK);
    app.stop().await.unwrap();

    let text = logs.text();
    // The capture works and saw the traffic, so an absence below means something.
    assert!(text.contains("TRACE"), "TRACE events were captured");
    for line in [
        "route=/auth/token",
        "route=/integrated-account/refresh-credentials",
        &format!("route={USERS}"),
        "caller authentication failed",
        "Redis is unavailable",
    ] {
        assert!(text.contains(line), "{line:?} missing from the logs");
    }
    for (n, secret) in secrets.iter().enumerate() {
        // Named by position only: the failure message must not print the secret either.
        assert!(
            !text.contains(secret.as_str()),
            "secret #{n} of {} reached the logs",
            secrets.len()
        );
    }
}
