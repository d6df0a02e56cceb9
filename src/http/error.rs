//! The one error type of the HTTP layer: renders the error envelope
//! `{statusCode, error, message}` plus Truto's remote-error fields when Jamf caused it.

use axum::Json;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Largest `raw_response` echoed back from Jamf, in characters of its JSON rendering.
const RAW_RESPONSE_LIMIT: usize = 4096;

/// The error envelope of every endpoint except `/auth/token`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"statusCode": 404, "error": "Not Found", "message": "integrated account 6c1d… not found"}))]
pub struct ErrorBody {
    /// HTTP status code, repeated in the body.
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    /// Canonical reason phrase of the status.
    pub error: String,
    /// What went wrong, for a human.
    pub message: String,
    /// Present and true when Jamf caused the error; false on a 503 for a fetch still running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truto_is_remote_error: Option<bool>,
    /// Jamf's response body (parsed when JSON, truncated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_response: Option<Value>,
    /// Machine-readable hints, e.g. `missing_required_query_parameters`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub truto_error_insight: Option<Value>,
    /// On a 503: the Jamf fetch the caller stopped waiting for, which goes on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch: Option<FetchProgressBody>,
}

/// How far a running Jamf fetch has got.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FetchProgressBody {
    /// When the fetch started (UTC).
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Jamf requests answered so far.
    pub requests_done: u64,
    /// Jamf requests the fetch knows it needs so far (it learns more as lists arrive); null
    /// before it knows any.
    pub requests_planned: Option<u64>,
}

/// Boxed so `Result<T, ApiError>` stays one pointer wide on the happy path.
#[derive(Debug)]
pub struct ApiError(Box<ErrorParts>);

#[derive(Debug)]
struct ErrorParts {
    status: StatusCode,
    message: String,
    raw_response: Option<Value>,
    /// `truto_is_remote_error`: said only when true, or false on purpose.
    remote: Option<bool>,
    insight: Option<Value>,
    fetch: Option<FetchProgressBody>,
    headers: HeaderMap,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self(Box::new(ErrorParts {
            status,
            message: message.into(),
            raw_response: None,
            remote: None,
            insight: None,
            fetch: None,
            headers: HeaderMap::new(),
        }))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// A missing or bad caller token: 401 with a `WWW-Authenticate: Bearer` challenge.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message).with_header(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"jamf-directory\""),
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; the request id in the x-request-id header identifies it in the logs",
        )
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("rate limit exceeded; retry after {retry_after_secs} s"),
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs))
    }

    /// An error Jamf caused; `raw` is Jamf's body (JSON when it parses, text otherwise).
    pub fn remote(status: StatusCode, message: impl Into<String>, raw: Option<&[u8]>) -> Self {
        let mut err = Self::new(status, message);
        err.0.remote = Some(true);
        err.0.raw_response = raw.map(raw_response_value);
        err.0.insight = Some(serde_json::json!({
            "remote_error": {"description": "Jamf Pro returned an error; see raw_response"}
        }));
        err
    }

    /// A Jamf fetch outlasted the caller's wait: 503 with `Retry-After` (the estimated
    /// seconds left, at least 1) and the fetch's progress. Not Jamf's fault, so
    /// `truto_is_remote_error: false`.
    pub fn still_fetching(progress: FetchProgressBody, retry_after_secs: u64) -> Self {
        let retry_after_secs = retry_after_secs.max(1);
        let mut err = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the Jamf fetch for this integrated account is still running \
                 ({} requests done); it goes on without you: retry after {retry_after_secs} s",
                progress.requests_done
            ),
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        err.0.remote = Some(false);
        err.0.fetch = Some(progress);
        err
    }

    /// A required query parameter is absent (Truto's insight shape).
    pub fn missing_query_parameters(names: &[&str]) -> Self {
        Self::bad_request(format!(
            "missing required query parameter(s): {}",
            names.join(", ")
        ))
        .with_insight(serde_json::json!({
            "missing_required_query_parameters": {
                "description": "These query parameters are required.",
                "value": names,
            }
        }))
    }

    pub fn with_insight(mut self, insight: Value) -> Self {
        self.0.insight = Some(insight);
        self
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.insert(name, value);
        self
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn message(&self) -> &str {
        &self.0.message
    }

    pub fn is_remote(&self) -> bool {
        self.0.remote == Some(true)
    }

    pub fn body(&self) -> ErrorBody {
        let p = &self.0;
        ErrorBody {
            status_code: p.status.as_u16(),
            error: p.status.canonical_reason().unwrap_or("Error").to_string(),
            message: p.message.clone(),
            truto_is_remote_error: p.remote,
            raw_response: p.raw_response.clone(),
            truto_error_insight: p.insight.clone(),
            fetch: p.fetch.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.0.status, self.0.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.0.status, Json(self.body())).into_response();
        response.headers_mut().extend(self.0.headers);
        response
    }
}

