//! Request and response bodies of `/webhooks`. The secret appears in one response only: the
//! creation's.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::accounts::body::check_tenant;
use crate::http::body::missing_fields;
use crate::http::caller::Caller;
use crate::http::error::ApiError;
use crate::webhooks::{Attempt, Webhook, WebhookPatch};

const MAX_URL_LEN: usize = 2048;

/// `POST /webhooks`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookCreateBody {
    /// Where events are POSTed: `https`, a public address, no query or fragment.
    #[schema(value_type = String, required = true, example = "https://hooks.example.com/jamf")]
    url: Option<String>,
    /// Event names to receive; omitted or empty means every event.
    #[serde(default)]
    events: Vec<String>,
    /// Needed when the caller sees more than one tenant.
    tenant_id: Option<String>,
}

impl WebhookCreateBody {
    /// The tenant (given, or the caller's only one), the URL and the events.
    pub fn validate(self, caller: &Caller) -> Result<(String, String, Vec<String>), ApiError> {
        let url = self
            .url
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| missing_fields(&["url"]))?;
        check_url_len(&url)?;
        let tenant = match (self.tenant_id, caller.tenants.as_slice()) {
            (Some(tenant), _) => tenant,
            (None, [only]) if only != "*" => only.clone(),
            (None, _) => return Err(missing_fields(&["tenant_id"])),
        };
        check_tenant(&tenant)?;
        if !caller.can_see(&tenant) {
            return Err(ApiError::forbidden(format!(
                "this caller may not manage webhooks of tenant {tenant:?}"
            )));
        }
        Ok((tenant, url, self.events))
    }
}

/// `PATCH /webhooks/{id}`: any subset. `is_active: true` resumes a webhook deactivated by a
/// `410 Gone`; its pending deliveries resume with it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatchBody {
    url: Option<String>,
    events: Option<Vec<String>>,
    is_active: Option<bool>,
}

impl WebhookPatchBody {
    pub fn validate(self) -> Result<WebhookPatch, ApiError> {
        if self.url.is_none() && self.events.is_none() && self.is_active.is_none() {
            return Err(ApiError::bad_request(
                "nothing to change: send url, events or is_active",
            ));
        }
        if let Some(url) = &self.url {
            check_url_len(url)?;
        }
        Ok(WebhookPatch {
            url: self.url,
            events: self.events,
            is_active: self.is_active,
        })
    }
}

fn check_url_len(url: &str) -> Result<(), ApiError> {
    if url.len() > MAX_URL_LEN {
        return Err(ApiError::bad_request(format!(
            "url: at most {MAX_URL_LEN} characters"
        )));
    }
    Ok(())
}

/// A webhook as callers see it (never its secret).
#[derive(Serialize, ToSchema)]
pub struct WebhookBody {
    pub id: Uuid,
    pub tenant_id: String,
    pub url: String,
    /// Empty: every event.
    pub events: Vec<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookBody {
    fn from(w: Webhook) -> Self {
        Self {
            id: w.id,
            tenant_id: w.tenant_id,
            url: w.url,
            events: w.events,
            is_active: w.is_active,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// The creation's answer: the webhook and, this once, its secret.
#[derive(Serialize, ToSchema)]
pub struct CreatedBody {
    #[serde(flatten)]
    pub webhook: WebhookBody,
    /// `whsec_…`; shown only here. Keep it: it verifies every delivery.
    pub secret: String,
}

impl CreatedBody {
    pub fn new(webhook: Webhook, secret: &SecretString) -> Self {
        Self {
            webhook: webhook.into(),
            secret: secret.expose_secret().to_owned(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    pub result: Vec<WebhookBody>,
}

#[derive(Serialize, ToSchema)]
pub struct AttemptList {
    /// Newest first.
    pub result: Vec<Attempt>,
}

#[derive(Serialize, ToSchema)]
pub struct TestBody {
    /// The receiver answered 2xx.
    pub delivered: bool,
    pub attempt: Attempt,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookDeleted {
    pub id: Uuid,
}
