//! Jamf Cloud's load shedding and `/api/v1/health-status`, over real HTTP.

use std::time::Duration;

use jamf_sim::{SimConfig, SimStats};
use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde_json::{Value, json};

use super::{Sim, send_json};

const WINDOWS: [&str; 5] = [
    "thirtySeconds",
    "oneMinute",
    "fiveMinutes",
    "fifteenMinutes",
    "thirtyMinutes",
];

async fn shedding_sim(shed_above: u64) -> Sim {
    // Long enough that all the concurrent requests below arrive while the first is served.
    let sim = Sim::start(SimConfig::with_latency(Duration::from_millis(300))).await;
    let resp = sim
        .http
        .post(sim.url("/__sim/faults"))
        .json(&json!({"shed_above": shed_above, "health_status": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    sim
}

#[tokio::test]
async fn beyond_k_requests_in_progress_answer_503_with_a_timeout_page() {
    let sim = shedding_sim(2).await;
    let token = sim.token().await;
    let calls = (0..5).map(|_| sim.get("/api/v1/sites", &token, true));
    let responses = futures::future::join_all(calls).await;
    let mut refused = 0;
    for resp in responses {
        if resp.status() == StatusCode::SERVICE_UNAVAILABLE {
            refused += 1;
            assert!(resp.headers().get(RETRY_AFTER).is_none());
            let body = resp.text().await.unwrap();
            assert!(body.contains("Jamf Cloud - Timeout"), "{body}");
        } else {
            assert_eq!(resp.status(), StatusCode::OK);
        }
    }
    assert_eq!(refused, 3, "two of five accepted");
    let stats: SimStats = send_json(sim.http.get(sim.url("/__sim/stats"))).await;
    assert_eq!(stats.refused, 3);
    assert_eq!(stats.by_endpoint_status["GET /api/v1/sites 503"], 3);
    assert_eq!(stats.by_endpoint_status["GET /api/v1/sites 200"], 2);
}

#[tokio::test]
async fn health_status_reports_api_acceptance_below_one_while_shedding() {
    let sim = shedding_sim(1).await;
    let token = sim.token().await;
    let calls = (0..4).map(|_| sim.get("/api/v1/sites", &token, true));
    futures::future::join_all(calls).await;
    let health = sim.json("/api/v1/health-status", &token).await;
    let groups = health.as_object().unwrap();
    let names: Vec<&str> = groups.keys().map(String::as_str).collect();
    assert_eq!(names, ["api", "default", "device", "enrollment", "ui"]);
    for (group, windows) in groups {
        for window in WINDOWS {
            let ratio = windows[window].as_f64().unwrap();
            if group == "api" {
                assert!(ratio > 0.0 && ratio < 1.0, "{window}: {ratio}");
            } else {
                assert_eq!(ratio, 1.0, "{group} {window}");
            }
        }
    }
    assert_eq!(
        sim.status("/api/v1/health-status", "not-a-token").await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn health_status_is_404_as_on_premises_unless_switched_on() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    assert_eq!(
        sim.status("/api/v1/health-status", &token).await,
        StatusCode::NOT_FOUND
    );
    sim.ctl()
        .set_faults(jamf_sim::Faults {
            health_status: true,
            ..jamf_sim::Faults::default()
        })
        .unwrap();
    let health: Value = sim.json("/api/v1/health-status", &token).await;
    assert_eq!(health["api"]["oneMinute"], json!(1.0), "nothing refused");
    assert_eq!(sim.ctl().stats().refused, 0);
}
