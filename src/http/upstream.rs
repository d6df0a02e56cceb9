//! How Jamf's failures reach callers: Jamf 401 → 401, 403 → 403 naming the
//! privilege, unreachable or 5xx after retries → 502, deadline → 504; all flagged
//! `truto_is_remote_error` with Jamf's body as `raw_response`.

use axum::http::StatusCode;

use super::error::{ApiError, FetchProgressBody};
use crate::directory::DirectoryError;
use crate::jamf::JamfError;

impl From<DirectoryError> for ApiError {
    fn from(err: DirectoryError) -> Self {
        match err {
            DirectoryError::Account(err) => err.into(),
            DirectoryError::Jamf(err) => jamf_error(&err),
            DirectoryError::NeedsReauth { .. } => ApiError::remote(
                StatusCode::UNAUTHORIZED,
                format!(
                    "{err}; it is not asked again until the integrated account gets new \
                     credentials (PATCH /integrated-account/{{id}}) or \
                     POST /integrated-account/refresh-credentials succeeds"
                ),
                None,
            ),
            DirectoryError::StillFetching(progress) => ApiError::still_fetching(
                FetchProgressBody {
                    started_at: progress.started_at,
                    requests_done: progress.requests_done,
                    requests_planned: progress.requests_planned,
                },
                progress
                    .estimated_remaining
                    .map_or(RETRY_AFTER_UNKNOWN_SECS, |left| {
                        left.as_secs_f64().ceil() as u64
                    }),
            ),
        }
    }
}

/// `Retry-After` for a fetch with no pace to estimate from yet.
const RETRY_AFTER_UNKNOWN_SECS: u64 = 5;

pub fn jamf_error(err: &JamfError) -> ApiError {
    let status = match err {
        JamfError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
        JamfError::Forbidden { .. } => StatusCode::FORBIDDEN,
        JamfError::Timeout { .. } | JamfError::DeadlineExceeded { .. } => {
            StatusCode::GATEWAY_TIMEOUT
        }
        JamfError::NotFound { .. }
        | JamfError::Upstream { .. }
        | JamfError::Unreachable { .. }
        | JamfError::Parse { .. }
        | JamfError::ResponseTooLarge { .. }
        | JamfError::TooManyRecords { .. }
        | JamfError::Refused(_) => StatusCode::BAD_GATEWAY,
    };
    let message = match err {
        JamfError::Unauthorized { .. } => format!(
            "{err}; the integrated account needs new credentials (PATCH /integrated-account/{{id}})"
        ),
        _ => err.to_string(),
    };
    if err.is_remote() {
        ApiError::remote(status, message, err.body().map(str::as_bytes))
    } else {
        ApiError::new(status, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn maps_each_failure_to_its_status() {
        let cases = [
            (
                JamfError::Unauthorized {
                    body: r#"{"httpStatus":401,"errors":[]}"#.into(),
                },
                401,
            ),
            (
                JamfError::Forbidden {
                    endpoint: "/api/v3/sso",
                    privilege: Some("Read SSO Settings"),
                    body: String::new(),
                },
                403,
            ),
            (
                JamfError::Upstream {
                    endpoint: "/api/v1/accounts",
                    status: 503,
                    body: String::new(),
                },
                502,
            ),
            (
                JamfError::Unreachable {
                    reason: "connection refused".into(),
                },
                502,
            ),
            (
                JamfError::Timeout {
                    endpoint: "/api/v1/accounts",
                    after: Duration::from_secs(30),
                },
                504,
            ),
            (
                JamfError::DeadlineExceeded {
                    after: Duration::from_secs(60),
                },
                504,
            ),
        ];
        for (err, status) in cases {
            let api = jamf_error(&err);
            assert_eq!(api.status().as_u16(), status, "{err}");
            assert!(api.is_remote());
        }
        let forbidden = jamf_error(&JamfError::Forbidden {
            endpoint: "/api/v3/sso",
            privilege: Some("Read SSO Settings"),
            body: String::new(),
        });
        assert!(forbidden.message().contains("Read SSO Settings"));
    }
}
