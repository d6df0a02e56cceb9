//! The Jamf client over real HTTP against the simulator (and, where the simulator cannot play
//! the part, a tiny stub Jamf): tokens, limits, retries, deadlines, size cap, fetch plans.

mod plans;
mod revocation;
mod shedding;
mod stub;

use std::future::Future;
use std::time::{Duration, Instant};

use jamf_directory::jamf::{JamfClient, JamfCredentials, JamfError, JamfHub, UrlRefusal};
use jamf_directory::settings::UpstreamSettings;
use jamf_sim::Faults;
use jamf_sim::{SimConfig, SimServer};
use metrics_exporter_prometheus::PrometheusHandle;
use secrecy::SecretString;
use url::Url;

fn settings(change: impl FnOnce(&mut UpstreamSettings)) -> UpstreamSettings {
    let mut s = UpstreamSettings {
        allow_private_networks: true,
        ..UpstreamSettings::default()
    };
    change(&mut s);
    s
}

fn hub(change: impl FnOnce(&mut UpstreamSettings)) -> JamfHub {
    JamfHub::new(&settings(change), None).expect("http client")
}

async fn sim(change: impl FnOnce(&mut SimConfig)) -> SimServer {
    let mut config = SimConfig::default();
    change(&mut config);
    SimServer::start(config).await.expect("simulator")
}

fn oauth(sim: &SimServer) -> JamfCredentials {
    let config = sim.control().config();
    JamfCredentials::OAuth {
        client_id: config.client_id.clone(),
        client_secret: SecretString::from(config.client_secret.clone()),
    }
}

fn client(hub: &JamfHub, base: &str, credentials: JamfCredentials) -> JamfClient {
    hub.client(&Url::parse(base).expect("url"), credentials)
        .expect("allowed URL")
}

fn count(sim: &SimServer, endpoint: &str) -> u64 {
    sim.control().stats().count(endpoint)
}

fn count_status(sim: &SimServer, endpoint: &str, status: u16) -> u64 {
    let stats = sim.control().stats();
    let key = format!("{endpoint} {status}");
    stats.by_endpoint_status.get(&key).copied().unwrap_or(0)
}

const TOKEN: &str = "POST /api/v1/oauth/token";
const V1_ACCOUNTS: &str = "GET /api/v1/accounts";

#[tokio::test]
async fn many_calls_share_one_token_request() {
    let sim = sim(|c| c.latency = Duration::from_millis(20)).await;
    let client = client(&hub(|_| {}), sim.base_url(), oauth(&sim));
    let calls = (0..20).map(|_| client.can_read_accounts());
    for result in futures::future::join_all(calls).await {
        result.expect("probe succeeds");
    }
    assert_eq!(count(&sim, TOKEN), 1, "single flight and caching");
    assert_eq!(count(&sim, V1_ACCOUNTS), 20);
}

#[tokio::test]
async fn token_is_refreshed_before_it_expires() {
    // 3 s lifetime (Jamf reports 2 s): refreshed once less than half remains.
    let sim = sim(|c| c.token_lifetime_secs = 3).await;
    let client = client(&hub(|_| {}), sim.base_url(), oauth(&sim));
    client.can_read_accounts().await.expect("first");
    client.can_read_accounts().await.expect("cached");
    assert_eq!(count(&sim, TOKEN), 1);
    tokio::time::sleep(Duration::from_millis(1_200)).await; // let the token age, not a readiness wait
    client.can_read_accounts().await.expect("after refresh");
    assert_eq!(count(&sim, TOKEN), 2);
    assert_eq!(
        count_status(&sim, V1_ACCOUNTS, 401),
        0,
        "refreshed before Jamf refused it"
    );
}

#[tokio::test]
async fn a_rejected_token_costs_one_reauthentication_and_one_retry() {
    let sim = sim(|_| {}).await;
    let client = client(&hub(|_| {}), sim.base_url(), oauth(&sim));
    client.can_read_accounts().await.expect("first");
    sim.control().revoke_tokens();
    client.can_read_accounts().await.expect("re-authenticated");
    assert_eq!(count(&sim, TOKEN), 2);
    assert_eq!(count_status(&sim, V1_ACCOUNTS, 401), 1);
    assert_eq!(count_status(&sim, V1_ACCOUNTS, 200), 2);
}

