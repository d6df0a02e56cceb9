//! Response shapes of the integrated-account endpoints (Truto's account object). Built from the
//! stored account field by field, so the sealed secret has no path into a response.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::{AccountStatus, AuthMethod, IntegratedAccount};
use crate::http::error::ApiError;

/// An integrated account. Secrets are never returned.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0190f3c2-6d4e-7a1b-9c2d-3e4f5a6b7c8d", "tenant_id": "acme", "status": "active",
    "authentication_method": "oauth2_client_credentials", "integration": {"name": "jamf"},
    "context": {"instance_url": "https://acme.jamfcloud.com", "client_id": "8f2c5a6e-3c1b-4f8e-9d0a-1b2c3d4e5f60",
        "jamf_pro_version": "11.30.1", "capabilities": ["read_accounts"]},
    "last_error": null, "created_at": "2025-07-01T10:00:00Z", "updated_at": "2025-07-01T10:00:01Z"}))]
pub struct AccountBody {
    id: Uuid,
    tenant_id: String,
    status: AccountStatus,
    authentication_method: AuthMethod,
    integration: Integration,
    context: AccountContext,
    /// Why the account is not `active` (Jamf's refusal, a missing privilege, …).
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct Integration {
    /// Always `jamf`.
    #[schema(example = "jamf")]
    name: &'static str,
}

/// The connection as stored, without the secret.
#[derive(Serialize, ToSchema)]
pub struct AccountContext {
    instance_url: String,
    /// For `oauth2_client_credentials`.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    /// For `basic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    /// Read at the last successful validation.
    jamf_pro_version: Option<String>,
    /// Read capabilities the validation confirmed (`read_accounts`).
    capabilities: Vec<String>,
}

impl From<IntegratedAccount> for AccountBody {
    fn from(a: IntegratedAccount) -> Self {
        let (client_id, username) = match a.authentication_method {
            AuthMethod::OAuth2ClientCredentials => (Some(a.principal), None),
            AuthMethod::Basic => (None, Some(a.principal)),
        };
        Self {
            id: a.id,
            tenant_id: a.tenant_id,
            status: a.status,
            authentication_method: a.authentication_method,
            integration: Integration { name: "jamf" },
            context: AccountContext {
                instance_url: a.instance_url,
                client_id,
                username,
                jamf_pro_version: a.jamf_pro_version,
                capabilities: a.capabilities,
            },
            last_error: a.last_error,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// A page of accounts (Truto's platform list shape).
#[derive(Serialize, ToSchema)]
pub struct AccountList {
    pub result: Vec<AccountBody>,
    /// Pass back as `next_cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    pub limit: u32,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0190f3c2-6d4e-7a1b-9c2d-3e4f5a6b7c8d"}))]
pub struct Deleted {
    pub id: Uuid,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"success": true}))]
pub struct Refreshed {
    pub success: bool,
}

/// The opaque cursor: the last id of the page, base64url.
pub fn encode_cursor(after: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(after.as_bytes())
}

pub fn decode_cursor(cursor: &str) -> Result<Uuid, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .ok()
        .and_then(|bytes| Uuid::from_slice(&bytes).ok())
        .ok_or_else(|| {
            ApiError::bad_request("next_cursor is not a cursor returned by this endpoint")
        })
}
