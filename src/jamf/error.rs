//! What can go wrong talking to Jamf. Messages name endpoints (path templates) and statuses,
//! never a token, secret or password; bodies are Jamf's own error bodies, truncated.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

use super::endpoints::ALL;
use super::url_policy::UrlRefusal;

/// An endpoint template or privilege name: always one of `endpoints`' constants. Spelled
/// through this alias so serde's derive does not take `&'static str` for a borrow of the
/// input (which would tie deserialization to `'static` input).
pub type StaticText = &'static str;

/// Longest Jamf error body kept, in bytes; enough for an ApiError or a Classic status page.
const BODY_LIMIT: usize = 4096;

/// Serializable so that replicas sharing a fetch can share its failure too.
#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum JamfError {
    /// Jamf refused the credentials or the token, after one re-authentication.
    #[error("Jamf rejected the credentials (401)")]
    Unauthorized { body: String },
    /// The API client or account lacks a privilege for this endpoint.
    #[error("Jamf refused {endpoint} (403){}", privilege_hint(.privilege))]
    Forbidden {
        #[serde(deserialize_with = "template")]
        endpoint: StaticText,
        #[serde(deserialize_with = "privilege")]
        privilege: Option<StaticText>,
        body: String,
    },
    #[error("Jamf has no such resource at {endpoint} (404)")]
    NotFound {
        #[serde(deserialize_with = "template")]
        endpoint: StaticText,
        body: String,
    },
    /// Any other non-success status, after retries where retries apply. 3xx lands here too:
    /// redirects are never followed (see `transport`).
    #[error("Jamf answered {status} on {endpoint}")]
    Upstream {
        #[serde(deserialize_with = "template")]
        endpoint: StaticText,
        status: u16,
        body: String,
    },
    #[error("Jamf is unreachable: {reason}")]
    Unreachable { reason: String },
    #[error("Jamf did not answer {endpoint} within {:?}", .after)]
    Timeout {
        #[serde(deserialize_with = "template")]
        endpoint: StaticText,
        after: Duration,
    },
    #[error("the Jamf fetch did not finish within its {:?} deadline", .after)]
    DeadlineExceeded { after: Duration },
    #[error("Jamf sent an unreadable body on {endpoint}: {reason}")]
    Parse {
        #[serde(deserialize_with = "template")]
        endpoint: StaticText,
        reason: String,
    },
    #[error("Jamf's response on {endpoint} exceeds the {limit}-byte cap")]
    ResponseTooLarge {
        #[serde(deserialize_with = "template")]
        endpoint: StaticText,
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

    /// How a read ended, as a fetch's account of its reads states it: Jamf's HTTP status, or
    /// what stood for one when Jamf gave none.
    pub fn outcome(&self) -> String {
        match self {
            Self::Unauthorized { .. } => "401".into(),
            Self::Forbidden { .. } => "403".into(),
            Self::NotFound { .. } => "404".into(),
            Self::Upstream { status, .. } => status.to_string(),
            Self::Unreachable { .. } => "unreachable".into(),
            Self::Timeout { .. } => "timeout".into(),
            Self::DeadlineExceeded { .. } => "deadline".into(),
            Self::Parse { .. } => "unreadable".into(),
            Self::ResponseTooLarge { .. } => "too_large".into(),
            Self::TooManyRecords { .. } => "too_many_records".into(),
            Self::Refused(_) => "refused".into(),
        }
    }

    /// True when Jamf (rather than this service or its configuration) caused the error, which
    /// the HTTP layer reports as `truto_is_remote_error`.
    pub fn is_remote(&self) -> bool {
        !matches!(self, Self::Refused(_))
    }
}

/// The known template equal to the text read; an unknown one reads as a generic name.
fn template<'de, D: Deserializer<'de>>(deserializer: D) -> Result<StaticText, D::Error> {
    let text = String::deserialize(deserializer)?;
    let known = ALL.iter().map(|e| e.template);
    Ok(known
        .clone()
        .find(|t| *t == text)
        .unwrap_or(ALL[ALL.len() - 1].template))
}

/// The known privilege equal to the text read, if any.
fn privilege<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<StaticText>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    Ok(text.and_then(|text| ALL.iter().filter_map(|e| e.privilege).find(|p| *p == text)))
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
    fn failures_read_back_as_they_were_written() {
        let cases = [
            JamfError::Forbidden {
                endpoint: "/api/v3/sso",
                privilege: Some("Read SSO Settings"),
                body: "{}".into(),
            },
            JamfError::Unauthorized { body: "no".into() },
            JamfError::Timeout {
                endpoint: "/JSSResource/accounts/userid/{id}",
                after: Duration::from_millis(1500),
            },
            JamfError::Refused(UrlRefusal::NonPublicResolution),
        ];
        for err in cases {
            let text = serde_json::to_string(&err).unwrap();
            let back: JamfError = serde_json::from_str(&text).unwrap();
            assert_eq!(back.to_string(), err.to_string());
            assert_eq!(back.body(), err.body());
        }
        let odd: JamfError =
            serde_json::from_str(r#"{"kind":"not_found","detail":{"endpoint":"/x","body":""}}"#)
                .unwrap();
        assert_eq!(
            odd.to_string(),
            "Jamf has no such resource at (a Jamf endpoint) (404)"
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
