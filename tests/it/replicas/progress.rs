//! A caller of a replica that waits on another replica's fetch hears that fetch's real
//! progress: the lease holder shares its counters, the waiting replica mirrors them.

use std::time::Duration;

use jamf_sim::SimServer;
use reqwest::StatusCode;
use serde_json::Value;

use super::{Replicas, USERS};
use crate::support::classic_sim;

/// The `fetch` object of a 503 from a caller who stopped waiting.
async fn still_fetching(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    body["fetch"].clone()
}

#[tokio::test]
async fn a_replica_waiting_on_another_replicas_fetch_reports_its_progress() {
    let Some(replicas) = Replicas::start(2, |s| {
        s.server.fetch_wait_secs = 1;
        s.upstream.max_concurrency = 2;
    })
    .await
    else {
        return;
    };
    // Classic at 100 ms per request, two at a time: about 8 s for 150 accounts.
    let sim = SimServer::start(classic_sim(150, Duration::from_millis(100)))
        .await
        .expect("sim");
    let account = replicas.connect(&sim, "acme").await;
    sim.control().reset_stats();
    let path = format!("{USERS}?integrated_account_id={account}");

    let holder = still_fetching(replicas.get(0, &path).await).await;
    let waiter = still_fetching(replicas.get(1, &path).await).await;
    assert_eq!(
        waiter["started_at"], holder["started_at"],
        "the fetch replica 0 runs: {waiter}"
    );
    let (done, planned) = (
        waiter["requests_done"].as_u64().unwrap(),
        waiter["requests_planned"].as_u64().unwrap_or(0),
    );
    // Shared once a second: at least what replica 0 had read a second before.
    assert!(
        done > 0,
        "replica 1 reports the progress replica 0 made: {holder} then {waiter}"
    );
    assert!(planned >= done, "{waiter}");
    assert_eq!(
        sim.control().stats().count("GET /JSSResource/accounts"),
        1,
        "one fetch, on replica 0"
    );
    replicas.stop().await;
}
