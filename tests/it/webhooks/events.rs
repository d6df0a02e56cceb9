//! `integrated_account:*` events from real transitions against the simulator, each signed
//! both ways and verified by the receiver.

use jamf_sim::{SimConfig, SimServer};
use serde_json::Value;

use super::{
    HOOKS_ID, HOOKS_SECRET, Receiver, Verdict, hook_settings, ids_of, subscribe, unix_now,
};
use crate::support::{access_token, connect_sim, send_expecting, sim_account_body, spawn_app};

#[tokio::test]
async fn account_transitions_arrive_signed_in_order_and_verify() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let receiver = Receiver::start().await;
    let app = spawn_app(hook_settings()).await;
    let token = access_token(&app, HOOKS_ID, HOOKS_SECRET).await;
    let (webhook_id, secret) = subscribe(&app, &token, &receiver.url, "acme").await;

    // Connect: created, then active once validation passed.
    let account = connect_sim(&app, &token, &sim, "acme").await;
    receiver
        .wait_for(&["integrated_account:created", "integrated_account:active"])
        .await;

    // Jamf disables the API client: the next token request is refused -> authentication_error.
    sim.control().revoke_tokens();
    sim.control().set_client_enabled(false);
    let refresh = app
        .client
        .post(app.url("/integrated-account/refresh-credentials"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"id": account}));
    send_expecting(refresh, reqwest::StatusCode::UNAUTHORIZED).await;
    receiver
        .wait_for(&["integrated_account:authentication_error"])
        .await;

    // New credentials (the client fixed on Jamf's side, the secret sent again): updated, then
    // reactivated — not a first `active`.
    sim.control().set_client_enabled(true);
    let context = sim_account_body(&sim, "acme")["context"].clone();
    let patch = app
        .client
        .patch(app.url(&format!("/integrated-account/{account}")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"context": {"client_secret": context["client_secret"]}}));
    let patched = send_expecting(patch, reqwest::StatusCode::OK).await;
    assert_eq!(patched["status"], "active", "{patched}");
    let delete = app
        .client
        .delete(app.url(&format!("/integrated-account/{account}")))
        .bearer_auth(&token);
    send_expecting(delete, reqwest::StatusCode::OK).await;
    let received = receiver
        .wait_for(&[
            "integrated_account:updated",
            "integrated_account:reactivated",
            "integrated_account:deleted",
        ])
        .await;

    // Deliveries of one batch go out concurrently, so arrival order is not asserted.
    let mut events: Vec<&str> = received.iter().map(|r| r.event()).collect();
    events.sort_unstable();
    assert_eq!(
        events,
        [
            "integrated_account:active",
            "integrated_account:authentication_error",
            "integrated_account:created",
            "integrated_account:deleted",
            "integrated_account:reactivated",
            "integrated_account:updated",
        ],
        "one event per transition (the receiver answered every one at once)"
    );
    assert_eq!(ids_of(&received, "integrated_account:active").len(), 1);
    for r in &received {
        assert_eq!(r.verify(&secret, unix_now()), Verdict::Valid, "{}", r.json);
        assert_eq!(r.json["webhook_id"], webhook_id.as_str());
        assert_eq!(r.json["payload"]["id"], account.as_str());
        assert_eq!(r.json["payload"]["tenant_id"], "acme");
        assert!(r.json["payload"].get("client_secret").is_none());
        assert!(
            !String::from_utf8_lossy(&r.body).contains("sim-secret"),
            "no secret in any payload"
        );
        let agent = r.headers["user-agent"].to_str().unwrap();
        assert!(agent.starts_with("jamf-directory/"), "{agent}");
    }
    let auth_error = received
        .iter()
        .find(|r| r.event() == "integrated_account:authentication_error")
        .expect("received");
    assert_eq!(auth_error.json["payload"]["status"], "needs_reauth");
    assert!(auth_error.json["payload"]["last_error"].is_string());

    // A subscriber holding another secret refuses every message.
    let (_, other_secret) = subscribe(&app, &token, &receiver.url, "other").await;
    assert_eq!(
        received[0].verify(&other_secret, unix_now()),
        Verdict::BadSignature
    );
    // A captured message replayed later is flagged; re-stamping it breaks the signature.
    let replay_at = unix_now() + 600;
    assert_eq!(received[0].verify(&secret, replay_at), Verdict::Stale);
    let mut restamped = received[0].clone();
    restamped
        .headers
        .insert("webhook-timestamp", replay_at.to_string().parse().unwrap());
    assert_eq!(restamped.verify(&secret, replay_at), Verdict::BadSignature);

    // The delivery log shows each attempt with its status and latency.
    let log = app
        .client
        .get(app.url(&format!("/webhooks/{webhook_id}/deliveries")))
        .bearer_auth(&token);
    let log = send_expecting(log, reqwest::StatusCode::OK).await;
    let attempts = log["result"].as_array().expect("result");
    assert_eq!(attempts.len(), 6, "{log}");
    assert!(
        attempts
            .iter()
            .all(|a| a["status_code"] == 204 && a["latency_ms"].is_i64())
    );
}

#[tokio::test]
async fn a_webhook_receives_only_its_tenants_and_its_events() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let receiver = Receiver::start().await;
    let app = spawn_app(hook_settings()).await;
    let token = access_token(&app, HOOKS_ID, HOOKS_SECRET).await;
    let create = app
        .client
        .post(app.url("/webhooks"))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({"url": receiver.url, "tenant_id": "acme",
            "events": ["integrated_account:deleted"]}),
        );
    send_expecting(create, reqwest::StatusCode::CREATED).await;

    let other = connect_sim(&app, &token, &sim, "globex").await;
    let mine = connect_sim(&app, &token, &sim, "acme").await;
    for id in [&other, &mine] {
        let delete = app
            .client
            .delete(app.url(&format!("/integrated-account/{id}")))
            .bearer_auth(&token);
        send_expecting(delete, reqwest::StatusCode::OK).await;
    }
    // Nothing else was queued: other tenants' and unsubscribed events leave no delivery.
    let received = receiver.wait_for(&["integrated_account:deleted"]).await;
    let payloads: Vec<&Value> = received.iter().map(|r| &r.json["payload"]).collect();
    assert_eq!(received.len(), 1, "{payloads:?}");
    assert_eq!(received[0].json["payload"]["id"], mine.as_str());
}
