//! Fetches longer than a caller's patience: the caller hears how far the fetch got (503 with
//! `Retry-After` and a `fetch` object), later callers attach to the same fetch, a stale
//! snapshot answers while a long refresh runs, and a fetch that fails part-way resumes with
//! what it had read.

use std::time::Duration;

use jamf_directory::settings::Settings;
use jamf_sim::Faults;
use reqwest::StatusCode;
use serde_json::Value;

use super::{Fixture, USERS};
use crate::support::{classic_sim, test_settings};

const LIST: &str = "GET /JSSResource/accounts";
const DETAIL: &str = "GET /JSSResource/accounts/userid/{id}";

fn patient_for(settings: &mut Settings, wait_secs: u64) {
    settings.server.fetch_wait_secs = wait_secs;
    settings.upstream.max_concurrency = 2;
}

/// The 503 of a caller who stopped waiting, checked, and its `fetch` object.
async fn still_fetching(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["statusCode"], 503);
    assert_eq!(body["truto_is_remote_error"], false, "{body}");
    assert!(body["fetch"]["started_at"].is_string(), "{body}");
    assert!(body["fetch"]["requests_done"].is_u64(), "{body}");
    body["fetch"].clone()
}

/// Polls the users list until it answers 200 (each poll may wait `fetch_wait_secs`).
async fn listed(f: &Fixture) -> Value {
    for _ in 0..100 {
        let response = f.get(USERS, "limit=1000").await;
        if response.status() == StatusCode::OK {
            return response.json().await.unwrap();
        }
        still_fetching(response).await;
    }
    panic!("the fetch never completed");
}

#[tokio::test]
async fn a_caller_hears_how_far_the_fetch_got_and_later_callers_attach_to_it() {
    let mut settings = test_settings();
    patient_for(&mut settings, 1);
    // About 45 requests two at a time at 150 ms: several seconds, each caller waits one.
    let f = Fixture::start_with(classic_sim(40, Duration::from_millis(150)), settings).await;

    let first = still_fetching(f.get(USERS, "").await).await;
    let second = still_fetching(f.get(USERS, "").await).await;
    assert_eq!(
        first["started_at"], second["started_at"],
        "the second caller attached to the same fetch"
    );
    assert!(second["requests_done"].as_u64() >= first["requests_done"].as_u64());
    let planned = second["requests_planned"]
        .as_u64()
        .expect("the list is read");
    assert!(planned > 40, "one detail per account is planned: {planned}");

    let page = listed(&f).await;
    assert_eq!(page["result"].as_array().unwrap().len(), 40);
    let stats = f.sim.control().stats();
    assert_eq!(
        stats.count(LIST),
        1,
        "nothing restarted the fetch: {stats:?}"
    );
    assert_eq!(stats.count(DETAIL), 40, "{stats:?}");
}

#[tokio::test]
async fn a_fetch_that_fails_part_way_resumes_and_reads_nothing_twice() {
    const ACCOUNTS: usize = 60;
    let mut settings = test_settings();
    // One attempt per request: the first failure ends the attempt.
    settings.upstream.max_retries = 0;
    let f = Fixture::start_with(classic_sim(ACCOUNTS, Duration::from_millis(5)), settings).await;
    f.sim
        .control()
        .set_faults(Faults {
            error_rate: 0.1,
            error_status: 500,
            endpoints: vec![DETAIL.into()],
            ..Faults::default()
        })
        .unwrap();
    let failed = f.get(USERS, "").await;
    assert_eq!(failed.status(), StatusCode::BAD_GATEWAY, "a detail failed");
    let read_before = f.sim.control().stats();
    let detail_ok = format!("{DETAIL} 200");
    let done_before = read_before.by_endpoint_status[&detail_ok];
    assert!(
        done_before < ACCOUNTS as u64,
        "it failed part-way: {read_before:?}"
    );

    f.sim.control().clear_faults();
    let page = f.json(USERS, "limit=1000").await;
    assert_eq!(page["result"].as_array().unwrap().len(), ACCOUNTS);
    let stats = f.sim.control().stats();
    assert_eq!(
        stats.by_endpoint_status[&detail_ok], ACCOUNTS as u64,
        "each account's detail was read once over both attempts: {stats:?}"
    );
    assert_eq!(stats.count(LIST), 1, "the list was not read again");
    assert_eq!(
        stats.count("GET /api/v3/sso"),
        1,
        "nor the SSO settings: {stats:?}"
    );

    // A success forgets what it read: the next fetch reads Jamf anew.
    let fresh = f.get_fresh(USERS, "limit=1").await;
    assert_eq!(fresh.status(), StatusCode::OK);
    assert_eq!(f.sim.control().stats().count(LIST), 2);
}

#[tokio::test]
async fn the_previous_snapshot_answers_while_a_long_refresh_runs() {
    let mut settings = test_settings();
    settings.cache.ttl_secs = 1;
    settings.cache.stale_while_revalidate_secs = 1;
    patient_for(&mut settings, 1);
    let f = Fixture::start_with(classic_sim(10, Duration::ZERO), settings).await;
    assert_eq!(f.get(USERS, "").await.status(), StatusCode::OK);

    // Jamf slows down: a refresh now takes several seconds, longer than the TTL and the
    // stale-while-revalidate window together.
    f.sim
        .control()
        .set_faults(Faults {
            latency_ms: Some(700),
            ..Faults::default()
        })
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let started = f.get(USERS, "").await;
    assert_eq!(started.status(), StatusCode::OK);
    assert_eq!(
        started.headers()["cache-status"],
        "jamf-directory; hit; detail=stale-while-revalidate"
    );
    // Past TTL + stale-while-revalidate, with the refresh still running.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    for _ in 0..5 {
        let response = f.get(USERS, "").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["cache-status"],
            "jamf-directory; hit; detail=stale-while-revalidate"
        );
        let age: u64 = response.headers()["age"].to_str().unwrap().parse().unwrap();
        assert!(age >= 2, "the old snapshot, with its true age: {age}");
    }
    assert_eq!(
        f.sim.control().stats().count(LIST),
        2,
        "the first fetch and one refresh, for every caller"
    );
}
