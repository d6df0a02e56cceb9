//! Token endpoints, their error bodies, expiry, keep-alive, invalidation.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jamf_sim::{Faults, SimConfig};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CACHE_CONTROL, PRAGMA};
use serde_json::{Value, json};

use super::{Sim, assert_json, assert_text, content_type};

const FORM: &str = "grant_type=client_credentials&client_id=sim-client&client_secret=sim-secret";
const INVALID_TOKEN: &str = "{\n  \"httpStatus\" : 401,\n  \"errors\" : [ {\n    \"code\" : \"INVALID_TOKEN\",\n    \"description\" : \"Unauthorized\",\n    \"id\" : \"0\",\n    \"field\" : null\n  } ]\n}";

fn basic(user: &str, pass: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{pass}")))
}

async fn user_token(sim: &Sim) -> Value {
    let resp = sim
        .http
        .post(sim.url("/api/v1/auth/token"))
        .header(AUTHORIZATION, basic("admin", "jamf1234"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn oauth_token_on_both_paths_has_jamf_shape_and_works_on_both_apis() {
    let sim = Sim::default().await;
    for path in ["/api/v1/oauth/token", "/api/oauth/token"] {
        let resp = sim.post_form(path, FORM).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(resp.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(resp.headers()[PRAGMA], "no-cache");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["scope"], "api-role:1");
        assert_eq!(body["expires_in"], 599, "lifetime 600 reported as 599");
        assert_eq!(body.as_object().unwrap().len(), 4);
        let token = body["access_token"].as_str().unwrap();
        assert_eq!(token.split('.').count(), 3, "JWT-shaped");
        let version = sim.json("/api/v1/jamf-pro-version", token).await;
        assert!(
            version["version"]
                .as_str()
                .unwrap()
                .starts_with("11.30.1-t")
        );
        let classic = sim.get("/JSSResource/accounts", token, true).await;
        assert_eq!(classic.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn oauth_refuses_basic_wrong_secret_unknown_and_disabled_clients() {
    let sim = Sim::default().await;
    let resp = sim
        .http
        .post(sim.url("/api/v1/oauth/token"))
        .header(AUTHORIZATION, basic("sim-client", "sim-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.text().await.unwrap(), r#"{"error":"invalid_client"}"#);
    for form in [
        "grant_type=client_credentials&client_id=sim-client&client_secret=wrong",
        "grant_type=client_credentials&client_id=other&client_secret=sim-secret",
        "grant_type=client_credentials",
    ] {
        let resp = sim.post_form("/api/v1/oauth/token", form).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{form}");
        assert_eq!(
            resp.json::<Value>().await.unwrap(),
            json!({"error": "invalid_client"})
        );
    }
    let held = sim.token().await;
    sim.ctl().set_client_enabled(false);
    let resp = sim.post_form("/api/v1/oauth/token", FORM).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    // Jamf: disabling a client does not revoke tokens it already holds.
    assert_eq!(sim.status("/api/v1/accounts", &held).await, StatusCode::OK);
    sim.ctl().set_client_enabled(true);
    assert_eq!(
        sim.post_form("/api/v1/oauth/token", FORM).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn oauth_malformed_requests_get_rfc6749_bodies() {
    let sim = Sim::default().await;
    let resp = sim
        .post_form(
            "/api/v1/oauth/token",
            "client_id=sim-client&client_secret=sim-secret",
        )
        .await;
    assert_json(
        resp,
        StatusCode::BAD_REQUEST,
        json!({"error": "invalid_request", "error_description": "OAuth 2.0 Parameter: grant_type",
               "error_uri": "https://datatracker.ietf.org/doc/html/rfc6749#section-5.2"}),
    )
    .await;
    let resp = sim
        .post_form(
            "/api/v1/oauth/token",
            &FORM.replace("client_credentials", "password"),
        )
        .await;
    assert_json(
        resp,
        StatusCode::BAD_REQUEST,
        json!({"error": "unsupported_grant_type"}),
    )
    .await;
    let resp = sim
        .post_form("/api/v1/oauth/token", &format!("{FORM}&scope=api-role%3A9"))
        .await;
    assert_json(
        resp,
        StatusCode::BAD_REQUEST,
        json!({"error": "invalid_scope"}),
    )
    .await;
    let resp = sim
        .post_form("/api/v1/oauth/token", &format!("{FORM}&scope=api-role%3A1"))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn basic_token_flow_and_its_errors() {
    let sim = Sim::default().await;
    let body = user_token(&sim).await;
    let expires = body["expires"].as_str().unwrap();
    assert!(
        expires.ends_with('Z') && expires.contains('.'),
        "millis + Z: {expires}"
    );
    assert!(chrono::DateTime::parse_from_rfc3339(expires).is_ok());
    let token = body["token"].as_str().unwrap();
    let me = sim.json("/api/v1/auth", token).await;
    assert_eq!(me["account"]["username"], "admin");
    assert_eq!(me["account"]["id"], "1");
    assert_eq!(me["authenticationType"], "JSS");

    for auth in [Some(basic("admin", "nope")), None] {
        let mut req = sim.http.post(sim.url("/api/v1/auth/token"));
        if let Some(a) = auth {
            req = req.header(AUTHORIZATION, a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            resp.text().await.unwrap(),
            "{\n  \"httpStatus\" : 401,\n  \"errors\" : [ ]\n}"
        );
    }
    let faults = Faults {
        expired_password: true,
        ..Faults::default()
    };
    sim.ctl().set_faults(faults).unwrap();
    let resp = sim
        .http
        .post(sim.url("/api/v1/auth/token"))
        .header(AUTHORIZATION, basic("admin", "jamf1234"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(body["errors"][0]["code"], "USER_EXPIRED_PASSWORD");
}

#[tokio::test]
async fn keep_alive_replaces_user_tokens_but_not_oauth_tokens() {
    let sim = Sim::default().await;
    let old = user_token(&sim).await["token"].as_str().unwrap().to_owned();
    let resp = sim
        .http
        .post(sim.url("/api/v1/auth/keep-alive"))
        .bearer_auth(&old)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let new: Value = resp.json().await.unwrap();
    let new = new["token"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(sim.status("/api/v1/auth", new).await, StatusCode::OK);
    let stale = sim.get("/api/v1/auth", &old, true).await;
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);

    let oauth = sim.token().await;
    let resp = sim
        .http
        .post(sim.url("/api/v1/auth/keep-alive"))
        .bearer_auth(&oauth)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let me = sim.json("/api/v1/auth", &oauth).await;
    assert_eq!(me["authenticationType"], "CLIENT_CREDENTIALS");
}

#[tokio::test]
async fn invalidate_token_answers_204_then_the_token_is_dead() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let resp = sim
        .http
        .post(sim.url("/api/v1/auth/invalidate-token"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(resp.text().await.unwrap().is_empty());
    let resp = sim.get("/api/v1/accounts", &token, true).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.text().await.unwrap(), INVALID_TOKEN);
}

#[tokio::test]
async fn tokens_expire_after_their_lifetime_with_surface_specific_bodies() {
    let sim = Sim::start(SimConfig {
        token_lifetime_secs: 120,
        ..SimConfig::default()
    })
    .await;
    let token = sim.token().await;
    sim.ctl().advance_clock(Duration::from_secs(119));
    assert_eq!(sim.status("/api/v1/accounts", &token).await, StatusCode::OK);
    sim.ctl().advance_clock(Duration::from_secs(2));
    let resp = sim.get("/api/v1/accounts", &token, true).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(content_type(&resp).starts_with("application/json"));
    assert_eq!(resp.text().await.unwrap(), INVALID_TOKEN);
    let resp = sim.get("/JSSResource/accounts", &token, true).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(content_type(&resp).starts_with("text/html"));
    let html = resp.text().await.unwrap();
    assert!(html.contains("<title>Status page</title>") && html.contains(">Unauthorized</p>"));
}

#[tokio::test]
async fn classic_refuses_basic_and_missing_credentials() {
    let sim = Sim::default().await;
    for auth in [Some(basic("admin", "jamf1234")), None] {
        let mut req = sim.http.get(sim.url("/JSSResource/accounts"));
        if let Some(a) = auth {
            req = req.header(AUTHORIZATION, a);
        }
        let resp = req.send().await.unwrap();
        assert_text(
            resp,
            StatusCode::UNAUTHORIZED,
            "requires user authentication",
        )
        .await;
    }
}

#[tokio::test]
async fn revoked_tokens_answer_401_and_new_ones_work() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    assert_eq!(sim.ctl().live_tokens(), 1);
    sim.ctl().revoke_tokens();
    assert_eq!(
        sim.status("/api/v1/accounts", &token).await,
        StatusCode::UNAUTHORIZED
    );
    let fresh = sim.token().await;
    assert_eq!(sim.status("/api/v1/accounts", &fresh).await, StatusCode::OK);
}
