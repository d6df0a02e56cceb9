//! The management API: outbound URL rules, scopes, tenants, the one-time secret, the test
//! event, and what `410 Gone` does.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{HOOKS_ID, HOOKS_SECRET, Receiver, Verdict, hook_settings, subscribe, unix_now};
use crate::support::{TestApp, access_token, caller, send_expecting, spawn_app};

async fn post(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/webhooks"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn private_link_local_and_metadata_urls_are_refused_at_creation() {
    let mut settings = hook_settings();
    settings.webhooks.allow_private_networks = false;
    let app = spawn_app(settings).await;
    let token = access_token(&app, HOOKS_ID, HOOKS_SECRET).await;
    for url in [
        "http://hooks.example.com/jamf",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/",
        "https://[fe80::1]/hook",
        "https://localhost/hook",
        "https://user:pw@hooks.example.com/jamf",
        "not a url",
    ] {
        let response = post(&app, &token, json!({"url": url, "tenant_id": "acme"})).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{url}");
        let body: Value = response.json().await.expect("envelope");
        assert!(
            body["message"].as_str().unwrap().starts_with("url: "),
            "{url}: {body}"
        );
        assert!(!body["message"].as_str().unwrap().contains("pw"), "{body}");
    }
    let list = app.client.get(app.url("/webhooks")).bearer_auth(&token);
    let list = send_expecting(list, StatusCode::OK).await;
    assert_eq!(list["result"], json!([]), "nothing stored");
}

#[tokio::test]
async fn bodies_scopes_and_tenants_are_checked_and_the_secret_is_shown_once() {
    let mut settings = hook_settings();
    settings.auth.clients.push(caller(
        "acme-hooks",
        "acme-hooks-secret-0123",
        &["webhooks:read", "webhooks:write"],
        &["acme"],
    ));
    settings.auth.clients.push(caller(
        "globex-hooks",
        "globex-hooks-secret-01",
        &["webhooks:read", "webhooks:write"],
        &["globex"],
    ));
    let app = spawn_app(settings).await;
    let all = access_token(&app, HOOKS_ID, HOOKS_SECRET).await;
    let acme = access_token(&app, "acme-hooks", "acme-hooks-secret-0123").await;
    let globex = access_token(&app, "globex-hooks", "globex-hooks-secret-01").await;
    let reader = access_token(&app, "reader", "reader-secret-0123456789").await;
    let url = "http://127.0.0.1:9/hook";

    for (body, expected) in [
        (json!({}), "url"),
        (json!({"url": url}), "tenant_id"),
        (
            json!({"url": url, "tenant_id": "acme", "events": ["user:created"]}),
            "user:created",
        ),
        (
            json!({"url": url, "tenant_id": "acme", "secret": "mine"}),
            "unknown field",
        ),
        (json!({"url": url, "tenant_id": "bad tenant"}), "tenant_id"),
    ] {
        let response = post(&app, &all, body.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let text = response.text().await.unwrap();
        assert!(text.contains(expected), "{body}: {text}");
    }
    assert_eq!(
        post(&app, &reader, json!({"url": url, "tenant_id": "acme"}))
            .await
            .status(),
        403
    );
    assert_eq!(
        post(&app, &acme, json!({"url": url, "tenant_id": "globex"}))
            .await
            .status(),
        403
    );

    // A one-tenant caller need not name its tenant.
    let created = post(&app, &acme, json!({"url": url})).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["tenant_id"], "acme");
    assert_eq!(created["is_active"], true);
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    let id = created["id"].as_str().unwrap();

    let path = format!("/webhooks/{id}");
    let got = send_expecting(
        app.client.get(app.url(&path)).bearer_auth(&acme),
        StatusCode::OK,
    )
    .await;
    assert!(got.get("secret").is_none(), "{got}");
    assert_eq!(got["url"], url);
    let listed = send_expecting(
        app.client.get(app.url("/webhooks")).bearer_auth(&acme),
        StatusCode::OK,
    )
    .await;
    assert!(!listed.to_string().contains("whsec_"), "{listed}");

    // Another tenant's webhook is an unknown id, on every route.
    for request in [
        app.client.get(app.url(&path)),
        app.client
            .patch(app.url(&path))
            .json(&json!({"is_active": false})),
        app.client.delete(app.url(&path)),
        app.client.post(app.url(&format!("{path}/test"))),
        app.client.get(app.url(&format!("{path}/deliveries"))),
        app.client.get(app.url("/webhooks/not-a-uuid")),
    ] {
        let body = send_expecting(request.bearer_auth(&globex), StatusCode::NOT_FOUND).await;
        assert_eq!(body["statusCode"], 404);
    }
    let listed = send_expecting(
        app.client.get(app.url("/webhooks")).bearer_auth(&globex),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["result"], json!([]));

    let patch = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&acme)
        .json(&json!({"events": ["record:updated"], "is_active": false}));
    let patched = send_expecting(patch, StatusCode::OK).await;
    assert_eq!(
        (patched["events"].clone(), patched["is_active"].clone()),
        (json!(["record:updated"]), json!(false))
    );
    let empty = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&acme)
        .json(&json!({}));
    send_expecting(empty, StatusCode::BAD_REQUEST).await;
    send_expecting(
        app.client.delete(app.url(&path)).bearer_auth(&acme),
        StatusCode::OK,
    )
    .await;
    send_expecting(
        app.client.get(app.url(&path)).bearer_auth(&acme),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn the_test_event_is_signed_logged_and_reports_the_receivers_answer() {
    let receiver = Receiver::start().await;
    let app = spawn_app(hook_settings()).await;
    let token = access_token(&app, HOOKS_ID, HOOKS_SECRET).await;
    let (id, secret) = subscribe(&app, &token, &receiver.url, "acme").await;
    let test = app
        .client
        .post(app.url(&format!("/webhooks/{id}/test")))
        .bearer_auth(&token);
    let answer = send_expecting(test, StatusCode::OK).await;
    assert_eq!(answer["delivered"], true, "{answer}");
    assert_eq!(answer["attempt"]["status_code"], 204);
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].event(), "webhook:test");
    assert_eq!(received[0].verify(&secret, unix_now()), Verdict::Valid);

    receiver.answer(500);
    let test = app
        .client
        .post(app.url(&format!("/webhooks/{id}/test")))
        .bearer_auth(&token);
    let answer = send_expecting(test, StatusCode::OK).await;
    assert_eq!(
        (
            answer["delivered"].clone(),
            answer["attempt"]["status_code"].clone()
        ),
        (json!(false), json!(500))
    );
    let log = app
        .client
        .get(app.url(&format!("/webhooks/{id}/deliveries?limit=1")))
        .bearer_auth(&token);
    let log = send_expecting(log, StatusCode::OK).await;
    assert_eq!(log["result"].as_array().unwrap().len(), 1);
    assert_eq!(log["result"][0]["status_code"], 500);
}

