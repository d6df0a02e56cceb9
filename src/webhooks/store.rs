//! Webhook storage and the delivery queue, over the accounts' database (SQLite or PostgreSQL).
//! As in `accounts`, every statement is written once and one macro instantiates both backends;
//! only the claim's lock clause differs.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Pool, Postgres, QueryBuilder, Row as _, Sqlite};
use uuid::Uuid;

use super::model::{Attempt, Webhook};
use crate::accounts::{Database, SealedSecret, StoreError, TenantScope};

const COLUMNS: &str =
    "id, tenant_id, url, events, is_active, sealed_secret, created_at, updated_at";

const INSERT: &str = "INSERT INTO webhooks \
     (id, tenant_id, url, events, is_active, sealed_secret, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const UPDATE: &str = "UPDATE webhooks SET url = $2, events = $3, is_active = $4, updated_at = $5 \
     WHERE id = $1";
const DELETE: &str = "DELETE FROM webhooks WHERE id = $1";

/// Due deliveries of active webhooks, oldest first; the claim moves `due_ms` past the lease.
const CLAIM: &str = "UPDATE webhook_deliveries SET due_ms = $2 \
     WHERE (event_id, webhook_id) IN (SELECT event_id, webhook_id FROM webhook_deliveries \
     WHERE state = 'pending' AND due_ms <= $1 \
     AND webhook_id IN (SELECT id FROM webhooks WHERE is_active = $3) \
     ORDER BY due_ms LIMIT $4";
const CLAIM_END: &str = ") RETURNING event_id, webhook_id, attempts";
const CLAIMED: &str = "SELECT e.event, e.payload, e.created_at, w.url, w.sealed_secret \
     FROM webhook_events e, webhooks w WHERE e.id = $1 AND w.id = $2";

const DELIVERED: &str = "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1 \
     WHERE event_id = $1 AND webhook_id = $2";
const RETRY: &str = "UPDATE webhook_deliveries SET attempts = attempts + 1, due_ms = $3 \
     WHERE event_id = $1 AND webhook_id = $2";
const FAILED: &str = "UPDATE webhook_deliveries SET state = 'failed', attempts = attempts + 1 \
     WHERE event_id = $1 AND webhook_id = $2";
const DEACTIVATE: &str = "UPDATE webhooks SET is_active = $2, updated_at = $3 WHERE id = $1";
const LOG_ATTEMPT: &str = "INSERT INTO webhook_attempts \
     (webhook_id, event_id, event, attempted_at, status_code, error, latency_ms, attempted_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const ATTEMPTS: &str = "SELECT event_id, event, attempted_at, status_code, error, latency_ms \
     FROM webhook_attempts WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2";
const PRUNE_DELIVERIES: &str =
    "DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_ms < $1";
const PRUNE_EVENTS: &str = "DELETE FROM webhook_events WHERE NOT EXISTS \
     (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)";
const PRUNE_ATTEMPTS: &str = "DELETE FROM webhook_attempts WHERE attempted_ms < $1";
const PENDING: &str =
    "SELECT COUNT(*), MIN(created_ms) FROM webhook_deliveries WHERE state = 'pending'";

/// A delivery this replica holds until its lease ends.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub event_id: Uuid,
    pub webhook_id: Uuid,
    /// Attempts made before this one.
    pub attempts: i32,
    pub event: String,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub url: String,
    pub secret: SealedSecret,
}

