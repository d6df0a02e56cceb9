//! Bearer tokens: JWT-shaped strings (Jamf's claims) tracked server-side, so expiry,
//! keep-alive, invalidation and revocation are exact. Nothing verifies the signature.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Who a token was issued to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// An API client (OAuth client credentials); roles are looked up on every request, as
    /// "changes to the API roles assigned to the client immediately affect all tokens".
    Client { client_id: String },
    /// A local account (HTTP Basic → `/api/v1/auth/token`).
    User { username: String },
}

/// Simulated time: real time plus an offset tests can advance to expire tokens.
#[derive(Default)]
pub struct SimClock {
    offset_ms: AtomicU64,
}

impl SimClock {
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    fn offset(&self) -> Duration {
        Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }

    pub fn now(&self) -> Instant {
        Instant::now() + self.offset()
    }

    /// `lifetime` from now, or a century when the configured lifetime is absurd (the
    /// simulator may announce one to test clients; it must not overflow itself).
    pub fn expiry(&self, lifetime: Duration) -> Instant {
        let now = self.now();
        now.checked_add(lifetime)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400))
    }

    pub fn wall(&self) -> DateTime<Utc> {
        Utc::now() + self.offset()
    }
}

struct Issued {
    principal: Principal,
    expires_at: Instant,
}

/// Live tokens. Revocation clears it; expired tokens are dropped when presented.
#[derive(Default)]
pub struct TokenStore {
    live: Mutex<HashMap<String, Issued>>,
}

impl TokenStore {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Issued>> {
        // A poisoned lock only means another request panicked mid-insert; the map is fine.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn insert(&self, token: String, principal: Principal, expires_at: Instant) {
        self.map().insert(
            token,
            Issued {
                principal,
                expires_at,
            },
        );
    }

    /// The principal of a live, unexpired token.
    pub fn lookup(&self, token: &str, now: Instant) -> Option<Principal> {
        let mut map = self.map();
        match map.get(token) {
            Some(t) if t.expires_at > now => Some(t.principal.clone()),
            Some(_) => {
                map.remove(token);
                None
            }
            None => None,
        }
    }

    pub fn remove(&self, token: &str) -> bool {
        self.map().remove(token).is_some()
    }

    pub fn clear(&self) {
        self.map().clear();
    }

    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// Every live token value; tests use it to prove tokens never reach a log.
    pub fn values(&self) -> Vec<String> {
        self.map().keys().cloned().collect()
    }
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// `header.payload.signature`, with a SHA-256 keyed digest standing in for the HMAC.
pub fn jwt(alg: &str, claims: &Value, key: &[u8]) -> String {
    let input = format!("{}.{}", b64(&json!({ "alg": alg })), b64(claims));
    let sig = Sha256::new()
        .chain_update(key)
        .chain_update(input.as_bytes())
        .finalize();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// Claims of a client-credentials token (from a decoded real Jamf token).
pub fn client_claims(client_id: &str, scope: &[String], iat: i64, lifetime: i64) -> Value {
    json!({
        "sub": client_id,
        "aud": client_id,
        "nbf": iat,
        "token-uuid": uuid::Uuid::new_v4().to_string(),
        "subject-type": "REGISTERED_CLIENT_ID",
        "authentication-type": "CLIENT_CREDENTIALS",
        "scope": scope,
        "iss": "https://localhost:8443",
        "exp": iat.saturating_add(lifetime),
        "iat": iat,
    })
}

/// Claims of a user token (from the schema's example).
pub fn user_claims(account_id: i64, exp: i64) -> Value {
    json!({
        "authenticated-app": "GENERIC",
        "authentication-type": "JSS",
        "groups": [],
        "subject-type": "JSS_USER_ID",
        "token-uuid": uuid::Uuid::new_v4().to_string(),
        "ldap-server-id": -1,
        "sub": account_id.to_string(),
        "exp": exp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expire_with_the_sim_clock() {
        let clock = SimClock::default();
        let store = TokenStore::default();
        let p = Principal::User {
            username: "admin".into(),
        };
        store.insert("t".into(), p.clone(), clock.now() + Duration::from_secs(60));
        assert_eq!(store.lookup("t", clock.now()), Some(p));
        clock.advance(Duration::from_secs(61));
        assert_eq!(store.lookup("t", clock.now()), None);
        assert_eq!(store.len(), 0);
    }

    #[test]
    fn jwt_has_three_segments_and_decodable_claims() {
        let claims = client_claims("c", &["api-role:1".into()], 100, 600);
        let t = jwt("HS256", &claims, b"k");
        let parts: Vec<_> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let decoded: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(decoded["exp"], 700);
    }
}
