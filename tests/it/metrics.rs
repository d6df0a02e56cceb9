//! `/metrics` end to end: a scenario through the real service and simulator, then
//! a scrape, checking every metric family moved by what the scenario did.
//!
//! The Prometheus recorder is process-global. Each check compares a scrape taken after the
//! scenario with one taken before it, so counts are exact under nextest (one process per test);
//! under `cargo test`, tests sharing the process and a route could add to a delta.

use std::time::Duration;

use jamf_sim::{Availability, Faults, SimConfig, SimServer};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{
    ADMIN_ID, ADMIN_SECRET, TestApp, connect_sim, ran_in_own_process, spawn_app, test_settings,
};

mod listeners;
pub(crate) mod scrape;

use scrape::Scrape;

const USERS: &str = "/unified/user-directory/users";
const ACCOUNTS: &str = "/api/v1/accounts";

async fn token(app: &TestApp, secret: &str) -> reqwest::Response {
    let form = [("grant_type", "client_credentials")];
    let request = app
        .client
        .post(app.url("/auth/token"))
        .basic_auth(ADMIN_ID, Some(secret));
    request.form(&form).send().await.unwrap()
}

/// A service with short upstream limits, a caller token and one account on `sim`.
async fn connected(sim: &SimServer) -> (TestApp, String, String) {
    let mut settings = test_settings();
    settings.upstream.timeout_secs = 1;
    settings.upstream.deadline_secs = 3;
    settings.upstream.max_retries = 1;
    let app = spawn_app(settings).await;
    let issued: Value = token(&app, ADMIN_SECRET).await.json().await.unwrap();
    let bearer = issued["access_token"].as_str().expect("a token").to_owned();
    let account = connect_sim(&app, &bearer, sim, "acme").await;
    (app, bearer, account)
}

async fn list(app: &TestApp, bearer: &str, account: &str, no_cache: bool) -> reqwest::Response {
    let url = app.url(&format!("{USERS}?integrated_account_id={account}&limit=5"));
    let mut request = app.client.get(url).bearer_auth(bearer);
    if no_cache {
        request = request.header("cache-control", "no-cache");
    }
    request.send().await.unwrap()
}