/// How an attempt ends for its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    Delivered,
    /// Try again at this Unix millisecond.
    RetryAt(i64),
    /// The schedule is spent.
    Failed,
    /// The receiver answered `410 Gone`: the delivery fails and the webhook is deactivated.
    Gone,
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn create(&self, webhook: &Webhook) -> Result<(), StoreError>;
    async fn get(&self, id: Uuid) -> Result<Option<Webhook>, StoreError>;
    /// The visible webhooks, oldest first.
    async fn list(&self, visible: &TenantScope) -> Result<Vec<Webhook>, StoreError>;
    /// Writes url, events, is_active and updated_at; false when the row is gone.
    async fn update(&self, webhook: &Webhook) -> Result<bool, StoreError>;
    async fn delete(&self, id: Uuid) -> Result<bool, StoreError>;
    /// Claims up to `limit` due deliveries until `lease_until_ms` (PostgreSQL: rows other
    /// replicas are claiming are skipped, not waited for).
    async fn claim(
        &self,
        now_ms: i64,
        lease_until_ms: i64,
        limit: i64,
    ) -> Result<Vec<Claimed>, StoreError>;
    /// Records one attempt and what it means for the delivery, in one transaction.
    async fn settle(
        &self,
        claimed: &Claimed,
        settle: Settle,
        attempt: &Attempt,
    ) -> Result<(), StoreError>;
    /// Logs an attempt that belongs to no queued delivery (the test event).
    async fn log_attempt(&self, webhook_id: Uuid, attempt: &Attempt) -> Result<(), StoreError>;
    /// The latest attempts, newest first.
    async fn attempts(&self, webhook_id: Uuid, limit: i64) -> Result<Vec<Attempt>, StoreError>;
    /// Pending deliveries and the creation time (Unix ms) of the oldest one.
    async fn pending(&self) -> Result<(i64, Option<i64>), StoreError>;
    /// Forgets settled deliveries of events older than `before_ms`, events left without
    /// deliveries, and attempts older than `before_ms`. Pending deliveries are kept.
    async fn prune(&self, before_ms: i64) -> Result<(), StoreError>;
}

/// The store over the accounts' pool.
pub fn store_for(database: Database) -> std::sync::Arc<dyn WebhookStore> {
    match database {
        Database::Sqlite(pool) => std::sync::Arc::new(SqlWebhooks { pool }),
        Database::Postgres(pool) => std::sync::Arc::new(SqlWebhooks { pool }),
    }
}

struct SqlWebhooks<DB: sqlx::Database> {
    pool: Pool<DB>,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("stored webhook {what} is unreadable"))
}

