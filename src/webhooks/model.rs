//! A webhook subscription, the event catalogue, delivery attempts, and webhook secrets.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::SealedSecret;

/// Every event a webhook can subscribe to, in Truto's `entity:action` names.
pub const EVENTS: [&str; 13] = [
    "integrated_account:created",
    "integrated_account:updated",
    "integrated_account:deleted",
    "integrated_account:active",
    "integrated_account:validation_error",
    "integrated_account:authentication_error",
    "integrated_account:reactivated",
    "record:created",
    "record:updated",
    "record:deleted",
    "snapshot:created",
    "finding:opened",
    "finding:resolved",
];

/// What `POST /webhooks/{id}/test` sends; not subscribable.
pub const TEST_EVENT: &str = "webhook:test";

/// Prefix of webhook secrets (Standard Webhooks' convention: the rest is base64 key bytes).
pub const SECRET_PREFIX: &str = "whsec_";

/// One subscription of one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Time-ordered, so listing by id lists by creation.
    pub id: Uuid,
    pub tenant_id: String,
    pub url: String,
    /// Subscribed event names; empty means every event.
    pub events: Vec<String>,
    /// False after the receiver answered `410 Gone` or a caller paused it; nothing is sent
    /// meanwhile and pending deliveries wait.
    pub is_active: bool,
    /// Sealed under the storage key with `id` as associated data.
    pub secret: SealedSecret,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One attempt to deliver one event, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Attempt {
    pub event_id: Uuid,
    pub event: String,
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<u16>,
    /// Why no usable answer came (timeout, refused connection, redirect, ...).
    pub error: Option<String>,
    pub latency_ms: i64,
}

/// A new secret: `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> SecretString {
    let bytes: [u8; 32] = rand::random();
    SecretString::from(format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// The HMAC key Standard Webhooks libraries derive from a secret: the base64 after `whsec_`.
/// `None` for a secret not of that form (never one this service generated).
pub fn standard_key(secret: &SecretString) -> Option<Vec<u8>> {
    let encoded = secret.expose_secret().strip_prefix(SECRET_PREFIX)?;
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .filter(|key| !key.is_empty())
}

/// The first name not in the catalogue, if any.
pub fn unknown_event(events: &[String]) -> Option<&str> {
    events
        .iter()
        .map(String::as_str)
        .find(|e| !EVENTS.contains(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_secret_decodes_to_32_key_bytes_and_secrets_differ() {
        let a = new_secret();
        assert!(a.expose_secret().starts_with(SECRET_PREFIX));
        assert_eq!(standard_key(&a).map(|k| k.len()), Some(32));
        assert_ne!(a.expose_secret(), new_secret().expose_secret());
        assert_eq!(standard_key(&SecretString::from("whsec_")), None);
    }

    #[test]
    fn unknown_events_are_named() {
        let events = vec!["record:created".to_owned(), "user:created".to_owned()];
        assert_eq!(unknown_event(&events), Some("user:created"));
        assert_eq!(unknown_event(&events[..1]), None);
    }
}
