//! Counters, the HTTP control surface and the `jamf-sim` binary.

use std::process::Stdio;
use std::time::Duration;

use futures::future::join_all;
use jamf_sim::{SimConfig, SimStats};
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::{Sim, send_json};

#[tokio::test]
async fn counters_by_endpoint_template_and_status_and_reset() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    for id in [1, 2, 9999] {
        sim.get(&format!("/JSSResource/accounts/userid/{id}"), &token, true)
            .await;
    }
    sim.get("/no/such/path", &token, true).await;
    let stats: SimStats = send_json(sim.http.get(sim.url("/__sim/stats"))).await;
    assert_eq!(stats.count("GET /JSSResource/accounts/userid/{id}"), 3);
    assert_eq!(
        stats.by_endpoint_status["GET /JSSResource/accounts/userid/{id} 200"],
        2
    );
    assert_eq!(
        stats.by_endpoint_status["GET /JSSResource/accounts/userid/{id} 404"],
        1
    );
    assert_eq!(stats.count("POST /api/v1/oauth/token"), 1);
    assert_eq!(stats.count("GET unmatched"), 1);
    assert_eq!(stats.requests_total, 5, "control requests are not counted");
    assert_eq!(stats.by_status[&404], 2);
    assert_eq!(sim.ctl().stats(), stats);
    let resp = sim
        .http
        .post(sim.url("/__sim/stats/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let stats = sim.ctl().stats();
    assert_eq!(
        (
            stats.requests_total,
            stats.by_endpoint.len(),
            stats.peak_in_flight
        ),
        (0, 0, 0)
    );
}

#[tokio::test]
async fn peak_in_flight_counts_concurrent_requests_including_latency() {
    let sim = Sim::start(SimConfig::with_latency(Duration::from_millis(300))).await;
    let token = sim.token().await;
    sim.ctl().reset_stats();
    let paths: Vec<String> = (1..=6).map(|id| format!("/api/v1/accounts/{id}")).collect();
    let calls = paths.iter().map(|p| sim.get(p, &token, true));
    let statuses: Vec<_> = join_all(calls).await.iter().map(|r| r.status()).collect();
    assert!(statuses.iter().all(|s| *s == StatusCode::OK));
    let stats = sim.ctl().stats();
    assert_eq!(stats.peak_in_flight, 6);
    assert_eq!(stats.in_flight, 0);
}

#[tokio::test]
async fn faults_version_client_sso_and_clock_over_http() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let post =
        |path: &str, body: serde_json::Value| sim.http.post(sim.url(path)).json(&body).send();
    let resp = post("/__sim/faults", json!({"error_rate": 3.0}))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.text().await.unwrap().contains("error_rate"));
    let resp = post(
        "/__sim/faults",
        json!({"fail_next": 1, "error_status": 500}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let current: serde_json::Value = send_json(sim.http.get(sim.url("/__sim/faults"))).await;
    assert_eq!(current["error_status"], 500);
    assert_eq!(
        sim.status("/api/v1/sites", &token).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(sim.status("/api/v1/sites", &token).await, StatusCode::OK);
    post("/__sim/faults", json!({"availability": "unavailable"}))
        .await
        .unwrap();
    assert_eq!(
        sim.status("/api/v1/sites", &token).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    sim.http
        .delete(sim.url("/__sim/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(sim.status("/api/v1/sites", &token).await, StatusCode::OK);

    post("/__sim/version", json!({"version": "10.42.1"}))
        .await
        .unwrap();
    assert_eq!(
        sim.status("/api/v1/accounts", &token).await,
        StatusCode::NOT_FOUND
    );
    post("/__sim/sso", json!({"ssoEnabled": false}))
        .await
        .unwrap();
    // 10.42 predates /api/v3/sso; the older /api/v2/sso reports the posture.
    assert_eq!(sim.json("/api/v2/sso", &token).await["ssoEnabled"], false);
    post("/__sim/client", json!({"privileges": []}))
        .await
        .unwrap();
    assert_eq!(
        sim.status("/JSSResource/sites", &token).await,
        StatusCode::FORBIDDEN
    );
    post("/__sim/client", json!({"enabled": false}))
        .await
        .unwrap();
    let form = "grant_type=client_credentials&client_id=sim-client&client_secret=sim-secret";
    assert_eq!(
        sim.post_form("/api/v1/oauth/token", form).await.status(),
        StatusCode::UNAUTHORIZED
    );
    post("/__sim/clock/advance", json!({"secs": 601}))
        .await
        .unwrap();
    assert_eq!(
        sim.status("/api/v1/jamf-pro-version", &token).await,
        StatusCode::UNAUTHORIZED
    );
    post("/__sim/revoke-tokens", json!({})).await.unwrap();
    assert_eq!(sim.ctl().live_tokens(), 0);
}

#[tokio::test]
async fn binary_prints_its_address_first_and_serves() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_jamf-sim"))
        .args([
            "--port",
            "0",
            "--accounts",
            "25",
            "--seed",
            "4",
            "--latency-ms",
            "0",
        ])
        .args([
            "--client-id",
            "cli-client",
            "--client-secret",
            "cli-secret",
            "--jamf-version",
            "11.26.0",
        ])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn jamf-sim");
    let stdout = child.stdout.take().unwrap();
    let line = BufReader::new(stdout)
        .lines()
        .next_line()
        .await
        .unwrap()
        .unwrap();
    let base = line
        .strip_prefix("listening on http://127.0.0.1:")
        .expect(&line);
    assert!(base.parse::<u16>().is_ok_and(|p| p > 0), "{line}");
    let base = format!("http://127.0.0.1:{base}");
    let http = reqwest::Client::new();
    let token: serde_json::Value =
        send_json(http.post(format!("{base}/api/v1/oauth/token")).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "cli-client"),
            ("client_secret", "cli-secret"),
        ]))
        .await;
    let token = token["access_token"].as_str().unwrap();
    let accounts: serde_json::Value = send_json(
        http.get(format!("{base}/api/v1/accounts"))
            .bearer_auth(token),
    )
    .await;
    assert_eq!(accounts["totalCount"], 25);
    let groups = http
        .get(format!("{base}/api/v1/account-groups"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        groups.status(),
        StatusCode::NOT_FOUND,
        "11.26 has no account-groups"
    );
    child.kill().await.unwrap();
}