macro_rules! webhook_store {
    ($db:ty, $lock:literal) => {
        impl SqlWebhooks<$db> {
            fn webhook(row: &<$db as sqlx::Database>::Row) -> Result<Webhook, StoreError> {
                let events: String = row.try_get("events")?;
                Ok(Webhook {
                    id: row.try_get("id")?,
                    tenant_id: row.try_get("tenant_id")?,
                    url: row.try_get("url")?,
                    events: serde_json::from_str(&events).map_err(|_| corrupt("events"))?,
                    is_active: row.try_get("is_active")?,
                    secret: SealedSecret::from_stored(row.try_get("sealed_secret")?),
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            fn attempt(row: &<$db as sqlx::Database>::Row) -> Result<Attempt, StoreError> {
                let status: Option<i32> = row.try_get("status_code")?;
                Ok(Attempt {
                    event_id: row.try_get("event_id")?,
                    event: row.try_get("event")?,
                    attempted_at: row.try_get("attempted_at")?,
                    status_code: status.and_then(|s| u16::try_from(s).ok()),
                    error: row.try_get("error")?,
                    latency_ms: row.try_get("latency_ms")?,
                })
            }

            async fn insert_attempt(
                conn: &mut <$db as sqlx::Database>::Connection,
                webhook_id: Uuid,
                attempt: &Attempt,
            ) -> Result<(), StoreError> {
                sqlx::query(LOG_ATTEMPT)
                    .bind(webhook_id)
                    .bind(attempt.event_id)
                    .bind(&attempt.event)
                    .bind(attempt.attempted_at)
                    .bind(attempt.status_code.map(i32::from))
                    .bind(&attempt.error)
                    .bind(attempt.latency_ms)
                    .bind(attempt.attempted_at.timestamp_millis())
                    .execute(conn)
                    .await?;
                Ok(())
            }
        }

        #[async_trait]
        impl WebhookStore for SqlWebhooks<$db> {
            async fn create(&self, w: &Webhook) -> Result<(), StoreError> {
                sqlx::query(INSERT)
                    .bind(w.id)
                    .bind(&w.tenant_id)
                    .bind(&w.url)
                    .bind(events_json(&w.events))
                    .bind(w.is_active)
                    .bind(w.secret.as_bytes())
                    .bind(w.created_at)
                    .bind(w.updated_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn get(&self, id: Uuid) -> Result<Option<Webhook>, StoreError> {
                let row = sqlx::query(&format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::webhook).transpose()
            }

            async fn list(&self, visible: &TenantScope) -> Result<Vec<Webhook>, StoreError> {
                let mut query =
                    QueryBuilder::<$db>::new(format!("SELECT {COLUMNS} FROM webhooks WHERE 1 = 1"));
                if let TenantScope::Only(tenants) = visible {
                    if tenants.is_empty() {
                        return Ok(Vec::new());
                    }
                    query.push(" AND tenant_id IN (");
                    let mut list = query.separated(", ");
                    for tenant in tenants {
                        list.push_bind(tenant.clone());
                    }
                    query.push(")");
                }
                query.push(" ORDER BY id");
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter().map(Self::webhook).collect()
            }

            async fn update(&self, w: &Webhook) -> Result<bool, StoreError> {
                let done = sqlx::query(UPDATE)
                    .bind(w.id)
                    .bind(&w.url)
                    .bind(events_json(&w.events))
                    .bind(w.is_active)
                    .bind(w.updated_at)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete(&self, id: Uuid) -> Result<bool, StoreError> {
                let done = sqlx::query(DELETE).bind(id).execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn claim(
                &self,
                now_ms: i64,
                lease_until_ms: i64,
                limit: i64,
            ) -> Result<Vec<Claimed>, StoreError> {
                let keys: Vec<(Uuid, Uuid, i32)> =
                    sqlx::query_as(&format!("{CLAIM}{}{CLAIM_END}", $lock))
                        .bind(now_ms)
                        .bind(lease_until_ms)
                        .bind(true)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                let mut claimed = Vec::with_capacity(keys.len());
                for (event_id, webhook_id, attempts) in keys {
                    // Gone since the claim (webhook deleted): nothing to send.
                    let Some(row) = sqlx::query(CLAIMED)
                        .bind(event_id)
                        .bind(webhook_id)
                        .fetch_optional(&self.pool)
                        .await?
                    else {
                        continue;
                    };
                    let payload: String = row.try_get("payload")?;
                    claimed.push(Claimed {
                        event_id,
                        webhook_id,
                        attempts,
                        event: row.try_get("event")?,
                        payload: serde_json::from_str(&payload)
                            .map_err(|_| corrupt("event payload"))?,
                        created_at: row.try_get("created_at")?,
                        url: row.try_get("url")?,
                        secret: SealedSecret::from_stored(row.try_get("sealed_secret")?),
                    });
                }
                Ok(claimed)
            }

            async fn settle(
                &self,
                c: &Claimed,
                settle: Settle,
                attempt: &Attempt,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                let (statement, due) = match settle {
                    Settle::Delivered => (DELIVERED, None),
                    Settle::RetryAt(due) => (RETRY, Some(due)),
                    Settle::Failed | Settle::Gone => (FAILED, None),
                };
                let mut query = sqlx::query(statement).bind(c.event_id).bind(c.webhook_id);
                if let Some(due) = due {
                    query = query.bind(due);
                }
                query.execute(&mut *tx).await?;
                if settle == Settle::Gone {
                    sqlx::query(DEACTIVATE)
                        .bind(c.webhook_id)
                        .bind(false)
                        .bind(attempt.attempted_at)
                        .execute(&mut *tx)
                        .await?;
                }
                Self::insert_attempt(&mut *tx, c.webhook_id, attempt).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn log_attempt(
                &self,
                webhook_id: Uuid,
                attempt: &Attempt,
            ) -> Result<(), StoreError> {
                let mut conn = self.pool.acquire().await?;
                Self::insert_attempt(&mut *conn, webhook_id, attempt).await
            }

            async fn attempts(
                &self,
                webhook_id: Uuid,
                limit: i64,
            ) -> Result<Vec<Attempt>, StoreError> {
                let rows = sqlx::query(ATTEMPTS)
                    .bind(webhook_id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::attempt).collect()
            }

            async fn pending(&self) -> Result<(i64, Option<i64>), StoreError> {
                Ok(sqlx::query_as(PENDING).fetch_one(&self.pool).await?)
            }

            async fn prune(&self, before_ms: i64) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(PRUNE_DELIVERIES)
                    .bind(before_ms)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(PRUNE_EVENTS).execute(&mut *tx).await?;
                sqlx::query(PRUNE_ATTEMPTS)
                    .bind(before_ms)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

webhook_store!(Sqlite, "");
webhook_store!(Postgres, " FOR UPDATE SKIP LOCKED");

fn events_json(events: &[String]) -> String {
    serde_json::Value::from(events.to_vec()).to_string()
}
