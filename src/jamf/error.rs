//! What can go wrong talking to Jamf. Messages name endpoints (path templates) and statuses,
//! never a token, secret or password; bodies are Jamf's own error bodies, truncated.

use std::time::Duration;

use super::url_policy::UrlRefusal;

/// Longest Jamf error body kept, in bytes; enough for an ApiError or a Classic status page.
const BODY_LIMIT: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum JamfError {
    /// Jamf refused the credentials or the token, after one re-authentication.
    #[error("Jamf rejected the credentials (401)")]
    Unauthorized { body: String },
    /// The API client or account lacks a privilege for this endpoint.
    #[error("Jamf refused {endpoint} (403){}", privilege_hint(.privilege))]
    Forbidden {
        endpoint: &'static str,
        privilege: Option<&'static str>,
        body: String,
    },
    #[error("Jamf has no such resource at {endpoint} (404)")]
    NotFound {
        endpoint: &'static str,
        body: String,
    },
    /// Any other non-success status, after retries where retries apply. 3xx lands here too:
    /// redirects are never followed (see `transport`).
    #[error("Jamf answered {status} on {endpoint}")]
    Upstream {
        endpoint: &'static str,
        status: u16,
        body: String,
    },
    #[error("Jamf is unreachable: {reason}")]
    Unreachable { reason: String },
    #[error("Jamf did not answer {endpoint} within {:?}", .after)]
    Timeout {
        endpoint: &'static str,
        after: Duration,
    },
    #[error("the Jamf fetch did not finish within its {:?} deadline", .after)]
    DeadlineExceeded { after: Duration },
    #[error("Jamf sent an unreadable body on {endpoint}: {reason}")]
    Parse {
        endpoint: &'static str,
        reason: String,
    },
    #[error("Jamf's response on {endpoint} exceeds the {limit}-byte cap")]
    ResponseTooLarge {
        endpoint: &'static str,
        limit: usize,
    },
    #[error(
        "the Jamf instance holds {reported} accounts, groups and API clients, more than the {limit} a fetch may hold (upstream.max_records)"
    )]
    TooManyRecords { reported: u64, limit: usize },
    #[error("refused Jamf URL: {0}")]
    Refused(#[from] UrlRefusal),
}

impl JamfError {
    /// Jamf's response body when Jamf answered (for `raw_response`), else `None`.
    pub fn body(&self) -> Option<&str> {
        match self {
            Self::Unauthorized { body }
            | Self::Forbidden { body, .. }
            | Self::NotFound { body, .. }
            | Self::Upstream { body, .. } => Some(body),
            _ => None,
        }
    }

    /// True when Jamf (rather than this service or its configuration) caused the error, which
    /// the HTTP layer reports as `truto_is_remote_error`.
    pub fn is_remote(&self) -> bool {
        !matches!(self, Self::Refused(_))
    }
}

fn privilege_hint(privilege: &Option<&'static str>) -> String {
    privilege
        .map(|p| format!("; the API role needs \"{p}\""))
        .unwrap_or_default()
}

/// Keeps at most [`BODY_LIMIT`] bytes of an error body, cut on a character boundary.
pub(crate) fn truncated_body(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(BODY_LIMIT)]);
    text.trim_end_matches('\u{fffd}').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_names_the_privilege() {
        let err = JamfError::Forbidden {
            endpoint: "/api/v3/sso",
            privilege: Some("Read SSO Settings"),
            body: String::new(),
        };
        assert_eq!(
            err.to_string(),
            "Jamf refused /api/v3/sso (403); the API role needs \"Read SSO Settings\""
        );
    }

    #[test]
    fn long_bodies_are_truncated_on_a_char_boundary() {
        let body = "é".repeat(BODY_LIMIT);
        let kept = truncated_body(body.as_bytes());
        assert!(kept.len() <= BODY_LIMIT);
        assert!(kept.chars().all(|c| c == 'é'));
    }
}
