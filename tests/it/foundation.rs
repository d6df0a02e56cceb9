//! The service skeleton over real HTTP: probes, envelope, request ids, metrics, docs, shutdown.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{send_expecting, send_json, spawn_app, test_settings};

#[tokio::test]
async fn probes_answer_json() {
    let app = spawn_app(test_settings()).await;
    let live = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    assert_eq!(live.json::<Value>().await.unwrap()["status"], "ok");
    let body: Value =
        send_expecting(app.client.get(app.url("/health/ready")), StatusCode::OK).await;
    assert_eq!(body["status"], "ok");
    assert!(body["checks"].is_array());
}

#[tokio::test]
async fn request_ids_are_generated_or_echoed() {
    let app = spawn_app(test_settings()).await;
    let generated = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a uuid: {id}");
    let echoed = app
        .client
        .get(app.url("/health/live"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-me-42");
}

#[tokio::test]
async fn request_ids_longer_than_128_or_not_visible_ascii_are_replaced() {
    let app = spawn_app(test_settings()).await;
    let answered_id = |sent: reqwest::header::HeaderValue| {
        let request = app
            .client
            .get(app.url("/health/live"))
            .header("x-request-id", sent);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.headers()["x-request-id"].as_bytes().to_vec()
        }
    };
    let longest = "r".repeat(128);
    assert_eq!(
        answered_id(longest.parse().unwrap()).await,
        longest.as_bytes(),
        "128 visible characters are kept"
    );
    let replaced = [
        "x".repeat(10_000).into_bytes(),
        "y".repeat(129).into_bytes(),
        b"two words".to_vec(),
        b"tab\there".to_vec(),
        b"caf\xc3\xa9".to_vec(),
    ];
    for sent in replaced {
        let answered = answered_id(reqwest::header::HeaderValue::from_bytes(&sent).unwrap()).await;
        assert_ne!(answered, sent);
        assert!(
            (1..=128).contains(&answered.len())
                && answered.iter().all(|b| (0x21..=0x7e).contains(b)),
            "{:?} replaced by {:?}",
            String::from_utf8_lossy(&sent),
            String::from_utf8_lossy(&answered)
        );
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_get_the_envelope() {
    let app = spawn_app(test_settings()).await;
    let missing = app
        .client
        .get(app.url("/nope"))
        .header("x-request-id", "lost-42")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.headers()["x-request-id"], "lost-42");
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["statusCode"], 404);
    assert_eq!(body["error"], "Not Found");

    let wrong = app
        .client
        .delete(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong.headers().contains_key("allow"));
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["statusCode"], 405);
    assert_eq!(body["error"], "Method Not Allowed");
}

#[tokio::test]
async fn oversized_bodies_get_413_in_the_envelope() {
    let mut settings = test_settings();
    settings.server.body_limit_bytes = 2048;
    let app = spawn_app(settings).await;
    let response = app
        .client
        .post(app.url("/health/live"))
        .body(vec![b'x'; 10_000])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["statusCode"], 413);
}

#[tokio::test]
async fn metrics_are_labelled_by_route_template_never_raw_path() {
    let app = spawn_app(test_settings()).await;
    for _ in 0..3 {
        app.client
            .get(app.url("/health/live"))
            .send()
            .await
            .unwrap();
    }
    app.client
        .get(app.url("/secret-looking/raw/path-123"))
        .send()
        .await
        .unwrap();
    let text = app.metrics_text().await;
    let live = text
        .lines()
        .find(|l| {
            l.starts_with("http_requests_total{")
                && l.contains("route=\"/health/live\"")
                && l.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("no counter for /health/live in:\n{text}"));
    let count: f64 = live.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 3.0, "{live}");
    assert!(text.contains("http_request_duration_seconds_bucket"));
    assert!(text.contains("route=\"unmatched\""));
    assert!(!text.contains("path-123"));
}

#[tokio::test]
async fn openapi_and_swagger_ui_are_served_offline() {
    let app = spawn_app(test_settings()).await;
    let doc: Value = send_json(app.client.get(app.url("/openapi.json"))).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(doc["servers"][0]["url"], app.base_url);
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let ui = app
        .client
        .get(app.url("/swagger-ui/"))
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status(), StatusCode::OK);
    assert!(ui.text().await.unwrap().contains("swagger-ui"));
    let bundle = app
        .client
        .get(app.url("/swagger-ui/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), StatusCode::OK);
}

/// The committed document is exactly what the code generates (regenerate with
/// `cargo run -- openapi > openapi/openapi.json`).
#[test]
fn committed_openapi_document_matches_the_code() {
    let generated = jamf_directory::http::openapi().to_pretty_json().unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[tokio::test]
async fn shutdown_returns_ok_and_stops_accepting() {
    let app = spawn_app(test_settings()).await;
    let url = app.url("/health/live");
    let client = app.client.clone();
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    app.stop().await.expect("launch returns Ok after shutdown");
    assert!(reqwest::Client::new().get(&url).send().await.is_err());
}
