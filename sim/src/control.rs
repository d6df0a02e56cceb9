//! `SimControl`: faults, run-time switches and counters, from Rust and over HTTP
//! (`/__sim/...`, never counted, never faulted, no auth).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::config::{SimConfig, SsoConfig};
use super::data::Dataset;
use super::faults::{Availability, Faults};
use super::state::SimState;
use super::stats::SimStats;

/// Handle on a running simulator; cheap to clone.
#[derive(Clone)]
pub struct SimControl(pub(crate) Arc<SimState>);

impl SimControl {
    /// Replaces all faults; `Err` names the invalid field.
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        self.0.set_faults(faults)
    }

    pub fn faults(&self) -> Faults {
        self.0.faults()
    }

    pub fn clear_faults(&self) {
        // The default faults always validate.
        let _ = self.0.set_faults(Faults::default());
    }

    /// "Going away" (`Refuse` / `Unavailable`) and coming back (`Up`), keeping other faults.
    pub fn set_availability(&self, availability: Availability) {
        let faults = Faults {
            availability,
            ..self.0.faults()
        };
        let _ = self.0.set_faults(faults);
    }

    /// Every issued token stops working at once (401 on next use).
    pub fn revoke_tokens(&self) {
        self.0.tokens.clear();
    }

    /// Number of live (issued, not invalidated) tokens, expired ones included until used.
    pub fn live_tokens(&self) -> usize {
        self.0.tokens.len()
    }

    /// The live token values themselves (tests check they never reach a log).
    pub fn live_token_values(&self) -> Vec<String> {
        self.0.tokens.values()
    }

    /// Moves simulated time forward: tokens expire as if `by` had passed.
    pub fn advance_clock(&self, by: Duration) {
        self.0.clock.advance(by);
    }

    /// A disabled client gets `invalid_client`; tokens it already holds keep working, as on
    /// Jamf ("disabling an API client does not revoke access tokens already generated").
    pub fn set_client_enabled(&self, enabled: bool) {
        self.0.update(|r| r.client_enabled = enabled);
    }

    /// Replaces the privileges of the client's API role; effective immediately.
    pub fn set_client_privileges(&self, privileges: Vec<String>) {
        self.0.update(|r| r.client_privileges = privileges);
    }

    /// Switches the reported version and with it the available endpoints.
    pub fn set_jamf_version(&self, version: &str) {
        self.0.update(|r| r.jamf_version = version.to_owned());
    }

    pub fn set_sso(&self, sso: SsoConfig) {
        self.0.update(|r| r.sso = sso);
    }

    pub fn stats(&self) -> SimStats {
        self.0.stats.snapshot()
    }

    pub fn reset_stats(&self) {
        self.0.stats.reset();
    }

    pub fn dataset(&self) -> &Dataset {
        &self.0.data
    }

    /// Changes the tenant at run time (an admin disabled, added, removed, given a role): every
    /// later request sees the edited dataset.
    pub fn edit_dataset(&self, edit: impl FnOnce(&mut Dataset)) {
        self.0.data.edit(edit);
    }

    pub fn config(&self) -> &SimConfig {
        &self.0.config
    }
}

type Ctl = State<SimControl>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientBody {
    enabled: Option<bool>,
    privileges: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionBody {
    version: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    secs: u64,
}

async fn set_faults(State(c): Ctl, Json(faults): Json<Faults>) -> Response {
    match c.set_faults(faults) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": e })),
        )
            .into_response(),
    }
}

async fn set_client(State(c): Ctl, Json(body): Json<ClientBody>) -> StatusCode {
    if let Some(enabled) = body.enabled {
        c.set_client_enabled(enabled);
    }
    if let Some(privileges) = body.privileges {
        c.set_client_privileges(privileges);
    }
    StatusCode::NO_CONTENT
}

/// The control routes, mounted under `/__sim`.
pub fn routes(control: SimControl) -> Router {
    Router::new()
        .route(
            "/__sim/stats",
            get(|State(c): Ctl| async move { Json(c.stats()) }),
        )
        .route(
            "/__sim/stats/reset",
            post(|State(c): Ctl| async move {
                c.reset_stats();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/__sim/faults",
            get(|State(c): Ctl| async move { Json(c.faults()) })
                .post(set_faults)
                .delete(|State(c): Ctl| async move {
                    c.clear_faults();
                    StatusCode::NO_CONTENT
                }),
        )
        .route(
            "/__sim/revoke-tokens",
            post(|State(c): Ctl| async move {
                c.revoke_tokens();
                StatusCode::NO_CONTENT
            }),
        )
        .route("/__sim/client", post(set_client))
        .route(
            "/__sim/version",
            post(|State(c): Ctl, Json(b): Json<VersionBody>| async move {
                c.set_jamf_version(&b.version);
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/__sim/sso",
            post(|State(c): Ctl, Json(sso): Json<SsoConfig>| async move {
                c.set_sso(sso);
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/__sim/clock/advance",
            post(|State(c): Ctl, Json(b): Json<AdvanceBody>| async move {
                c.advance_clock(Duration::from_secs(b.secs));
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(control)
}
