//! One fetch for the whole deployment, and its snapshot served by every replica.

use std::time::{Duration, Instant};

use jamf_sim::{Faults, SimConfig, SimServer};
use serde_json::Value;

use super::{Replicas, USERS, count};

#[tokio::test]
async fn cold_reads_spread_over_three_replicas_fetch_the_directory_once() {
    let Some(replicas) = Replicas::start(3, |_| {}).await else {
        return;
    };
    let sim = SimServer::start(SimConfig {
        latency: Duration::from_millis(20),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let account = replicas.connect(&sim, "acme").await;
    sim.control().reset_stats();

    let path = format!("{USERS}?integrated_account_id={account}&limit=5");
    let reads = (0..150).map(|n| replicas.get(n, &path));
    let responses = futures::future::join_all(reads).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(count(&statuses, 200), 150, "{statuses:?}");
    let stats = sim.control().stats();
    assert_eq!(
        stats.count("GET /api/v1/accounts"),
        1,
        "one directory fetch for 150 callers on 3 replicas: {stats:?}"
    );
    assert_eq!(
        stats.count("GET /api/v3/sso"),
        1,
        "read once per fetch: {stats:?}"
    );
    let misses = crate::support::count_cache_status(&responses, "fwd=miss");
    assert_eq!(misses, 1, "only the request that fetched says so");
    replicas.stop().await;
}

#[tokio::test]
async fn a_snapshot_fetched_through_one_replica_is_served_by_the_others_with_its_age() {
    let Some(replicas) = Replicas::start(3, |_| {}).await else {
        return;
    };
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let account = replicas.connect(&sim, "acme").await;
    sim.control().reset_stats();

    // Everything a snapshot holds: admins and API clients, permissions, raw records.
    let all =
        format!("{USERS}?integrated_account_id={account}&type=all&include=permissions&limit=1000");
    let through_a = replicas.get(0, &all).await;
    assert_eq!(
        through_a.headers()["cache-status"],
        "jamf-directory; fwd=miss; stored"
    );
    let fetched = Instant::now();
    let served_by_a: Value = through_a.json().await.unwrap();
    let upstream = sim.control().stats().requests_total;
    assert!(upstream > 0);

    // Long enough that an age counted from B's or C's own read would show less.
    tokio::time::sleep(Duration::from_millis(2100).saturating_sub(fetched.elapsed())).await;
    for n in [1, 2] {
        let response = replicas.get(n, &all).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["cache-status"],
            "jamf-directory; hit",
            "replica {n}"
        );
        let age: u64 = response.headers()["age"].to_str().unwrap().parse().unwrap();
        assert!(
            age >= 2,
            "replica {n}: Age {age} counts from the fetch on replica A"
        );
        let served: Value = response.json().await.unwrap();
        assert_eq!(
            served, served_by_a,
            "replica {n} serves the very records A fetched"
        );
        for resource in ["groups", "roles", "workspaces", "users/16"] {
            let path =
                format!("/unified/user-directory/{resource}?integrated_account_id={account}");
            let (a, b) = (replicas.get(0, &path).await, replicas.get(n, &path).await);
            assert_eq!(b.headers()["cache-status"], "jamf-directory; hit");
            assert_eq!(
                a.json::<Value>().await.unwrap(),
                b.json::<Value>().await.unwrap(),
                "{resource} on replica {n}"
            );
        }
    }
    assert_eq!(
        sim.control().stats().requests_total,
        upstream,
        "B and C made no upstream call"
    );
    replicas.stop().await;
}

#[tokio::test]
async fn a_failed_fetch_is_shared_too_jamf_is_asked_once() {
    let Some(replicas) = Replicas::start(3, |_| {}).await else {
        return;
    };
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let account = replicas.connect(&sim, "acme").await;
    // The API role loses Read Accounts, and Jamf is slow enough for every caller to arrive
    // while the one fetch runs.
    sim.control()
        .set_faults(Faults {
            latency_ms: Some(200),
            missing_privileges: vec!["Read Accounts".into()],
            ..Faults::default()
        })
        .unwrap();
    sim.control().reset_stats();

    let path = format!("{USERS}?integrated_account_id={account}&limit=5");
    let reads = (0..30).map(|n| replicas.get(n, &path));
    let responses = futures::future::join_all(reads).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(count(&statuses, 403), 30, "{statuses:?}");
    let stats = sim.control().stats();
    assert_eq!(
        stats.count("GET /api/v1/accounts"),
        1,
        "the failure of the one fetch answered every replica: {stats:?}"
    );
    let body: Value = responses
        .into_iter()
        .next_back()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("Read Accounts"),
        "the privilege is named on every replica: {body}"
    );
    replicas.stop().await;
}
