//! Webhooks: subscriptions (secret generated at creation, shown once, sealed at rest like Jamf
//! secrets), the signed wire format, and delivery from the outbox that `crate::outbox` fills in
//! the transactions of the changes themselves. No axum here: `http::webhooks` is the API.

mod delivery;
mod model;
mod signing;
mod snapshots;
mod store;
#[cfg(test)]
mod store_tests;

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

pub use delivery::{Deliverer, WorkerGuard};
pub use model::{Attempt, EVENTS, SECRET_PREFIX, TEST_EVENT, Webhook};
pub use snapshots::SnapshotEvents;

use self::delivery::attempt_record;
use self::model::{new_secret, unknown_event};
use self::signing::Message;
use self::store::{WebhookStore, store_for};
use crate::accounts::{
    AccountService, SealError, Sealer, StoreError, TenantScope, new_account_id, now,
};
use crate::jamf::{UrlRefusal, check_instance_url, check_resolution};
use crate::settings::WebhookSettings;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("webhook not found")]
    NotFound,
    #[error("url: {0}")]
    Url(#[from] UrlRefusal),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Seal(#[from] SealError),
}

/// A change to a webhook; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub is_active: Option<bool>,
}

/// What `POST /webhooks/{id}/test` reports.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    pub delivered: bool,
    pub attempt: Attempt,
}

pub struct WebhookService {
    store: Arc<dyn WebhookStore>,
    sealer: Sealer,
    deliverer: Arc<Deliverer>,
    allow_private_networks: bool,
    poll_interval: Duration,
}

impl WebhookService {
    /// Over the accounts' database and sealing key.
    pub fn new(settings: &WebhookSettings, accounts: &AccountService) -> anyhow::Result<Self> {
        let store = store_for(accounts.database());
        let sealer = accounts.sealer().clone();
        let deliverer = Arc::new(Deliverer::new(settings, store.clone(), sealer.clone())?);
        Ok(Self {
            store,
            sealer,
            deliverer,
            allow_private_networks: settings.allow_private_networks,
            poll_interval: Duration::from_millis(settings.poll_interval_ms),
        })
    }

    /// Starts this replica's delivery worker; it stops when the guard drops.
    pub fn spawn_worker(&self) -> WorkerGuard {
        self.deliverer.clone().spawn(self.poll_interval)
    }

    /// Stores a new active webhook; the secret is returned here and never again.
    pub async fn create(
        &self,
        tenant_id: String,
        url: &str,
        events: Vec<String>,
    ) -> Result<(Webhook, SecretString), WebhookError> {
        let url = self.checked_url(url).await?;
        check_events(&events)?;
        let id = new_account_id();
        let secret = new_secret();
        let at = now();
        let webhook = Webhook {
            id,
            tenant_id,
            url,
            events,
            is_active: true,
            secret: self.sealer.seal(id, &secret)?,
            created_at: at,
            updated_at: at,
        };
        self.store.create(&webhook).await?;
        Ok((webhook, secret))
    }

    pub async fn get(&self, id: Uuid) -> Result<Webhook, WebhookError> {
        self.store.get(id).await?.ok_or(WebhookError::NotFound)
    }

    pub async fn list(&self, visible: &TenantScope) -> Result<Vec<Webhook>, WebhookError> {
        Ok(self.store.list(visible).await?)
    }

    pub async fn update(&self, id: Uuid, patch: WebhookPatch) -> Result<Webhook, WebhookError> {
        let mut webhook = self.get(id).await?;
        if let Some(url) = &patch.url {
            webhook.url = self.checked_url(url).await?;
        }
        if let Some(events) = patch.events {
            check_events(&events)?;
            webhook.events = events;
        }
        if let Some(active) = patch.is_active {
            webhook.is_active = active;
        }
        webhook.updated_at = now();
        if !self.store.update(&webhook).await? {
            return Err(WebhookError::NotFound);
        }
        Ok(webhook)
    }

    /// True when it existed; its pending deliveries and log go with it.
    pub async fn delete(&self, id: Uuid) -> Result<bool, WebhookError> {
        Ok(self.store.delete(id).await?)
    }

    /// Sends a `webhook:test` event now, once, outside the queue; logged like any attempt.
    pub async fn test(&self, webhook: &Webhook) -> Result<TestOutcome, WebhookError> {
        let secret = self.sealer.open(webhook.id, &webhook.secret)?;
        let attempted_at = now();
        let payload = json!({"webhook_id": webhook.id, "tenant_id": webhook.tenant_id});
        let message = Message {
            event_id: Uuid::new_v4(),
            event: TEST_EVENT,
            payload: &payload,
            webhook_id: webhook.id,
            created_at: attempted_at,
        };
        let sent = self.deliverer.send(&webhook.url, &secret, &message).await;
        let attempt = attempt_record(message.event_id, TEST_EVENT, attempted_at, &sent);
        self.store.log_attempt(webhook.id, &attempt).await?;
        Ok(TestOutcome {
            delivered: sent.status.is_some_and(|s| s.is_success()),
            attempt,
        })
    }

    /// The latest attempts, newest first.
    pub async fn attempts(&self, id: Uuid, limit: u32) -> Result<Vec<Attempt>, WebhookError> {
        Ok(self.store.attempts(id, i64::from(limit)).await?)
    }

    /// Sets the pending gauges from the database (all replicas report the shared truth).
    pub async fn report_pending(&self) -> Result<(), WebhookError> {
        let (pending, oldest_ms) = self.store.pending().await?;
        metrics::gauge!("webhook_deliveries_pending").set(pending as f64);
        let age = oldest_ms.map_or(0.0, |ms| {
            (chrono::Utc::now().timestamp_millis() - ms).max(0) as f64 / 1000.0
        });
        metrics::gauge!("webhook_oldest_pending_age_seconds").set(age);
        Ok(())
    }

    /// The outbound URL rules: `https` (unless private networks are allowed), no user-info,
    /// query or fragment, no non-public address unless allowed, where the name resolves now.
    async fn checked_url(&self, url: &str) -> Result<String, WebhookError> {
        let url = check_instance_url(url, self.allow_private_networks)?;
        check_resolution(&url, self.allow_private_networks).await?;
        Ok(url.to_string())
    }
}

fn check_events(events: &[String]) -> Result<(), WebhookError> {
    match unknown_event(events) {
        Some(name) => Err(WebhookError::Invalid(format!(
            "events: unknown event {name:?} (known: {})",
            EVENTS.join(", ")
        ))),
        None => Ok(()),
    }
}
