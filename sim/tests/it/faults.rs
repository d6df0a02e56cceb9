//! Each injected fault, over real HTTP.

use std::time::{Duration, Instant};

use jamf_sim::{Availability, Faults, SimConfig};
use reqwest::StatusCode;
use serde_json::Value;

use super::{Sim, assert_text, content_type};

#[tokio::test]
async fn configured_and_overridden_latency_delay_every_request() {
    let sim = Sim::start(SimConfig::with_latency(Duration::from_millis(120))).await;
    let started = Instant::now();
    let token = sim.token().await;
    assert!(
        started.elapsed() >= Duration::from_millis(120),
        "token endpoint delayed too"
    );
    let faults = Faults {
        latency_ms: Some(250),
        ..Faults::default()
    };
    sim.ctl().set_faults(faults).unwrap();
    let started = Instant::now();
    assert_eq!(sim.status("/api/v1/sites", &token).await, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn slow_token_endpoint_only_delays_tokens() {
    let sim = Sim::default().await;
    let faults = Faults {
        token_latency_ms: 300,
        ..Faults::default()
    };
    sim.ctl().set_faults(faults).unwrap();
    let started = Instant::now();
    sim.token().await;
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn error_rate_one_answers_the_chosen_status_in_the_right_style() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let set = |status| Faults {
        error_rate: 1.0,
        error_status: status,
        ..Faults::default()
    };
    sim.ctl().set_faults(set(502)).unwrap();
    let resp = sim.get("/api/v1/accounts", &token, true).await;
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    assert!(content_type(&resp).starts_with("text/html"));
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("<h1>502 Bad Gateway</h1>")
    );
    sim.ctl().set_faults(set(500)).unwrap();
    let resp = sim.get("/api/v1/accounts", &token, true).await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(resp.json::<Value>().await.unwrap()["httpStatus"], 500);
    let resp = sim.get("/JSSResource/accounts", &token, true).await;
    assert_text(
        resp,
        StatusCode::INTERNAL_SERVER_ERROR,
        "<title>Status page</title>",
    )
    .await;
    sim.ctl().set_faults(set(503)).unwrap();
    let resp = sim
        .post_form("/api/v1/oauth/token", "grant_type=client_credentials")
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "unscoped faults hit tokens too"
    );
}

#[tokio::test]
async fn partial_error_rate_is_deterministic_per_seed() {
    async fn pattern(seed: u64) -> Vec<u16> {
        let sim = Sim::start(SimConfig {
            seed,
            ..SimConfig::default()
        })
        .await;
        let token = sim.token().await;
        let faults = Faults {
            error_rate: 0.5,
            ..Faults::default()
        };
        sim.ctl().set_faults(faults).unwrap();
        let mut out = Vec::new();
        for _ in 0..40 {
            out.push(sim.status("/api/v1/sites", &token).await.as_u16());
        }
        out
    }
    let a = pattern(9).await;
    assert_eq!(a, pattern(9).await);
    let errors = a.iter().filter(|s| **s == 503).count();
    assert!((5..35).contains(&errors), "{errors} of 40 failed");
}

#[tokio::test]
async fn fail_next_scoped_to_one_endpoint() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let faults = Faults {
        fail_next: 2,
        endpoints: vec!["/api/v1/accounts".into()],
        ..Faults::default()
    };
    sim.ctl().set_faults(faults).unwrap();
    assert_eq!(sim.status("/api/v1/sites", &token).await, StatusCode::OK);
    assert_eq!(
        sim.status("/api/v1/accounts/1", &token).await,
        StatusCode::OK
    );
    for expected in [503, 503, 200, 200] {
        assert_eq!(
            sim.status("/api/v1/accounts", &token).await.as_u16(),
            expected
        );
    }
}

#[tokio::test]
async fn hung_requests_wait_until_the_fault_is_cleared() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let faults = Faults {
        hang: true,
        endpoints: vec!["GET /api/v1/accounts".into()],
        ..Faults::default()
    };
    sim.ctl().set_faults(faults).unwrap();
    let request = sim.get("/api/v1/accounts", &token, true);
    tokio::pin!(request);
    let timed_out = tokio::time::timeout(Duration::from_millis(300), &mut request).await;
    assert!(timed_out.is_err(), "request should hang");
    assert_eq!(sim.ctl().stats().in_flight, 1);
    assert_eq!(sim.status("/api/v1/sites", &token).await, StatusCode::OK);
    sim.ctl().clear_faults();
    assert_eq!(request.await.status(), StatusCode::OK);
}

#[tokio::test]
async fn going_away_with_503_and_coming_back() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    sim.ctl().set_availability(Availability::Unavailable);
    assert_eq!(
        sim.status("/api/v1/accounts", &token).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let resp = sim
        .post_form("/api/v1/oauth/token", "grant_type=client_credentials")
        .await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers().get("retry-after"), None);
    sim.ctl().set_availability(Availability::Up);
    assert_eq!(sim.status("/api/v1/accounts", &token).await, StatusCode::OK);
}

#[tokio::test]
async fn going_away_by_refusing_connections_and_coming_back() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    // Warm a pooled keep-alive connection first: it must fail too.
    assert_eq!(sim.status("/api/v1/sites", &token).await, StatusCode::OK);
    sim.ctl().set_availability(Availability::Refuse);
    let pooled = sim
        .http
        .get(sim.url("/api/v1/sites"))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(pooled.is_err(), "pooled connection: {pooled:?}");
    let fresh = reqwest::Client::new()
        .get(sim.url("/api/v1/sites"))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(fresh.is_err(), "new connection: {fresh:?}");
    sim.ctl().set_availability(Availability::Up);
    assert_eq!(sim.status("/api/v1/sites", &token).await, StatusCode::OK);
}

#[tokio::test]
async fn a_dropped_simulator_stops_answering_on_pooled_connections() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let url = sim.url("/api/v1/sites");
    assert_eq!(sim.status("/api/v1/sites", &token).await, StatusCode::OK);
    let Sim { server, http } = sim;
    drop(server);
    assert!(http.get(&url).bearer_auth(&token).send().await.is_err());
}
