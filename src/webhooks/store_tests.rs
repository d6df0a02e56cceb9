//! The outbox and the delivery queue on real SQLite and PostgreSQL: fan-out in the change's
//! transaction, claims as leases, settling, deactivation and pruning.

use chrono::Utc;
use serde_json::json;

use super::model::{Attempt, Webhook};
use super::store::{Settle, WebhookStore, store_for};
use crate::accounts::test_backends::{account, on_both_backends, test_sealer};
use crate::accounts::{StoreError, new_account_id, now};
use crate::outbox::ChangeEvent;

fn webhook(tenant: &str, events: &[&str]) -> Webhook {
    let id = new_account_id();
    Webhook {
        id,
        tenant_id: tenant.into(),
        url: "https://hooks.example.com/jamf".into(),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        is_active: true,
        secret: test_sealer()
            .seal(id, &secrecy::SecretString::from("whsec_AAAA"))
            .expect("seal"),
        created_at: now(),
        updated_at: now(),
    }
}

fn attempt(status: u16, event: &ChangeEvent) -> Attempt {
    Attempt {
        event_id: event.id,
        event: event.event.clone(),
        attempted_at: now(),
        status_code: Some(status),
        error: None,
        latency_ms: 3,
    }
}

async fn create_all(hooks: &dyn WebhookStore, webhooks: &[&Webhook]) {
    for w in webhooks {
        hooks.create(w).await.expect("create webhook");
    }
}

#[tokio::test]
async fn changes_fan_out_in_their_transaction_and_claims_are_leases() {
    on_both_backends(|b| async move {
        let hooks = store_for(b.store.database());
        let all = webhook("acme", &[]);
        let deleted_only = webhook("acme", &["integrated_account:deleted"]);
        let other_tenant = webhook("globex", &[]);
        let mut paused = webhook("acme", &[]);
        paused.is_active = false;
        create_all(&*hooks, &[&all, &deleted_only, &other_tenant, &paused]).await;

        let a = account("acme", "s");
        let created = ChangeEvent::new("acme", "integrated_account:created", json!({"id": a.id}));
        b.store
            .create(&a, std::slice::from_ref(&created))
            .await
            .expect("create");
        // A change that is not written (stale revision) writes no event either.
        let stale = crate::accounts::IntegratedAccount {
            revision: 7,
            ..a.clone()
        };
        let lost = ChangeEvent::new("acme", "integrated_account:updated", json!({}));
        let refused = b.store.update(&stale, &[lost]).await;
        assert!(matches!(refused, Err(StoreError::Conflict)), "{}", b.name);

        let t = Utc::now().timestamp_millis() + 1_000;
        let claimed = hooks.claim(t, t + 60_000, 10).await.expect("claim");
        assert_eq!(
            claimed.len(),
            1,
            "{}: only the subscribed active webhook",
            b.name
        );
        let delivery = &claimed[0];
        assert_eq!(
            (delivery.webhook_id, delivery.event_id),
            (all.id, created.id)
        );
        assert_eq!(delivery.event, "integrated_account:created");
        assert_eq!(delivery.payload, created.payload);
        assert_eq!(delivery.attempts, 0);
        assert_eq!(hooks.pending().await.expect("pending").0, 1);

        // Held until the lease ends, then due again (the holder died).
        assert!(
            hooks
                .claim(t, t + 60_000, 10)
                .await
                .expect("claim")
                .is_empty()
        );
        let again = hooks
            .claim(t + 60_000, t + 120_000, 10)
            .await
            .expect("claim");
        assert_eq!(again.len(), 1, "{}", b.name);
        hooks
            .settle(
                &again[0],
                Settle::RetryAt(t + 200_000),
                &attempt(503, &created),
            )
            .await
            .expect("settle");
        assert!(
            hooks
                .claim(t + 199_999, t + 300_000, 10)
                .await
                .expect("claim")
                .is_empty()
        );
        let retried = hooks
            .claim(t + 200_000, t + 300_000, 10)
            .await
            .expect("claim");
        assert_eq!(retried[0].attempts, 1);
        hooks
            .settle(&retried[0], Settle::Delivered, &attempt(204, &created))
            .await
            .expect("settle");
        assert_eq!(hooks.pending().await.expect("pending"), (0, None));
        assert!(
            hooks
                .claim(i64::MAX / 2, i64::MAX / 2, 10)
                .await
                .expect("claim")
                .is_empty()
        );
        let log = hooks.attempts(all.id, 10).await.expect("log");
        let statuses: Vec<Option<u16>> = log.iter().map(|a| a.status_code).collect();
        assert_eq!(statuses, [Some(204), Some(503)], "{}: newest first", b.name);

        // Settled history goes with pruning; pending deliveries stay.
        let deleted = ChangeEvent::new("acme", "integrated_account:deleted", json!({"id": a.id}));
        assert!(
            b.store
                .delete(a.id, std::slice::from_ref(&deleted))
                .await
                .expect("delete")
        );
        hooks.prune(i64::MAX).await.expect("prune");
        assert!(hooks.attempts(all.id, 10).await.expect("log").is_empty());
        assert_eq!(hooks.pending().await.expect("pending").0, 2, "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn gone_fails_the_delivery_and_pauses_the_webhook() {
    on_both_backends(|b| async move {
        let hooks = store_for(b.store.database());
        let hook = webhook("acme", &[]);
        create_all(&*hooks, &[&hook]).await;
        let first = ChangeEvent::new("acme", "integrated_account:created", json!({}));
        let second = ChangeEvent::new("acme", "integrated_account:active", json!({}));
        let a = account("acme", "s");
        b.store
            .create(&a, &[first.clone(), second])
            .await
            .expect("create");
        let t = Utc::now().timestamp_millis() + 1_000;
        let claimed = hooks.claim(t, t + 60_000, 1).await.expect("claim");
        assert_eq!(claimed.len(), 1);
        hooks
            .settle(&claimed[0], Settle::Gone, &attempt(410, &first))
            .await
            .expect("settle");
        assert!(
            !hooks
                .get(hook.id)
                .await
                .expect("get")
                .expect("exists")
                .is_active
        );
        // The other delivery waits while the webhook is inactive, and resumes with it.
        assert!(
            hooks
                .claim(t, t + 60_000, 10)
                .await
                .expect("claim")
                .is_empty()
        );
        assert_eq!(hooks.pending().await.expect("pending").0, 1, "{}", b.name);
        let resumed = Webhook {
            is_active: true,
            ..hook.clone()
        };
        assert!(hooks.update(&resumed).await.expect("update"));
        assert_eq!(
            hooks.claim(t, t + 60_000, 10).await.expect("claim").len(),
            1
        );
        // Deleting the webhook takes its deliveries and log with it.
        assert!(hooks.delete(hook.id).await.expect("delete"));
        assert_eq!(hooks.pending().await.expect("pending").0, 0, "{}", b.name);
    })
    .await;
}