#[tokio::test]
async fn gone_deactivates_the_webhook_and_nothing_more_is_sent() {
    let receiver = Receiver::start().await;
    receiver.answer(410);
    let app = spawn_app(hook_settings()).await;
    let token = access_token(&app, HOOKS_ID, HOOKS_SECRET).await;
    let (id, _) = subscribe(&app, &token, &receiver.url, "acme").await;
    let sim = jamf_sim::SimServer::start(jamf_sim::SimConfig::default())
        .await
        .expect("sim");
    let account = crate::support::connect_sim(&app, &token, &sim, "acme").await;

    let path = format!("/webhooks/{id}");
    let started = Instant::now();
    loop {
        let webhook = send_expecting(
            app.client.get(app.url(&path)).bearer_auth(&token),
            StatusCode::OK,
        )
        .await;
        if webhook["is_active"] == false {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never deactivated: {webhook}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = app
        .client
        .get(app.url(&format!("{path}/deliveries")))
        .bearer_auth(&token);
    let log = send_expecting(log, StatusCode::OK).await;
    assert!(
        log["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["status_code"] == 410),
        "{log}"
    );
    // A 410 is final for that delivery: it is not retried. Resuming the webhook delivers
    // what happens next.
    let gone: Vec<String> = receiver
        .received()
        .iter()
        .map(super::Received::id)
        .collect();
    receiver.answer(0);
    let resume = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&token)
        .json(&json!({"is_active": true}));
    send_expecting(resume, StatusCode::OK).await;
    let delete = app
        .client
        .delete(app.url(&format!("/integrated-account/{account}")))
        .bearer_auth(&token);
    send_expecting(delete, StatusCode::OK).await;
    let received = receiver.wait_for(&["integrated_account:deleted"]).await;
    let first_answer = &received[..gone.len()];
    for r in &received[gone.len()..] {
        assert!(
            !first_answer.iter().any(|g| g.id() == r.id()),
            "a delivery answered 410 was sent again"
        );
    }
}
