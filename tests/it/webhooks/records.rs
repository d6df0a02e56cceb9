//! `record:*` and `snapshot:created` from two evidence snapshots around a change in the
//! simulated Jamf: exactly one event per changed user, with its changed fields.

use std::collections::{BTreeMap, BTreeSet};

use jamf_sim::SimConfig;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::Connection as _;

use super::{HOOKS_ID, HOOKS_SECRET, Receiver, Verdict, hook_settings, unix_now};
use crate::evidence::{EVIDENCE_KEY, StaffChange, change_staff, take};
use crate::support::{Fixture, access_token, send_expecting};

#[tokio::test]
async fn two_snapshots_around_a_change_send_exactly_the_record_events() {
    let mut settings = hook_settings();
    settings.evidence.signing_key = Some(SecretString::from(EVIDENCE_KEY));
    settings.evidence.schedule_secs = 0;
    let database = settings.storage.database_url.clone();
    let f = Fixture::start_with(SimConfig::default(), settings).await;
    let receiver = Receiver::start().await;
    let token = access_token(&f.app, HOOKS_ID, HOOKS_SECRET).await;
    let subscribe = f
        .app
        .client
        .post(f.app.url("/webhooks"))
        .bearer_auth(&token)
        .json(&json!({
            "url": receiver.url, "tenant_id": "acme",
            "events": ["record:created", "record:updated", "record:deleted", "snapshot:created",
            "finding:opened", "finding:resolved"],
        }));
    let created = send_expecting(subscribe, StatusCode::CREATED).await;
    let secret = created["secret"].as_str().unwrap().to_owned();

    let before = take(&f, StatusCode::CREATED).await;
    let StaffChange {
        joiner,
        leaver,
        disabled,
    } = change_staff(&f, |_| {});
    let after = take(&f, StatusCode::CREATED).await;

    // Written with the snapshots: the first snapshot has nothing to compare with.
    let mut db = sqlx::SqliteConnection::connect(&database).await.unwrap();
    let queued: Vec<(String,)> = sqlx::query_as(
        "SELECT e.event FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id \
         WHERE e.event NOT LIKE 'finding:%' ORDER BY e.event",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let queued: Vec<&str> = queued.iter().map(|(e,)| e.as_str()).collect();
    assert_eq!(
        queued,
        [
            "record:created",
            "record:deleted",
            "record:updated",
            "snapshot:created",
            "snapshot:created"
        ]
    );

    receiver
        .wait_for(&[
            "snapshot:created",
            "snapshot:created",
            "record:created",
            "record:deleted",
            "record:updated",
        ])
        .await;
    let finding_ids = |id: &Value| {
        let path = format!(
            "/access-review/snapshots/{}/findings?limit=1000",
            id.as_str().unwrap()
        );
        let request = f.app.client.get(f.app.url(&path)).bearer_auth(&f.token);
        async move {
            let page = send_expecting(request, StatusCode::OK).await;
            page["result"]
                .as_array()
                .unwrap()
                .iter()
                .map(|finding| finding["id"].as_str().unwrap().to_owned())
                .collect::<BTreeSet<String>>()
        }
    };
    let (was, is) = (
        finding_ids(&before["id"]).await,
        finding_ids(&after["id"]).await,
    );
    let mut expected_findings: BTreeSet<(String, String)> = is
        .difference(&was)
        .map(|id| ("finding:opened".to_owned(), id.clone()))
        .collect();
    expected_findings.extend(
        was.difference(&is)
            .map(|id| ("finding:resolved".to_owned(), id.clone())),
    );
    assert!(
        !expected_findings.is_empty(),
        "the change opens or resolves findings"
    );
    let names: Vec<&str> = expected_findings
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    let received = receiver.wait_for(&names).await;
    let findings: BTreeSet<(String, String)> = received
        .iter()
        .filter(|r| r.delivered() && r.event().starts_with("finding:"))
        .map(|r| {
            assert_eq!(r.json["payload"]["snapshot_id"], after["id"]);
            (
                r.event().to_owned(),
                r.json["payload"]["finding"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(findings, expected_findings);
    let queued_findings: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM webhook_events WHERE event LIKE 'finding:%'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(
        queued_findings.0 as usize,
        expected_findings.len(),
        "one event per finding change"
    );

    let mut records = BTreeMap::new();
    for r in received.iter().filter(|r| r.delivered()) {
        assert_eq!(r.verify(&secret, unix_now()), Verdict::Valid);
        let payload = &r.json["payload"];
        if r.event().starts_with("finding:") {
            continue;
        }
        if r.event() == "snapshot:created" {
            assert!([&before["id"], &after["id"]].contains(&&payload["snapshot_id"]));
            continue;
        }
        assert_eq!(payload["integrated_account_id"], f.account.as_str());
        assert_eq!(payload["unified_model"], "user-directory");
        assert_eq!(payload["resource"], "users");
        assert_eq!(payload["snapshot_id"], after["id"]);
        let id = payload["record"]["id"].as_str().unwrap().to_owned();
        records.insert(id, (r.event().to_owned(), payload["changes"].clone()));
    }
    let expected = BTreeMap::from([
        (joiner.to_string(), ("record:created".to_owned(), json!([]))),
        (leaver.to_string(), ("record:deleted".to_owned(), json!([]))),
        (
            disabled.to_string(),
            (
                "record:updated".to_owned(),
                json!([{"field": "status", "before": "active", "after": "inactive"}]),
            ),
        ),
    ]);
    assert_eq!(records, expected);
}
