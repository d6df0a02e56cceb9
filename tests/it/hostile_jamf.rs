//! A broken or hostile Jamf: absurd token lifetimes, a trillion-record `totalCount` with fat
//! pages, and a mix of 500/502/503. The service stays up, bounded and truthful.

use jamf_sim::{Faults, Quirks, SimConfig, SimServer};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{
    ADMIN_ID, ADMIN_SECRET, access_token, sim_account_body, spawn_app, test_settings,
};

const USERS: &str = "/unified/user-directory/users";

/// Resident memory of this process, from `/proc/self/status`.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// Lifetimes Jamf might state, and the status the account must end in: huge ones are
/// clamped (a day) and work; a zero-second token is dead on arrival, which Jamf then refuses.
const LIFETIMES: [(u64, &str); 4] = [
    (u64::MAX, "active"),
    (i64::MAX as u64 + 1, "active"),
    (2, "active"),
    (0, "validation_error"),
];

#[tokio::test]
async fn absurd_token_lifetimes_never_panic_or_leave_an_account_connecting() {
    for (lifetime, expected) in LIFETIMES {
        let sim = SimServer::start(SimConfig {
            token_lifetime_secs: lifetime,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let app = spawn_app(test_settings()).await;
        let token = access_token(&app, ADMIN_ID, ADMIN_SECRET).await;
        let response = app
            .client
            .post(app.url("/integrated-account"))
            .bearer_auth(&token)
            .json(&sim_account_body(&sim, "acme"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "lifetime {lifetime}"
        );
        let account: Value = response.json().await.unwrap();
        assert_eq!(
            account["status"], expected,
            "lifetime {lifetime}: {account}"
        );
        if expected != "active" {
            continue;
        }
        let id = account["id"].as_str().unwrap();
        let list = app
            .client
            .get(app.url(&format!("{USERS}?integrated_account_id={id}&limit=1")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(list.status(), StatusCode::OK, "lifetime {lifetime}");
    }
}

async fn fresh_list(
    app: &crate::support::TestApp,
    token: &str,
    account: &str,
) -> reqwest::Response {
    app.get_fresh(
        &format!("{USERS}?integrated_account_id={account}&limit=1"),
        token,
    )
    .await
}

#[tokio::test]
async fn a_trillion_records_are_refused_at_the_first_page() {
    let sim = SimServer::start(SimConfig {
        quirks: Quirks {
            total_count_surplus: 1_000_000_000_000,
            record_padding_bytes: 64 * 1024,
            ..Quirks::default()
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let app = spawn_app(test_settings()).await;
    let token = access_token(&app, ADMIN_ID, ADMIN_SECRET).await;
    let account = crate::support::connect_sim(&app, &token, &sim, "acme").await;
    sim.control().reset_stats();
    let before = rss_bytes();
    let response = fresh_list(&app, &token, &account).await;
    let grown = rss_bytes().saturating_sub(before);
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let body: Value = response.json().await.unwrap();
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("upstream.max_records"), "{body}");
    assert!(message.contains("1000000000050"), "{body}");
    let stats = sim.control().stats();
    assert_eq!(
        stats.count("GET /api/v1/accounts"),
        1,
        "one page, then refused: {stats:?}"
    );
    eprintln!(
        "trillion-record totalCount with 64 KiB records: RSS grew {} KiB",
        grown / 1024
    );
    assert!(grown < 256 * 1024 * 1024, "RSS grew {grown} bytes");
}

#[tokio::test]
async fn a_fetch_past_the_record_limit_answers_502_naming_it() {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let mut settings = test_settings();
    settings.upstream.max_records = 30;
    let app = spawn_app(settings).await;
    let token = access_token(&app, ADMIN_ID, ADMIN_SECRET).await;
    let account = crate::support::connect_sim(&app, &token, &sim, "acme").await;
    let response = fresh_list(&app, &token, &account).await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("upstream.max_records"),
        "{body}"
    );
    assert_eq!(body["truto_is_remote_error"], true);
}

#[tokio::test]
async fn a_mix_of_500_502_and_503_is_retried_through() {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let app = spawn_app(test_settings()).await;
    let token = access_token(&app, ADMIN_ID, ADMIN_SECRET).await;
    let account = crate::support::connect_sim(&app, &token, &sim, "acme").await;
    let faults = Faults {
        error_rate: 0.3,
        error_statuses: vec![500, 502, 503],
        ..Faults::default()
    };
    sim.control().set_faults(faults).unwrap();
    sim.control().reset_stats();
    let mut succeeded = 0;
    for _ in 0..20 {
        if fresh_list(&app, &token, &account).await.status() == StatusCode::OK {
            succeeded += 1;
        }
    }
    let stats = sim.control().stats();
    let injected: Vec<u64> = [500, 502, 503]
        .iter()
        .map(|s| stats.by_status.get(s).copied().unwrap_or(0))
        .collect();
    eprintln!(
        "30 % mixed 500/502/503: {succeeded} of 20 fresh lists succeeded; injected {injected:?}"
    );
    assert!(
        injected.iter().all(|n| *n > 0),
        "every status was injected: {injected:?}"
    );
    assert!(succeeded >= 16, "{succeeded} of 20 fresh lists succeeded");
}
