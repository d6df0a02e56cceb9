//! The wire format: Truto's body and `X-Truto-Signature`, and Standard Webhooks' headers signed
//! with the same secret, so receivers of either convention verify with what they already use.

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac as _};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use super::model::standard_key;

pub const TRUTO_SIGNATURE: &str = "x-truto-signature";
pub const WEBHOOK_ID: &str = "webhook-id";
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// One event as sent to one webhook.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    pub event_id: Uuid,
    pub event: &'a str,
    pub payload: &'a Value,
    pub webhook_id: Uuid,
    pub created_at: DateTime<Utc>,
}

impl Message<'_> {
    /// `{"id", "event", "payload", "webhook_id", "created_at"}`, the same bytes on every attempt.
    pub fn body(&self) -> Vec<u8> {
        json!({
            "id": self.event_id,
            "event": self.event,
            "payload": self.payload,
            "webhook_id": self.webhook_id,
            "created_at": self.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        })
        .to_string()
        .into_bytes()
    }
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// The signature headers of one attempt at `timestamp` (Unix seconds; every attempt is signed
/// afresh, since receivers refuse old timestamps).
///
/// - `X-Truto-Signature: format=sha256,v=<hex>`: HMAC-SHA256 of the body, keyed with the
///   secret string as shown at creation (as Truto does).
/// - `webhook-signature: v1,<base64>`: HMAC-SHA256 of `<id>.<timestamp>.<body>`, keyed with the
///   bytes the secret's base64 part decodes to (as Standard Webhooks libraries do).
pub fn signature_headers(
    secret: &SecretString,
    event_id: Uuid,
    timestamp: i64,
    body: &[u8],
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let truto = hex::encode(hmac_sha256(secret.expose_secret().as_bytes(), &[body]));
    let id = event_id.to_string();
    let stamp = timestamp.to_string();
    let standard_key =
        standard_key(secret).unwrap_or_else(|| secret.expose_secret().as_bytes().to_vec());
    let standard = base64::engine::general_purpose::STANDARD.encode(hmac_sha256(
        &standard_key,
        &[id.as_bytes(), b".", stamp.as_bytes(), b".", body],
    ));
    for (name, value) in [
        (TRUTO_SIGNATURE, format!("format=sha256,v={truto}")),
        (WEBHOOK_ID, id),
        (WEBHOOK_TIMESTAMP, stamp),
        (WEBHOOK_SIGNATURE, format!("v1,{standard}")),
    ] {
        // Hex, base64, digits and a UUID are always valid header values.
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Standard Webhooks' published test vector (its libraries' `test_sign` case).
    #[test]
    fn the_standard_signature_matches_the_specifications_test_vector() {
        let secret = SecretString::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        let key = standard_key(&secret).unwrap();
        let sig = base64::engine::general_purpose::STANDARD.encode(hmac_sha256(
            &key,
            &[id.as_bytes(), b".", b"1614265330", b".", body],
        ));
        assert_eq!(sig, "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn headers_carry_both_signatures_and_change_with_the_timestamp() {
        let secret = super::super::model::new_secret();
        let id = Uuid::new_v4();
        let a = signature_headers(&secret, id, 1_700_000_000, b"{}");
        let b = signature_headers(&secret, id, 1_700_000_001, b"{}");
        assert!(
            a[TRUTO_SIGNATURE]
                .to_str()
                .unwrap()
                .starts_with("format=sha256,v=")
        );
        assert_eq!(a[TRUTO_SIGNATURE], b[TRUTO_SIGNATURE]);
        assert_ne!(a[WEBHOOK_SIGNATURE], b[WEBHOOK_SIGNATURE]);
        assert_eq!(a[WEBHOOK_ID].to_str().unwrap(), id.to_string());
    }
}