/// Reads deltas of process-wide counters, so it runs in a process of its own.
#[tokio::test]
async fn every_family_moves_with_a_scenario() {
    if ran_in_own_process("metrics::every_family_moves_with_a_scenario") {
        return;
    }
    let sim = SimServer::start(SimConfig::default())
        .await
        .expect("simulator");
    let (app, bearer, account) = connected(&sim).await;
    let before = Scrape::take(&app).await;

    assert_eq!(token(&app, ADMIN_SECRET).await.status(), StatusCode::OK);
    assert_eq!(
        token(&app, "not-the-secret").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let cold = list(&app, &bearer, &account, false).await;
    assert_eq!(cold.status(), StatusCode::OK);
    let warm = list(&app, &bearer, &account, false).await;
    assert_eq!(warm.headers()["cache-status"], "jamf-directory; hit");
    sim.control().set_availability(Availability::Unavailable);
    let down = list(&app, &bearer, &account, true).await;
    assert_eq!(down.status(), StatusCode::BAD_GATEWAY);
    sim.control().set_availability(Availability::Up);
    sim.control().revoke_tokens();
    sim.control().set_client_enabled(false);
    let refused = list(&app, &bearer, &account, true).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    let after = Scrape::take(&app).await;
    let delta =
        |name: &str, with: &[(&str, &str)]| after.value(name, with) - before.value(name, with);

    // Requests by route template and status, never by raw path (the query holds an id).
    assert_eq!(
        delta(
            "http_requests_total",
            &[("route", USERS), ("status", "200")]
        ),
        2.0
    );
    assert_eq!(
        delta(
            "http_requests_total",
            &[("route", USERS), ("status", "502")]
        ),
        1.0
    );
    assert_eq!(
        delta(
            "http_requests_total",
            &[("route", "/auth/token"), ("status", "401")]
        ),
        1.0
    );
    assert!(
        after
            .label_values("http_requests_total", "route")
            .iter()
            .all(|r| !r.contains(&account))
    );
    assert_eq!(
        delta("http_request_duration_seconds_count", &[("route", USERS)]),
        4.0
    );
    let inf = [("route", USERS), ("status", "200"), ("le", "+Inf")];
    assert_eq!(
        delta("http_request_duration_seconds_bucket", &inf),
        2.0,
        "buckets end in +Inf"
    );

    // Token issues by outcome.
    assert_eq!(
        delta("auth_token_requests_total", &[("outcome", "issued")]),
        1.0
    );
    assert_eq!(
        delta(
            "auth_token_requests_total",
            &[("outcome", "invalid_client")]
        ),
        1.0
    );

    // Jamf requests by endpoint template and status; every attempt is counted and timed.
    assert!(
        delta(
            "jamf_requests_total",
            &[("endpoint", ACCOUNTS), ("status", "200")]
        ) >= 1.0
    );
    let unavailable = [("endpoint", ACCOUNTS), ("status", "503")];
    assert_eq!(
        delta("jamf_requests_total", &unavailable),
        2.0,
        "first try and one retry"
    );
    for endpoint in after.label_values("jamf_requests_total", "endpoint") {
        let with = [("endpoint", endpoint.as_str())];
        assert_eq!(
            after.value("jamf_requests_total", &with),
            after.value("jamf_request_duration_seconds_count", &with),
            "{endpoint}: counted and timed alike"
        );
        let numeric_segment = endpoint
            .split('/')
            .any(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
        assert!(
            !numeric_segment,
            "{endpoint}: a template, not a path with an id"
        );
    }
    assert_eq!(
        after.value("jamf_inflight_requests", &[]),
        0.0,
        "nothing left in flight"
    );

    // Cache: the cold list missed, the warm one hit.
    assert_eq!(delta("directory_cache_hits_total", &[]), 1.0);
    assert!(delta("directory_cache_misses_total", &[]) >= 1.0);

    // Integrated accounts by status, read from the store at scrape time: Jamf's refusal moved
    // the one account from active to needs_reauth; every status is listed.
    let accounts = |s: &Scrape, status| s.value("integrated_accounts", &[("status", status)]);
    assert_eq!(
        (
            accounts(&before, "active"),
            accounts(&before, "needs_reauth")
        ),
        (1.0, 0.0)
    );
    assert_eq!(
        (accounts(&after, "active"), accounts(&after, "needs_reauth")),
        (0.0, 1.0)
    );
    let statuses = after.label_values("integrated_accounts", "status");
    assert_eq!(
        statuses,
        ["active", "connecting", "needs_reauth", "validation_error"]
    );

    for (family, kind) in [
        ("http_requests_total", "counter"),
        ("http_request_duration_seconds", "histogram"),
        ("jamf_requests_total", "counter"),
        ("jamf_request_duration_seconds", "histogram"),
        ("jamf_inflight_requests", "gauge"),
        ("directory_cache_hits_total", "counter"),
        ("directory_cache_misses_total", "counter"),
        ("auth_token_requests_total", "counter"),
        ("integrated_accounts", "gauge"),
    ] {
        assert_eq!(after.kind(family), Some(kind), "{family}");
    }
}

/// Reads a process-wide gauge, so it runs in a process of its own.
#[tokio::test]
async fn the_inflight_gauge_counts_a_hung_jamf_request_until_it_ends() {
    if ran_in_own_process("metrics::the_inflight_gauge_counts_a_hung_jamf_request_until_it_ends") {
        return;
    }
    let sim = SimServer::start(SimConfig::default())
        .await
        .expect("simulator");
    let (app, bearer, account) = connected(&sim).await;
    sim.control()
        .set_faults(Faults::hanging(format!("GET {ACCOUNTS}")))
        .unwrap();
    let pending = {
        let (client, url) = (
            app.client.clone(),
            app.url(&format!("{USERS}?integrated_account_id={account}")),
        );
        tokio::spawn(async move {
            client
                .get(url)
                .bearer_auth(bearer)
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    // Readiness polls, not timing assertions: wait for the request to reach Jamf, then to end.
    let mut inflight = 0.0;
    for _ in 0..200 {
        inflight = Scrape::take(&app)
            .await
            .value("jamf_inflight_requests", &[]);
        if inflight >= 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(inflight >= 1.0, "the hung request is in flight");
    assert_eq!(pending.await.unwrap(), StatusCode::GATEWAY_TIMEOUT);
    sim.control().clear_faults();
    for _ in 0..200 {
        inflight = Scrape::take(&app)
            .await
            .value("jamf_inflight_requests", &[]);
        if inflight == 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        inflight, 0.0,
        "the gauge falls back once the request gives up"
    );
    let after = Scrape::take(&app).await;
    assert!(
        after.value(
            "jamf_requests_total",
            &[("endpoint", ACCOUNTS), ("status", "timeout")]
        ) >= 1.0
    );
}

/// Sends `n` requests with made-up methods to made-up paths, numbered from `first`.
async fn junk_requests(app: &TestApp, first: usize, n: usize) {
    for i in first..first + n {
        let method = reqwest::Method::from_bytes(format!("X{i}").as_bytes()).unwrap();
        let response = app
            .client
            .request(method, app.url(&format!("/junk/{i}/{}", i * 7)))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_client_error(), "{}", response.status());
    }
}

/// A Jamf answering statuses outside the registered codes (a label each would grow
/// `/metrics` without bound) is counted under `other`. Reads the process-wide recorder, so it
/// runs in a process of its own.
#[tokio::test]
async fn unregistered_jamf_statuses_are_labelled_other() {
    if ran_in_own_process("metrics::unregistered_jamf_statuses_are_labelled_other") {
        return;
    }
    let sim = SimServer::start(SimConfig::default())
        .await
        .expect("simulator");
    let (app, bearer, account) = connected(&sim).await;
    let faults = Faults {
        error_rate: 1.0,
        error_statuses: vec![599, 555, 520],
        endpoints: vec![ACCOUNTS.into()],
        ..Faults::default()
    };
    sim.control().set_faults(faults).unwrap();
    for _ in 0..3 {
        let refused = list(&app, &bearer, &account, true).await;
        assert_eq!(refused.status(), StatusCode::BAD_GATEWAY);
    }
    let scrape = Scrape::take(&app).await;
    let statuses = scrape.label_values("jamf_requests_total", "status");
    assert!(statuses.contains(&"other".to_owned()), "{statuses:?}");
    for code in ["599", "555", "520"] {
        assert!(
            !statuses.contains(&code.to_owned()),
            "{code} has its own series"
        );
    }
    assert!(
        scrape.value(
            "jamf_requests_total",
            &[("endpoint", ACCOUNTS), ("status", "other")]
        ) >= 3.0
    );
}

/// Reads the process-wide recorder, so it runs in a process of its own.
#[tokio::test]
async fn random_methods_and_paths_add_a_bounded_number_of_series() {
    if ran_in_own_process("metrics::random_methods_and_paths_add_a_bounded_number_of_series") {
        return;
    }
    let app = spawn_app(test_settings()).await;
    let before = Scrape::take(&app).await.sample_count();
    junk_requests(&app, 0, 1_000).await;
    let after_first = Scrape::take(&app).await.sample_count();
    junk_requests(&app, 1_000, 1_000).await;
    let after_second = Scrape::take(&app).await.sample_count();
    assert!(
        after_first - before <= 100,
        "1,000 junk requests added {} samples",
        after_first - before
    );
    assert_eq!(after_second, after_first, "1,000 more added none");
    let scrape = Scrape::take(&app).await;
    assert_eq!(
        scrape.label_values("http_requests_total", "method"),
        ["GET", "other"]
    );
}
