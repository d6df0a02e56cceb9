//! At least once: a receiver that fails for a while gets every event when it recovers, and
//! deliveries pending when the service is SIGKILLed go out after a restart.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use jamf_sim::{SimConfig, SimServer};
use reqwest::StatusCode;
use serde_json::Value;

use super::{HOOKS_ID, HOOKS_SECRET, Received, Receiver, Verdict, hook_settings, unix_now};
use crate::metrics::scrape::Scrape;
use crate::support::serve::{Serve, write_config};
use crate::support::{access_token, connect_sim, send_expecting, sim_account_body, spawn_app};

const ACCOUNT_EVENTS: [&str; 2] = ["integrated_account:created", "integrated_account:active"];

/// Polls `/webhooks/{id}/deliveries` until at least `n` attempts are logged.
async fn wait_for_attempts(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    webhook: &str,
    n: usize,
) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let log: Value = client
            .get(format!("{base}/webhooks/{webhook}/deliveries?limit=1000"))
            .bearer_auth(token)
            .send()
            .await
            .expect("log")
            .json()
            .await
            .expect("log JSON");
        let attempts = log["result"].as_array().cloned().unwrap_or_default();
        if attempts.len() >= n {
            return attempts;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "only {log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every event id in `received`, each verified with `secret`.
fn verified_ids(received: &[Received], secret: &str) -> BTreeSet<String> {
    received
        .iter()
        .map(|r| {
            assert_eq!(r.verify(secret, unix_now()), Verdict::Valid);
            r.id()
        })
        .collect()
}

#[tokio::test]
async fn a_receiver_failing_for_a_while_gets_every_event_when_it_recovers() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let receiver = Receiver::start().await;
    receiver.answer(503);
    let app = spawn_app(hook_settings()).await;
    let token = access_token(&app, HOOKS_ID, HOOKS_SECRET).await;
    let (webhook, secret) = super::subscribe(&app, &token, &receiver.url, "acme").await;
    for _ in 0..3 {
        connect_sim(&app, &token, &sim, "acme").await;
    }
    // Six events, each refused at least twice (a first attempt and a retry).
    let failed = wait_for_attempts(&app.client, &app.base_url, &token, &webhook, 12).await;
    assert!(failed.iter().all(|a| a["status_code"] == 503));
    let refused_ids: BTreeSet<&str> = failed
        .iter()
        .filter_map(|a| a["event_id"].as_str())
        .collect();

    receiver.answer(0);
    let received = receiver
        .wait_for(&[ACCOUNT_EVENTS.as_slice(); 3].concat())
        .await;
    let delivered: Vec<Received> = received.into_iter().filter(Received::delivered).collect();
    let ids = verified_ids(&delivered, &secret);
    assert_eq!(ids.len(), 6, "six distinct events, deduplicable by id");
    assert!(
        refused_ids.iter().all(|id| ids.contains(*id)),
        "every refused event was delivered later"
    );
}

#[tokio::test]
async fn deliveries_pending_at_sigkill_are_delivered_after_restart() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let receiver = Receiver::start().await;
    receiver.answer(503);
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}/jd.db", dir.path().display());
    let hooks_client = format!(
        "[[auth.clients]]\nclient_id = \"{HOOKS_ID}\"\nclient_secret_sha256 = \"{}\"\nscopes = [\"accounts:write\", \"webhooks:read\", \"webhooks:write\"]\ntenants = [\"*\"]\n",
        jamf_directory::auth::hash_secret(HOOKS_SECRET)
    );
    let extra = format!(
        "[upstream]\nallow_private_networks = true\n[webhooks]\nallow_private_networks = true\ntimeout_secs = 5\npoll_interval_ms = 50\nretry_schedule_secs = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n{hooks_client}"
    );
    let config = write_config(
        dir.path(),
        &database,
        ("admin", "admin-secret-0123456789"),
        &extra,
    );
    let serve = Serve::start(&config).await;
    let token = serve.token(HOOKS_ID, HOOKS_SECRET).await;
    let client = reqwest::Client::new();
    let created = client
        .post(format!("{}/webhooks", serve.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"url": receiver.url, "tenant_id": "acme"}));
    let created = send_expecting(created, StatusCode::CREATED).await;
    let (webhook, secret) = (
        created["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    );
    let account = client
        .post(format!("{}/integrated-account", serve.base))
        .bearer_auth(&token)
        .json(&sim_account_body(&sim, "acme"));
    send_expecting(account, StatusCode::CREATED).await;
    // Both events tried and refused: pending, with retries scheduled.
    wait_for_attempts(&client, &serve.base, &token, &webhook, 2).await;
    serve.kill().await;

    assert!(
        !receiver.received().iter().any(Received::delivered),
        "nothing was delivered before the kill"
    );
    receiver.answer(0);
    let serve = Serve::start(&config).await;
    let received = receiver.wait_for(&ACCOUNT_EVENTS).await;
    let delivered: Vec<Received> = received.into_iter().filter(Received::delivered).collect();
    assert_eq!(
        verified_ids(&delivered, &secret).len(),
        2,
        "both events, after the restart"
    );
    drop(serve);
}

#[tokio::test]
async fn metrics_count_outcomes_and_report_what_is_pending() {
    if crate::support::ran_in_own_process(
        "webhooks::durability::metrics_count_outcomes_and_report_what_is_pending",
    ) {
        return;
    }
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let receiver = Receiver::start().await;
    receiver.answer(503);
    let app = spawn_app(hook_settings()).await;
    let token = access_token(&app, HOOKS_ID, HOOKS_SECRET).await;
    let (webhook, _) = super::subscribe(&app, &token, &receiver.url, "acme").await;
    connect_sim(&app, &token, &sim, "acme").await;
    wait_for_attempts(&app.client, &app.base_url, &token, &webhook, 2).await;

    let pending = Scrape::take(&app).await;
    assert_eq!(pending.value("webhook_deliveries_pending", &[]), 2.0);
    assert!(pending.value("webhook_oldest_pending_age_seconds", &[]) >= 0.0);
    assert!(pending.value("webhook_deliveries_total", &[("outcome", "retry")]) >= 2.0);
    assert_eq!(
        pending.value("webhook_deliveries_total", &[("outcome", "delivered")]),
        0.0
    );

    receiver.answer(0);
    receiver.wait_for(&ACCOUNT_EVENTS).await;
    let started = Instant::now();
    let settled = loop {
        let scrape = Scrape::take(&app).await;
        if scrape.value("webhook_deliveries_total", &[("outcome", "delivered")]) == 2.0 {
            break scrape;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "never settled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(settled.value("webhook_deliveries_pending", &[]), 0.0);
    assert_eq!(
        settled.value("webhook_oldest_pending_age_seconds", &[]),
        0.0
    );
}
