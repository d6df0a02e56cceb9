//! Request bodies: the size cap of every route, and one JSON parser for every endpoint, with
//! messages that never quote a value (it may be a secret), and Truto's "missing fields" 400.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// The body cap: `server.body_limit_bytes` for every request, except on the few paths that
/// take more (listed with their own cap). It runs before routing, so even an unknown route or
/// method is refused a large body, and the route's cap is known before anything reads it.
#[derive(Debug, Clone)]
pub struct BodyLimits {
    pub default: usize,
    pub routes: &'static [(&'static str, usize)],
    /// `server.body_timeout_secs`: the whole body must arrive within it.
    pub timeout: Duration,
}

impl BodyLimits {
    pub fn for_path(&self, path: &str) -> usize {
        self.routes
            .iter()
            .find(|(route, _)| *route == path)
            .map_or(self.default, |(_, limit)| *limit)
    }
}

/// Refuses a declared length above the cap at once (413), then reads the body whole before
/// anything else sees it: 413 when it runs past the cap, 408 (and the connection closed) when
/// it has not all arrived within `server.body_timeout_secs`, so a body trickled in a byte at
/// a time cannot hold a connection and a handler for the whole request timeout.
pub async fn limit(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    let limit = limits.for_path(request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body exceeds the {limit} bytes this route takes"),
        )
        .into_response()
    };
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(limits.timeout, Limited::new(body, limit).collect()).await;
    let bytes = match read {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(err)) if err.downcast_ref::<LengthLimitError>().is_some() => return too_large(),
        Ok(Err(_)) => {
            return ApiError::bad_request("the request body could not be read").into_response();
        }
        Err(_) => {
            metrics::counter!("http_slow_bodies_refused_total").increment(1);
            let mut refused = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request body did not arrive within {} s",
                    limits.timeout.as_secs()
                ),
            )
            .into_response();
            // The rest of the body is not read: the connection cannot carry another request.
            refused
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return refused;
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Parses a JSON body. serde's messages are kept only for unknown and missing fields: a type
/// error would quote the offending value, which may be a secret.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let text = e.to_string();
        let message = if text.starts_with("unknown field") || text.starts_with("unknown variant") {
            format!("invalid body: {text}")
        } else if e.is_data() {
            format!(
                "invalid body: a field has the wrong type or value (line {}, column {})",
                e.line(),
                e.column()
            )
        } else {
            format!(
                "malformed JSON body (line {}, column {})",
                e.line(),
                e.column()
            )
        };
        ApiError::bad_request(message)
    })
}

/// 400 naming every missing or empty required field (Truto's insight shape).
pub fn missing_fields(names: &[&str]) -> ApiError {
    ApiError::bad_request(format!(
        "missing required body field(s): {}",
        names.join(", ")
    ))
    .with_insight(serde_json::json!({
        "missing_required_body_fields": {
            "description": "These body fields are required.",
            "value": names,
        }
    }))
}
