//! The snapshot cache and cursors: single flight, Cache-Status, cold single gets, invalidation.

use super::{Fixture, USERS};
use jamf_sim::{SimConfig, SimServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn cursors_survive_refreshes_and_refuse_tampering() {
    let f = Fixture::start(SimConfig::default()).await;
    let first = f.json(USERS, "limit=5").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let fresh = f.get_fresh(USERS, "limit=1").await;
    assert_eq!(
        fresh.headers()["cache-status"],
        "jamf-directory; fwd=request; stored"
    );
    let second = f
        .json(USERS, &format!("limit=5&next_cursor={cursor}"))
        .await;
    let last_first: u64 = first["result"][4]["id"].as_str().unwrap().parse().unwrap();
    let first_second: u64 = second["result"][0]["id"].as_str().unwrap().parse().unwrap();
    assert!(first_second > last_first);

    let other_filter = f
        .get(
            USERS,
            &format!("limit=5&status=active&next_cursor={cursor}"),
        )
        .await;
    assert_eq!(other_filter.status(), StatusCode::BAD_REQUEST);
    let mut tampered = cursor.clone();
    tampered.insert(3, 'x');
    assert_eq!(
        f.get(USERS, &format!("limit=5&next_cursor={tampered}"))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_cache_says_what_it_served_and_coalesces_cold_fetches() {
    let f = Fixture::start(SimConfig::with_latency(Duration::from_millis(20))).await;
    let calls = (0..30).map(|_| f.get(USERS, "limit=1"));
    let responses = futures::future::join_all(calls).await;
    assert!(responses.iter().all(|r| r.status() == StatusCode::OK));
    let stats = f.sim.control().stats();
    assert_eq!(
        stats.count("GET /api/v1/accounts"),
        1,
        "one fetch for 30 callers: {stats:?}"
    );
    let misses = crate::support::count_cache_status(&responses, "fwd=miss");
    assert_eq!(misses, 1);

    let hit = f.get(USERS, "limit=1").await;
    assert_eq!(hit.headers()["cache-status"], "jamf-directory; hit");
    assert!(
        hit.headers()["age"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert_eq!(hit.headers()["cache-control"], "private, no-store");

    f.get_fresh(USERS, "limit=1").await;
    assert_eq!(f.sim.control().stats().count("GET /api/v1/accounts"), 2);
}

#[tokio::test]
async fn a_cold_single_get_fetches_the_directory_once_and_serves_the_list_record() {
    let f = Fixture::start(SimConfig::with_accounts(200)).await;
    let response = f.get(&format!("{USERS}/7"), "").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-status"],
        "jamf-directory; fwd=miss; stored"
    );
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["username"], "mary.vanderberg");
    assert!(user["groups"].as_array().unwrap().len() >= 2);
    let fetched = f.sim.control().stats().requests_total;

    let listed = f
        .json(USERS, "username=mary.vanderberg&include=permissions")
        .await;
    assert_eq!(listed["result"][0], user, "the list shows the same record");
    assert_eq!(
        f.sim.control().stats().requests_total,
        fetched,
        "the list was served from the snapshot the get fetched"
    );
    assert_eq!(
        f.get(&format!("{USERS}/999999"), "").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn changing_or_deleting_the_account_drops_its_cached_snapshot() {
    let f = Fixture::start(SimConfig::with_accounts(30)).await;
    assert_eq!(f.json(USERS, "").await["result_count"], 30);
    let other = SimServer::start(SimConfig::with_accounts(40))
        .await
        .unwrap();
    let account_url = f.app.url(&format!("/integrated-account/{}", f.account));
    let patched = f
        .app
        .client
        .patch(&account_url)
        .bearer_auth(&f.token)
        .json(&json!({"context": {
            "instance_url": other.base_url(),
            "client_id": other.control().config().client_id,
            "client_secret": other.control().config().client_secret,
        }}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::OK);
    let after = f.get(USERS, "").await;
    assert_eq!(
        after.headers()["cache-status"],
        "jamf-directory; fwd=miss; stored"
    );
    assert_eq!(
        after.json::<Value>().await.unwrap()["result_count"],
        40,
        "read from the new instance"
    );

    let deleted = f
        .app
        .client
        .delete(&account_url)
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(
        f.get(USERS, "").await.status(),
        StatusCode::NOT_FOUND,
        "no snapshot outlives its account"
    );
}

#[tokio::test]
async fn a_jamf_change_shows_after_the_ttl_and_not_before() {
    let mut settings = crate::support::test_settings();
    settings.cache.ttl_secs = 1;
    // Past the TTL the caller waits for Jamf (no stale answers: tests/it/unified/stale.rs).
    settings.cache.stale_while_revalidate_secs = 0;
    let f = Fixture::start_with(SimConfig::default(), settings).await;
    let mfa = |page: &Value| page["result"][0]["is_2fa_enabled"].clone();
    assert_eq!(mfa(&f.json(USERS, "limit=1").await), true);

    // SSO bypass allowed in Jamf: the cached snapshot still says what Jamf said before.
    f.sim.control().set_sso(jamf_sim::SsoConfig {
        sso_bypass_allowed: true,
        ..jamf_sim::SsoConfig::default()
    });
    let cached = f.get(USERS, "limit=1").await;
    assert_eq!(cached.headers()["cache-status"], "jamf-directory; hit");
    assert_eq!(mfa(&cached.json().await.unwrap()), true);
    assert_eq!(f.sim.control().stats().count("GET /api/v1/accounts"), 1);

    // Waiting out the TTL is the point of this test, not a readiness wait.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let fresh = f.get(USERS, "limit=1").await;
    assert_eq!(
        fresh.headers()["cache-status"],
        "jamf-directory; fwd=miss; stored"
    );
    assert_eq!(mfa(&fresh.json().await.unwrap()), false);
    assert_eq!(
        f.sim.control().stats().count("GET /api/v1/accounts"),
        2,
        "exactly one more fetch"
    );
}

/// A shutdown while a request waits on Jamf lets it finish before `launch` returns.
#[tokio::test]
async fn shutdown_drains_a_request_in_flight() {
    let f = Fixture::start(SimConfig::with_latency(Duration::from_millis(200))).await;
    let url = f.app.url(&format!(
        "{USERS}?integrated_account_id={}&limit=1",
        f.account
    ));
    let request = f.app.client.get(url).bearer_auth(&f.token).send();
    let in_flight = tokio::spawn(request);
    while f.sim.control().stats().in_flight == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let Fixture { app, sim, .. } = f;
    app.stop().await.expect("launch returns Ok after draining");
    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request got its answer");
    assert_eq!(response.status(), StatusCode::OK);
    drop(sim);
}