#[tokio::test]
async fn a_second_rejection_is_a_typed_error_without_secrets() {
    let sim = sim(|_| {}).await;
    let client = client(&hub(|_| {}), sim.base_url(), oauth(&sim));
    client.can_read_accounts().await.expect("first");
    sim.control().set_client_enabled(false);
    sim.control().revoke_tokens();
    let err = client.can_read_accounts().await.expect_err("refused");
    assert!(matches!(err, JamfError::Unauthorized { .. }), "{err:?}");
    assert_eq!(count(&sim, TOKEN), 2, "one re-authentication, no loop");
    assert_eq!(count(&sim, V1_ACCOUNTS), 2);
    let secret = &sim.control().config().client_secret;
    for rendering in [err.to_string(), format!("{err:?}"), format!("{client:?}")] {
        assert!(!rendering.contains(secret.as_str()), "{rendering}");
    }
}

#[tokio::test]
async fn basic_credentials_get_a_user_token_and_keep_it_alive() {
    let sim = sim(|c| c.user_token_lifetime_secs = 2).await; // refreshed after 1 s
    let config = sim.control().config();
    let basic = JamfCredentials::Basic {
        username: config.basic_username.clone(),
        password: SecretString::from(config.basic_password.clone()),
    };
    let client = client(&hub(|_| {}), sim.base_url(), basic);
    client.can_read_accounts().await.expect("first");
    tokio::time::sleep(Duration::from_millis(1_200)).await; // let the token age
    client.can_read_accounts().await.expect("kept alive");
    assert_eq!(count(&sim, "POST /api/v1/auth/token"), 1);
    assert_eq!(count(&sim, "POST /api/v1/auth/keep-alive"), 1);
    assert_eq!(count(&sim, TOKEN), 0);
}

#[tokio::test]
async fn clients_of_one_instance_share_the_concurrency_bound() {
    let sim = sim(|c| c.latency = Duration::from_millis(30)).await;
    let hub = hub(|s| s.max_concurrency = 3);
    let a = client(&hub, sim.base_url(), oauth(&sim));
    let b = client(&hub, sim.base_url(), oauth(&sim));
    let calls = (0..24).map(|i| {
        let c = if i % 2 == 0 { a.clone() } else { b.clone() };
        async move { c.can_read_accounts().await }
    });
    for result in futures::future::join_all(calls).await {
        result.expect("fetch succeeds");
    }
    assert_eq!(sim.control().stats().peak_in_flight, 3);
}

#[tokio::test]
async fn gateway_errors_are_retried_and_client_errors_are_not() {
    let sim = sim(|_| {}).await;
    let client = client(&hub(|_| {}), sim.base_url(), oauth(&sim));
    let faults = Faults {
        fail_next: 2,
        error_status: 503,
        endpoints: vec!["/api/v1/accounts".into()],
        ..Faults::default()
    };
    sim.control().set_faults(faults).expect("faults");
    client
        .can_read_accounts()
        .await
        .expect("third attempt succeeds");
    assert_eq!(count_status(&sim, V1_ACCOUNTS, 503), 2);
    assert_eq!(count_status(&sim, V1_ACCOUNTS, 200), 1);

    sim.control().clear_faults();
    let faults = Faults {
        missing_privileges: vec!["Read Accounts".into()],
        ..Faults::default()
    };
    sim.control().set_faults(faults).expect("faults");
    let err = client.can_read_accounts().await.expect_err("403");
    let JamfError::Forbidden { privilege, .. } = &err else {
        panic!("expected Forbidden, got {err:?}");
    };
    assert_eq!(*privilege, Some("Read Accounts"));
    assert_eq!(count_status(&sim, V1_ACCOUNTS, 403), 1, "no retry on 403");
}