/// Parses Jamf's body as JSON when it is JSON, otherwise keeps it as (truncated) text.
fn raw_response_value(raw: &[u8]) -> Value {
    match serde_json::from_slice::<Value>(raw) {
        Ok(value) if value.to_string().len() <= RAW_RESPONSE_LIMIT => value,
        _ => {
            let text = String::from_utf8_lossy(raw);
            let end = text
                .char_indices()
                .map(|(i, _)| i)
                .take_while(|&i| i <= RAW_RESPONSE_LIMIT)
                .last()
                .unwrap_or(0);
            let truncated = if text.len() > RAW_RESPONSE_LIMIT {
                &text[..end]
            } else {
                &text
            };
            Value::String(truncated.to_string())
        }
    }
}

/// RFC 6749 §5.2 error body, used only by `/auth/token`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": "invalid_client", "error_description": "client authentication failed"}))]
pub struct OAuthErrorBody {
    /// One of `invalid_request`, `invalid_client`, `unsupported_grant_type`, `invalid_scope`.
    pub error: &'static str,
    pub error_description: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn render(err: ApiError) -> (StatusCode, HeaderMap, Value) {
        let response = err.into_response();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, headers, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn envelope_has_exactly_the_truto_fields() {
        let (status, _, body) = render(ApiError::not_found("no such account")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            serde_json::json!({"statusCode": 404, "error": "Not Found", "message": "no such account"})
        );
    }

    #[tokio::test]
    async fn remote_errors_carry_jamf_body() {
        let jamf = br#"{"httpStatus":401,"errors":[]}"#;
        let (status, _, body) = render(ApiError::remote(
            StatusCode::UNAUTHORIZED,
            "Jamf refused the credentials",
            Some(jamf),
        ))
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["truto_is_remote_error"], true);
        assert_eq!(body["raw_response"]["httpStatus"], 401);
        assert!(body["truto_error_insight"]["remote_error"].is_object());
    }

    #[tokio::test]
    async fn non_json_remote_bodies_are_truncated_text() {
        let html = "<html>".repeat(2000);
        let (_, _, body) = render(ApiError::remote(
            StatusCode::BAD_GATEWAY,
            "x",
            Some(html.as_bytes()),
        ))
        .await;
        let raw = body["raw_response"].as_str().unwrap();
        assert!(raw.len() <= RAW_RESPONSE_LIMIT && raw.starts_with("<html>"));
    }

    #[tokio::test]
    async fn unauthorized_challenges_and_429_says_when() {
        let (_, headers, _) = render(ApiError::unauthorized("missing bearer token")).await;
        assert!(
            headers[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        let (status, headers, _) = render(ApiError::too_many_requests(7)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers[header::RETRY_AFTER], "7");
    }

    #[tokio::test]
    async fn missing_parameters_are_listed_in_the_insight() {
        let (_, _, body) = render(ApiError::missing_query_parameters(&[
            "integrated_account_id",
        ]))
        .await;
        assert_eq!(
            body["truto_error_insight"]["missing_required_query_parameters"]["value"][0],
            "integrated_account_id"
        );
    }
}

/// The errors every operation on one integrated account or webhook documents alike.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // read by the OpenAPI derive only
pub enum OneResourceErrors {
    #[response(status = 401, description = "Missing or invalid bearer token")]
    Unauthorized(ErrorBody),
    #[response(
        status = 403,
        description = "Token lacks the operation's scope: `accounts:read` or `webhooks:read` to read, `accounts:write` or `webhooks:write` to change"
    )]
    Forbidden(ErrorBody),
    #[response(
        status = 404,
        description = "No such account or webhook, or not one of the caller's tenants"
    )]
    NotFound(ErrorBody),
    #[response(status = 500, description = "Storage failure")]
    Internal(ErrorBody),
}
