//! Stale snapshots (RFC 5861): past the TTL callers get the old snapshot at once while one
//! background fetch refreshes it, and a Jamf outage is bridged by a recent snapshot — but
//! `no-cache` and refused credentials never are.

use std::time::Duration;

use jamf_directory::settings::Settings;
use jamf_sim::{Availability, Faults, SimConfig, SsoConfig};
use reqwest::StatusCode;
use serde_json::Value;

use super::{Fixture, USERS};
use crate::support::test_settings;

const ACCOUNTS: &str = "GET /api/v1/accounts";
const STALE_WHILE_REVALIDATE: &str = "jamf-directory; hit; detail=stale-while-revalidate";

fn mfa(page: &Value) -> Value {
    page["result"][0]["is_2fa_enabled"].clone()
}

/// Settings with a one-second TTL and the given stale windows, and short Jamf timeouts.
fn settings(stale_while_revalidate_secs: u64, stale_if_error_secs: u64) -> Settings {
    let mut settings = test_settings();
    settings.cache.ttl_secs = 1;
    settings.cache.stale_while_revalidate_secs = stale_while_revalidate_secs;
    settings.cache.stale_if_error_secs = stale_if_error_secs;
    settings.upstream.timeout_secs = 1;
    settings.upstream.deadline_secs = 2;
    settings.upstream.max_retries = 1;
    settings
}

/// Waiting out the TTL is the point of these tests, not a readiness wait.
async fn outlive_the_ttl() {
    tokio::time::sleep(Duration::from_millis(1_100)).await;
}

#[tokio::test]
async fn past_the_ttl_callers_get_the_stale_snapshot_while_one_refresh_runs() {
    let f = Fixture::start_with(SimConfig::default(), settings(60, 0)).await;
    assert_eq!(mfa(&f.json(USERS, "limit=1").await), true);

    // Jamf changes, and its account list now hangs: a caller that waited for the refresh
    // would get a 504 after the upstream timeout, never the stale answer below.
    f.sim.control().set_sso(SsoConfig {
        sso_bypass_allowed: true,
        ..SsoConfig::default()
    });
    f.sim
        .control()
        .set_faults(Faults::hanging(ACCOUNTS))
        .unwrap();
    outlive_the_ttl().await;

    let callers = (0..30).map(|_| f.get(USERS, "limit=1"));
    for response in futures::future::join_all(callers).await {
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["cache-status"], STALE_WHILE_REVALIDATE);
        let age: u64 = response.headers()["age"].to_str().unwrap().parse().unwrap();
        assert!(age >= 1, "Age is the snapshot's true age: {age}");
        assert_eq!(mfa(&response.json().await.unwrap()), true, "the old data");
    }
    let stats = f.sim.control().stats();
    assert_eq!(
        stats.in_flight, 1,
        "one background refresh for 30 callers: {stats:?}"
    );

    // The refresh completes once Jamf answers; later callers see Jamf's change.
    f.sim.control().clear_faults();
    let mut refreshed = Value::Null;
    for _ in 0..200 {
        let response = f.get(USERS, "limit=1").await;
        if response.headers()["cache-status"] == "jamf-directory; hit" {
            refreshed = response.json().await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(mfa(&refreshed), false, "the refreshed data: {refreshed}");
    assert_eq!(
        f.sim.control().stats().count(ACCOUNTS),
        2,
        "the first fetch and one refresh, however many callers"
    );
}

#[tokio::test]
async fn a_jamf_outage_after_the_ttl_is_answered_from_the_stale_snapshot() {
    let f = Fixture::start_with(SimConfig::default(), settings(0, 60)).await;
    assert_eq!(f.get(USERS, "limit=1").await.status(), StatusCode::OK);
    outlive_the_ttl().await;

    let outages = [
        (
            "connection refused",
            Faults {
                availability: Availability::Refuse,
                ..Faults::default()
            },
            504,
        ),
        (
            "503",
            Faults {
                error_rate: 1.0,
                error_status: 503,
                ..Faults::default()
            },
            503,
        ),
        ("hang", Faults::hanging(ACCOUNTS), 504),
    ];
    for (outage, faults, jamf_status) in outages {
        f.sim.control().set_faults(faults).unwrap();
        let stale = f.get(USERS, "limit=1").await;
        assert_eq!(stale.status(), StatusCode::OK, "{outage}");
        assert_eq!(
            stale.headers()["cache-status"],
            format!("jamf-directory; fwd=stale; fwd-status={jamf_status}; detail=stale-if-error"),
            "{outage}"
        );
        let fresh = f.get_fresh(USERS, "limit=1").await;
        assert!(
            [StatusCode::BAD_GATEWAY, StatusCode::GATEWAY_TIMEOUT].contains(&fresh.status()),
            "{outage}: no-cache is never answered stale, got {}",
            fresh.status()
        );
        f.sim.control().clear_faults();
    }

    // Refused credentials are never papered over: 401, and the account needs re-authentication.
    f.sim.control().revoke_tokens();
    f.sim.control().set_client_enabled(false);
    assert_eq!(
        f.get(USERS, "limit=1").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let account = f.account_json().await;
    assert_eq!(account["status"], "needs_reauth", "{account}");
}

#[tokio::test]
async fn past_the_stale_if_error_window_the_outage_is_the_answer() {
    let f = Fixture::start_with(SimConfig::default(), settings(0, 1)).await;
    assert_eq!(f.get(USERS, "limit=1").await.status(), StatusCode::OK);
    f.sim.control().set_availability(Availability::Unavailable);
    // TTL (1 s) plus the stale-if-error window (1 s), and then some.
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    assert_eq!(
        f.get(USERS, "limit=1").await.status(),
        StatusCode::BAD_GATEWAY
    );
}

#[tokio::test]
async fn once_jamf_refuses_nothing_stale_is_served_and_jamf_is_not_asked_again() {
    let f = Fixture::start_with(SimConfig::default(), settings(60, 3_600)).await;
    assert_eq!(f.get(USERS, "limit=1").await.status(), StatusCode::OK);
    f.sim.control().revoke_tokens();
    f.sim.control().set_client_enabled(false);
    outlive_the_ttl().await;
    // Answered from the snapshot at once; the refresh it starts is refused by Jamf.
    let before_the_refusal = f.get(USERS, "limit=1").await;
    assert_eq!(before_the_refusal.status(), StatusCode::OK);
    let mut status = Value::Null;
    for _ in 0..200 {
        status = f.account_json().await["status"].clone();
        if status == "needs_reauth" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status, "needs_reauth");

    f.sim.control().reset_stats();
    for fresh in [false, true] {
        for _ in 0..6 {
            let response = if fresh {
                f.get_fresh(USERS, "limit=1").await
            } else {
                f.get(USERS, "limit=1").await
            };
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "no stale 200");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["truto_is_remote_error"], true, "{body}");
            assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .contains("refresh-credentials"),
                "{body}"
            );
        }
    }
    let stats = f.sim.control().stats();
    assert_eq!(
        stats.requests_total, 0,
        "Jamf was not asked again: {stats:?}"
    );

    // Fixed on Jamf's side, then refresh-credentials: the account reads again.
    f.sim.control().set_client_enabled(true);
    f.refresh_credentials().await;
    assert_eq!(f.account_json().await["status"], "active");
    assert_eq!(f.get(USERS, "limit=1").await.status(), StatusCode::OK);
}
