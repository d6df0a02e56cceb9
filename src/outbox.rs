//! The change outbox: an event is written in the same database transaction as the change it
//! reports, together with one pending delivery per webhook of its tenant that subscribes to it.
//! Either both commit or neither does, so a crash can neither lose a reported change nor report
//! one that did not happen. `webhooks` delivers what is written here; the modules that make
//! changes (`accounts`, the evidence snapshots) only call [`OutboxBackend::record`].
//!
//! Depends on no other module of the crate.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde_json::Value;
use uuid::Uuid;

/// One change worth telling subscribers about.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEvent {
    /// Stable across retries and webhooks: the receiver's idempotency key.
    pub id: Uuid,
    pub tenant_id: String,
    /// `entity:action`, e.g. `integrated_account:created`.
    pub event: String,
    pub payload: Value,
    pub created_at: DateTime<Utc>,
}

impl ChangeEvent {
    pub fn new(tenant_id: &str, event: &str, payload: Value) -> Self {
        Self {
            id: Uuid::new_v4(),
            tenant_id: tenant_id.to_owned(),
            event: event.to_owned(),
            payload,
            created_at: Utc::now(),
        }
    }
}

const INSERT_EVENT: &str = "INSERT INTO webhook_events (id, tenant_id, event, payload, created_at) \
     VALUES ($1, $2, $3, $4, $5)";
/// One pending delivery per active webhook of the tenant whose `events` list is empty (all
/// events) or names this one. `_` is escaped: it is a LIKE wildcard.
const FAN_OUT: &str = "INSERT INTO webhook_deliveries \
     (event_id, webhook_id, state, attempts, due_ms, created_ms) \
     SELECT $1, id, 'pending', 0, $2, $2 FROM webhooks \
     WHERE tenant_id = $3 AND is_active = $4 AND (events = '[]' OR events LIKE $5 ESCAPE '\\')";
const DROP_EVENT: &str = "DELETE FROM webhook_events WHERE id = $1";

/// The backends an outbox can be written to, inside the caller's transaction.
pub trait OutboxBackend: sqlx::Database {
    /// Writes `events` and their deliveries on `conn` (a transaction of the caller's). An event
    /// nobody subscribes to leaves no row.
    fn record<'c>(
        conn: &'c mut Self::Connection,
        events: &'c [ChangeEvent],
    ) -> BoxFuture<'c, Result<(), sqlx::Error>>;
}

/// The `LIKE` pattern matching `event` inside a JSON array of names.
fn subscribed_pattern(event: &str) -> String {
    format!(
        "%\"{}\"%",
        event
            .replace('\\', "\\\\")
            .replace('_', "\\_")
            .replace('%', "\\%")
    )
}

macro_rules! outbox_backend {
    ($db:ty) => {
        impl OutboxBackend for $db {
            fn record<'c>(
                conn: &'c mut Self::Connection,
                events: &'c [ChangeEvent],
            ) -> BoxFuture<'c, Result<(), sqlx::Error>> {
                Box::pin(async move {
                    for event in events {
                        sqlx::query(INSERT_EVENT)
                            .bind(event.id)
                            .bind(&event.tenant_id)
                            .bind(&event.event)
                            .bind(event.payload.to_string())
                            .bind(event.created_at)
                            .execute(&mut *conn)
                            .await?;
                        let fanned = sqlx::query(FAN_OUT)
                            .bind(event.id)
                            .bind(event.created_at.timestamp_millis())
                            .bind(&event.tenant_id)
                            .bind(true)
                            .bind(subscribed_pattern(&event.event))
                            .execute(&mut *conn)
                            .await?;
                        if fanned.rows_affected() == 0 {
                            sqlx::query(DROP_EVENT)
                                .bind(event.id)
                                .execute(&mut *conn)
                                .await?;
                        }
                    }
                    Ok(())
                })
            }
        }
    };
}

outbox_backend!(sqlx::Sqlite);
outbox_backend!(sqlx::Postgres);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_matches_only_the_quoted_name_with_wildcards_escaped() {
        assert_eq!(
            subscribed_pattern("integrated_account:created"),
            "%\"integrated\\_account:created\"%"
        );
    }
}
