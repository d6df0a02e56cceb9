//! What answers say about Jamf's load, and the occasional read of Jamf Cloud's
//! `/api/v1/health-status` that lowers an instance's limit while Jamf sheds load elsewhere.
//! The read is spawned beside a request, never in its way, and reports to the instance's
//! limiter (see `budget`).

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Deserialize;

use super::{Attempt, Transport};
use crate::jamf::budget::{Health, Load};
use crate::jamf::endpoints::HEALTH_STATUS;
use crate::jamf::error::JamfError;
use crate::jamf::records::parse_json;

/// The title of the page Jamf Cloud sends when it refuses a request.
const TIMEOUT_PAGE: &[u8] = b"Jamf Cloud - Timeout";

/// 503, 504, a request timeout or Jamf Cloud's timeout page mean Jamf is shedding load.
pub(super) fn load_of(outcome: &Result<(StatusCode, Vec<u8>), Attempt>) -> Load {
    match outcome {
        Ok((status, _))
            if matches!(
                *status,
                StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
            ) =>
        {
            Load::Shedding
        }
        Ok((_, body)) if is_timeout_page(body) => Load::Shedding,
        Ok((status, _)) if status.is_success() => Load::Accepted,
        Err(Attempt {
            error: JamfError::Timeout { .. },
            ..
        }) => Load::Shedding,
        _ => Load::Unknown,
    }
}

/// Only an HTML body is searched (a JSON page never is).
fn is_timeout_page(body: &[u8]) -> bool {
    body.trim_ascii_start().first() == Some(&b'<')
        && body.windows(TIMEOUT_PAGE.len()).any(|w| w == TIMEOUT_PAGE)
}

/// `/api/v1/health-status`: the accepted share per group and window (names from the 11.30.1
/// schema; see `docs/jamf-pro-api.md`). Only `api` matters to a reader of the API.
#[derive(Deserialize)]
struct HealthStatus {
    api: Option<Windows>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Windows {
    thirty_seconds: Option<f64>,
    one_minute: Option<f64>,
}

impl HealthStatus {
    /// The most recent window Jamf reports for `api`.
    fn health(&self) -> Health {
        let ratio = self
            .api
            .as_ref()
            .and_then(|w| w.thirty_seconds.or(w.one_minute));
        match ratio {
            Some(ratio) if ratio < 1.0 => Health::Shedding,
            Some(_) => Health::Clear,
            None => Health::Unknown,
        }
    }
}

impl Transport {
    /// When the instance is due a health read, spawns one with the authorization of the GET
    /// that `request` builds (the read needs a token; the transport holds none).
    pub(super) fn read_health_when_due(&self, request: impl FnOnce() -> RequestBuilder) {
        if !self.limiter.claim_health_read() {
            return;
        }
        let authorization = request()
            .build()
            .ok()
            .and_then(|r| r.headers().get(AUTHORIZATION).cloned());
        let Some(mut authorization) = authorization else {
            self.limiter.health_read(Health::Unknown);
            return;
        };
        authorization.set_sensitive(true);
        let transport = self.clone();
        tokio::spawn(async move {
            let health = transport.read_health(authorization).await;
            transport.limiter.health_read(health);
        });
    }

    async fn read_health(&self, authorization: HeaderValue) -> Health {
        let request = self
            .http
            .request(Method::GET, self.url(HEALTH_STATUS.template))
            .header(AUTHORIZATION, authorization);
        let health = match self.exchange(HEALTH_STATUS, request).await {
            Ok(body) => parse_json::<HealthStatus>(&body).map_or(Health::Unknown, |h| h.health()),
            Err(Attempt {
                error: JamfError::NotFound { .. },
                ..
            }) => Health::Absent,
            Err(_) => Health::Unknown,
        };
        tracing::debug!(instance = %self.base, ?health, "read Jamf health status");
        health
    }
}
