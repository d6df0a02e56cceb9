//! Opaque keyset cursors for list endpoints.
//!
//! A cursor names the last record id a page ended on, so it stays valid when the cache
//! refreshes (an offset would skip or repeat records when Jamf adds one). It is signed with
//! a key derived from the service's signing key and bound to the query it came from (account,
//! resource, filters), so a tampered cursor — or one pasted into another query — is refused
//! with a clear 400 instead of silently returning the wrong page.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Signature bytes kept in the cursor: 128 bits is plenty against forgery of page tokens.
const MAC_LEN: usize = 16;
/// Cursors longer than this are refused before decoding.
const MAX_CURSOR_LEN: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("next_cursor is not a cursor this service issued")]
    Malformed,
    #[error(
        "next_cursor was altered or belongs to a different query (other account, resource or filters)"
    )]
    Tampered,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    v: u8,
    /// Id of the last record of the previous page.
    a: String,
}

#[derive(Clone)]
pub struct CursorCodec {
    key: [u8; 32],
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorCodec(..)")
    }
}

impl CursorCodec {
    /// Derives the cursor key from `secret` so cursor MACs never reuse the JWT key directly.
    pub fn new(secret: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"jamf-directory cursor key v1\0");
        hasher.update(secret);
        Self {
            key: hasher.finalize().into(),
        }
    }

    /// A cursor resuming after `last_id` within the query identified by `scope`.
    pub fn encode(&self, scope: &str, last_id: &str) -> String {
        let payload = serde_json::to_vec(&Payload {
            v: 1,
            a: last_id.to_string(),
        })
        .expect("a struct of a string serializes");
        let mac = self.mac(scope, &payload);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(&mac[..MAC_LEN])
        )
    }

    /// The id to resume after, if `cursor` was issued for `scope` and is intact.
    pub fn decode(&self, scope: &str, cursor: &str) -> Result<String, CursorError> {
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(CursorError::Malformed);
        }
        let (payload, mac) = cursor.split_once('.').ok_or(CursorError::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| CursorError::Malformed)?;
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| CursorError::Malformed)?;
        if mac.len() != MAC_LEN {
            return Err(CursorError::Malformed);
        }
        let verifier = self.hmac(scope, &payload);
        verifier
            .verify_truncated_left(&mac)
            .map_err(|_| CursorError::Tampered)?;
        let payload: Payload =
            serde_json::from_slice(&payload).map_err(|_| CursorError::Malformed)?;
        if payload.v != 1 {
            return Err(CursorError::Malformed);
        }
        Ok(payload.a)
    }

    fn hmac(&self, scope: &str, payload: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        // Length-prefix the scope so (scope, payload) pairs cannot be re-split.
        mac.update(&(scope.len() as u64).to_be_bytes());
        mac.update(scope.as_bytes());
        mac.update(payload);
        mac
    }

    fn mac(&self, scope: &str, payload: &[u8]) -> Vec<u8> {
        self.hmac(scope, payload).finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn codec() -> CursorCodec {
        CursorCodec::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn refuses_what_it_did_not_issue() {
        let c = codec();
        let good = c.encode("acct/users/status=active", "42");
        let (payload, mac) = good.split_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode(br#"{"v":1,"a":"7"}"#);
        let cases = [
            ("", CursorError::Malformed),
            ("nodot", CursorError::Malformed),
            ("!!!.???", CursorError::Malformed),
            (&format!("{payload}.AAAA"), CursorError::Malformed),
            (&format!("{forged_payload}.{mac}"), CursorError::Tampered),
            (&"a".repeat(2000), CursorError::Malformed),
        ];
        for (cursor, expected) in cases {
            assert_eq!(
                c.decode("acct/users/status=active", cursor),
                Err(expected),
                "{cursor}"
            );
        }
        assert_eq!(
            c.decode("acct/users/status=inactive", &good),
            Err(CursorError::Tampered),
            "a cursor is bound to its query"
        );
        assert_eq!(
            CursorCodec::new(b"another key").decode("acct/users/status=active", &good),
            Err(CursorError::Tampered)
        );
    }

    proptest! {
        #[test]
        fn round_trips(scope in ".{0,64}", id in ".{0,64}") {
            let c = codec();
            prop_assert_eq!(c.decode(&scope, &c.encode(&scope, &id)), Ok(id));
        }

        #[test]
        fn never_panics_on_garbage(scope in ".{0,16}", cursor in ".{0,200}") {
            let _ = codec().decode(&scope, &cursor);
        }

        /// A cursor only works for the query (account, resource, filters) it was issued for.
        #[test]
        fn is_bound_to_its_scope(a in ".{0,32}", b in ".{0,32}", id in ".{0,32}") {
            prop_assume!(a != b);
            let c = codec();
            prop_assert_eq!(c.decode(&b, &c.encode(&a, &id)), Err(CursorError::Tampered));
        }

        /// Changing any one character of an issued cursor is refused, never a different id.
        #[test]
        fn any_edit_is_refused(id in ".{0,32}", at in any::<prop::sample::Index>(),
                               ch in "[A-Za-z0-9_.-]") {
            let c = codec();
            let good = c.encode("scope", &id);
            let at = at.index(good.len());
            let mut edited = good.clone();
            edited.replace_range(at..=at, &ch);
            prop_assume!(edited != good);
            prop_assert!(c.decode("scope", &edited).is_err(), "{} accepted", edited);
        }
    }
}