#[tokio::test]
async fn a_hang_ends_at_the_deadline() {
    let sim = sim(|_| {}).await;
    let client = client(&hub(|s| s.deadline_secs = 1), sim.base_url(), oauth(&sim));
    client.version().await.expect("version before the hang");
    sim.control()
        .set_faults(Faults::hanging("/api/v1/accounts"))
        .expect("faults");
    let started = Instant::now();
    let err = client.fetch_directory().await.expect_err("deadline");
    assert!(matches!(err, JamfError::DeadlineExceeded { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    sim.control().clear_faults();
}

#[tokio::test]
async fn a_request_timeout_is_retried_then_reported() {
    let sim = sim(|_| {}).await;
    let hub = hub(|s| {
        s.timeout_secs = 1;
        s.max_retries = 1;
    });
    let client = client(&hub, sim.base_url(), oauth(&sim));
    client.version().await.expect("version before the hang");
    sim.control()
        .set_faults(Faults::hanging("/api/v1/accounts"))
        .expect("faults");
    let started = Instant::now();
    let err = client.can_read_accounts().await.expect_err("timeout");
    assert!(matches!(err, JamfError::Timeout { .. }), "{err:?}");
    // Hung requests are never counted by the simulator (they never answer), so the retry shows
    // in the time taken: two 1 s timeouts plus a short backoff.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(5),
        "{took:?}"
    );
    sim.control().clear_faults();
}

#[tokio::test]
async fn oversized_responses_are_refused() {
    let sim = sim(|c| c.accounts = 200).await;
    let client = client(
        &hub(|s| s.max_response_bytes = 4096),
        sim.base_url(),
        oauth(&sim),
    );
    let err = client.fetch_directory().await.expect_err("too large");
    assert!(
        matches!(err, JamfError::ResponseTooLarge { limit: 4096, .. }),
        "{err:?}"
    );
    assert_eq!(
        count(&sim, V1_ACCOUNTS),
        1,
        "no retry of an oversized answer"
    );
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let strict = hub(|s| s.allow_private_networks = false);
    let literal = Url::parse("https://127.0.0.1:8443").expect("url");
    let refusal = strict
        .client(&literal, oauth_stub())
        .expect_err("literal refused");
    assert!(matches!(refusal, UrlRefusal::NonPublicAddress(_)));

    // A name that resolves to loopback passes the URL check but not the resolver.
    let sim = sim(|_| {}).await;
    let port = Url::parse(sim.base_url())
        .expect("url")
        .port()
        .expect("port");
    let named = Url::parse(&format!("https://localhost:{port}")).expect("url");
    let client = strict
        .client(&named, oauth_stub())
        .expect("names are checked at connect time");
    let err = client
        .version()
        .await
        .expect_err("resolver refuses loopback");
    assert!(
        matches!(err, JamfError::Refused(UrlRefusal::NonPublicResolution)),
        "{err:?}"
    );
    assert_eq!(sim.control().stats().requests_total, 0);
}

fn oauth_stub() -> JamfCredentials {
    JamfCredentials::OAuth {
        client_id: "id".into(),
        client_secret: SecretString::from("secret"),
    }
}

/// Runs `test` on its own current-thread runtime: every task then runs on this thread, where
/// the local recorder is installed, so other tests' metrics cannot leak in. `test` gets the
/// recorder's handle to render the metrics with.
fn with_local_metrics<T, F: Future<Output = T>>(test: impl FnOnce(PrometheusHandle) -> F) -> T {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    metrics::with_local_recorder(&recorder, || runtime.block_on(test(handle)))
}

#[test]
fn metrics_are_labelled_by_endpoint_template() {
    let text = with_local_metrics(|handle| async move {
        let sim = sim(|c| {
            c.jamf_version = "10.42.1".into();
            c.accounts = 20;
        })
        .await;
        let client = client(&hub(|_| {}), sim.base_url(), oauth(&sim));
        client.fetch_directory().await.expect("fetch");
        handle.render()
    });
    let account =
        r#"jamf_requests_total{endpoint="/JSSResource/accounts/userid/{id}",status="200"} 20"#;
    assert!(text.contains(account), "{text}");
    assert!(
        text.contains(r#"jamf_token_requests_total{outcome="success"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"jamf_request_duration_seconds_count{endpoint="/api/v2/sso"} 1"#),
        "{text}"
    );
    assert!(text.contains("jamf_inflight_requests 0"), "{text}");
    assert!(
        !text.contains("userid/4\""),
        "raw paths never become labels: {text}"
    );
}
