//! Fault injection settings (set from Rust or `POST /__sim/faults`).

use serde::{Deserialize, Serialize};

/// Whether the simulated Jamf is reachable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    #[default]
    Up,
    /// "Going away": new connections are accepted and reset at once, and open keep-alive
    /// connections see EOF, so clients get connection errors rather than HTTP responses.
    Refuse,
    /// Maintenance: every request (token endpoint included) answers 503.
    Unavailable,
}

/// Injected faults. `Faults::default()` means none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Replaces the configured per-request latency.
    pub latency_ms: Option<u64>,
    /// Extra delay on the token endpoints (slow IdP/token service).
    pub token_latency_ms: u64,
    /// Probability in `[0, 1]` that a matching request answers `error_status`
    /// (deterministic sequence from the seed).
    pub error_rate: f64,
    /// The next `fail_next` matching requests answer `error_status`.
    pub fail_next: u32,
    /// A 5xx (500–599). 502–504 come as a proxy's HTML page, the others in Jamf's own style;
    /// one outside the registered codes (e.g. 599) is what a broken or hostile Jamf may send.
    pub error_status: u16,
    /// When not empty, each injected error takes one of these statuses in turn (a broken
    /// Jamf answering a mix of 500, 502 and 503) instead of `error_status`.
    pub error_statuses: Vec<u16>,
    /// Matching requests hang until the faults change.
    pub hang: bool,
    /// Endpoints the error and hang faults apply to, as route templates with or without the
    /// method (`"/JSSResource/accounts/userid/{id}"`, `"GET /api/v1/accounts"`); empty = all.
    pub endpoints: Vec<String>,
    /// Privileges removed from every principal (the API role lost them).
    pub missing_privileges: Vec<String>,
    pub availability: Availability,
    /// `/api/v1/auth/token` answers USER_EXPIRED_PASSWORD for the Basic user.
    pub expired_password: bool,
    /// Load shedding as Jamf Cloud does it: a request that finds more than this many requests
    /// in progress is refused with 503 and a "Jamf Cloud - Timeout" page, no `Retry-After`
    /// (token requests are never shed). Counted in [`SimStats::refused`](crate::SimStats).
    pub shed_above: Option<u64>,
    /// Serve `GET /api/v1/health-status` as Jamf Cloud does; off, it answers 404 as on
    /// premises.
    pub health_status: bool,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency_ms: None,
            token_latency_ms: 0,
            error_rate: 0.0,
            fail_next: 0,
            error_status: 503,
            error_statuses: Vec::new(),
            hang: false,
            endpoints: Vec::new(),
            missing_privileges: Vec::new(),
            availability: Availability::Up,
            expired_password: false,
            shed_above: None,
            health_status: false,
        }
    }
}

impl Faults {
    /// Requests to `endpoint` (a route template, with or without the method) hang until the
    /// faults change.
    pub fn hanging(endpoint: impl Into<String>) -> Faults {
        Faults {
            hang: true,
            endpoints: vec![endpoint.into()],
            ..Faults::default()
        }
    }

    /// Rejects settings that cannot be honoured, naming the field.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.error_rate) {
            return Err("error_rate must be between 0 and 1".to_owned());
        }
        let statuses = std::iter::once(&self.error_status).chain(&self.error_statuses);
        if statuses.clone().any(|status| !(500..=599).contains(status)) {
            return Err("error_status and error_statuses must be 5xx (500 to 599)".to_owned());
        }
        if self.shed_above == Some(0) {
            return Err("shed_above must be at least 1".to_owned());
        }
        Ok(())
    }

    /// Whether error and hang faults apply to `endpoint` ("METHOD /template").
    pub fn applies_to(&self, endpoint: &str) -> bool {
        self.endpoints.is_empty()
            || self.endpoints.iter().any(|e| {
                e == endpoint || endpoint.split_once(' ').is_some_and(|(_, path)| e == path)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoping_matches_with_or_without_method() {
        let f = Faults {
            endpoints: vec!["/api/v1/accounts".into()],
            ..Faults::default()
        };
        assert!(f.applies_to("GET /api/v1/accounts"));
        assert!(!f.applies_to("GET /api/v1/accounts/{id}"));
        assert!(Faults::default().applies_to("GET /anything"));
    }

    #[test]
    fn validation_names_the_field() {
        let bad = Faults {
            error_rate: 2.0,
            ..Faults::default()
        };
        assert!(bad.validate().unwrap_err().contains("error_rate"));
        let bad = Faults {
            error_status: 404,
            ..Faults::default()
        };
        assert!(bad.validate().unwrap_err().contains("error_status"));
        let unregistered = Faults {
            error_statuses: vec![500, 599],
            ..Faults::default()
        };
        assert!(unregistered.validate().is_ok());
    }

    #[test]
    fn json_defaults_fill_missing_fields() {
        let f: Faults = serde_json::from_str(r#"{"fail_next": 2}"#).unwrap();
        assert_eq!((f.fail_next, f.error_status), (2, 503));
        assert!(serde_json::from_str::<Faults>(r#"{"nope": 1}"#).is_err());
    }
}
