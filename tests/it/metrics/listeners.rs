//! Where `/metrics` is served, and what it shows from start-up on.

use std::time::Duration;

use reqwest::StatusCode;

use crate::support::{ran_in_own_process, spawn_app, test_settings};

fn free_address() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
}

/// Reads process-wide gauges, so it runs in a process of its own.
#[tokio::test]
async fn redis_metrics_are_present_for_a_redis_never_reachable() {
    if ran_in_own_process(
        "metrics::listeners::redis_metrics_are_present_for_a_redis_never_reachable",
    ) {
        return;
    }
    let mut settings = test_settings();
    // Nothing listens there: Redis is unreachable from the first moment on.
    settings.redis.url = Some(format!("redis://{}", free_address()).into());
    let app = spawn_app(settings).await;
    let mut text = String::new();
    // The first probe runs at start-up; wait for its verdict (not timed: it only bounds a hang).
    for _ in 0..200 {
        text = app.metrics_text().await;
        if text.lines().any(|l| l == "redis_up 0") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(text.lines().any(|l| l == "redis_up 0"), "{text}");
    assert!(
        text.lines().any(|l| l == "redis_unavailable_total 1"),
        "{text}"
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn metrics_listen_serves_metrics_there_and_only_there() {
    let mut settings = test_settings();
    let metrics_address = free_address();
    settings.server.metrics_listen = Some(metrics_address);
    let app = spawn_app(settings).await;
    let client = reqwest::Client::new();
    let metrics_url = format!("http://{metrics_address}/metrics");
    let mut scrape = client.get(&metrics_url).send().await;
    // The listener opens during start-up; retry connection errors only.
    for _ in 0..200 {
        if scrape.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        scrape = client.get(&metrics_url).send().await;
    }
    let scrape = scrape.expect("the metrics listener answers");
    assert_eq!(scrape.status(), StatusCode::OK);
    assert!(
        scrape.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );

    let on_api_port = client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(on_api_port.status(), StatusCode::NOT_FOUND);
    let api_on_metrics_port = client
        .get(format!("http://{metrics_address}/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(api_on_metrics_port.status(), StatusCode::NOT_FOUND);
    let docs: serde_json::Value = client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        docs["paths"].get("/metrics").is_none(),
        "not on the API port"
    );
    app.stop().await.unwrap();
}
