//! The stored integrated account and its small enums. The Jamf secret only ever appears here
//! sealed (see `seal`); rendering for callers lives in the HTTP layer.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, SubsecRound as _, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One connected Jamf Pro instance of one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegratedAccount {
    /// Time-ordered (version 7) so keyset pagination on it follows creation order.
    pub id: Uuid,
    /// Immutable after creation.
    pub tenant_id: String,
    pub status: AccountStatus,
    pub authentication_method: AuthMethod,
    /// Normalized by the Jamf URL policy before it is stored.
    pub instance_url: String,
    /// The OAuth client id, or the user name for `basic`.
    pub principal: String,
    /// The client secret or password, sealed under the storage key with `id` as associated data.
    pub secret: SealedSecret,
    pub jamf_pro_version: Option<String>,
    /// Read capabilities the validation probe confirmed, e.g. `read_accounts`.
    pub capabilities: Vec<String>,
    pub last_error: Option<String>,
    /// Bumped by every update; an update carrying a stale revision is refused by the store.
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Truto's integrated-account statuses (`post_install_error` has no meaning for Jamf).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Stored; validation against Jamf has not finished.
    Connecting,
    /// Validated; the directory can be read.
    Active,
    /// The last create or update failed validation; fix it with PATCH.
    ValidationError,
    /// Jamf refused the credentials after the account had worked.
    NeedsReauth,
}

impl AccountStatus {
    pub const ALL: [Self; 4] = [
        Self::Connecting,
        Self::Active,
        Self::ValidationError,
        Self::NeedsReauth,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Active => "active",
            Self::ValidationError => "validation_error",
            Self::NeedsReauth => "needs_reauth",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the service signs in to Jamf for this account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A Jamf API client (client id + secret).
    #[serde(rename = "oauth2_client_credentials")]
    OAuth2ClientCredentials,
    /// A Jamf user (user name + password), for instances without API clients.
    Basic,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OAuth2ClientCredentials => "oauth2_client_credentials",
            Self::Basic => "basic",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::OAuth2ClientCredentials, Self::Basic]
            .into_iter()
            .find(|m| m.as_str() == text)
    }
}

/// Ciphertext of a Jamf secret as stored: `version || nonce || ciphertext+tag`. Opaque outside
/// `seal`; its `Debug` shows only the length.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SealedSecret(pub(crate) Vec<u8>);

impl SealedSecret {
    /// The bytes written to the database.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn from_stored(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedSecret({} bytes)", self.0.len())
    }
}

/// A new time-ordered account id: UUID version 7 (milliseconds, a 12-bit counter, random bits).
/// The counter keeps ids of one process strictly increasing within a millisecond, so listing
/// by id is listing in creation order.
pub fn new_account_id() -> Uuid {
    static LAST: Mutex<u64> = Mutex::new(0);
    let now_ms = u64::try_from(Utc::now().timestamp_millis()).unwrap_or_default();
    let stamp = {
        // A poisoned lock still holds a valid number.
        let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
        *last = (now_ms << 12).max(*last + 1);
        *last
    };
    let mut bytes: [u8; 10] = rand::random();
    bytes[0] = (stamp >> 8) as u8 & 0x0f;
    bytes[1] = stamp as u8;
    uuid::Builder::from_unix_timestamp_millis(stamp >> 12, &bytes).into_uuid()
}

/// Now, at the microsecond precision both backends keep, so a stored time reads back equal.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_strictly_even_within_one_millisecond() {
        let ids: Vec<Uuid> = (0..5000).map(|_| new_account_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ids[0].get_version_num(), 7);
    }
}
