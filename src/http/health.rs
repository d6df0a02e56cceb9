//! Orchestrator probes. Liveness checks nothing external; readiness checks local prerequisites
//! only — a Jamf outage never makes the service unready (every replica would go at once), and
//! neither does a Redis outage: replicas then serve from their own memory, and readiness says
//! `"redis": "degraded"`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(ready))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the probe passes, `unavailable` otherwise.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// The checks this probe ran.
    pub checks: Vec<HealthCheck>,
    /// Readiness only: the shared tier. `ok` while Redis answers, `degraded` while this
    /// replica serves from its own memory (still ready), `disabled` without `[redis]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "ok")]
    pub redis: Option<&'static str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthCheck {
    #[schema(example = "database")]
    pub name: &'static str,
    #[schema(example = "ok")]
    pub status: &'static str,
    /// Why the check failed; absent when it passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Liveness: the process serves HTTP.
#[utoipa::path(get, path = "/health/live", tag = "operations",
    responses(
        (status = 200, description = "The process is alive", body = Health),
        (status = 413, description = "A request body over `server.body_limit_bytes`", body = ErrorBody),
    ))]
async fn live() -> Json<Health> {
    Json(Health {
        status: "ok",
        checks: Vec::new(),
        redis: None,
    })
}

/// Readiness: the service can serve requests (its database answers). Also reports the shared
/// tier, which never makes it unready.
#[utoipa::path(get, path = "/health/ready", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 413, description = "A request body over `server.body_limit_bytes`", body = ErrorBody),
        (status = 503, description = "A check failed", body = Health),
    ))]
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = match state.accounts.ping().await {
        Ok(()) => None,
        Err(err) => {
            tracing::warn!(error = %err, "readiness: the database does not answer");
            Some("the database does not answer".to_owned())
        }
    };
    let checks = vec![HealthCheck {
        name: "database",
        status: if database.is_none() { "ok" } else { "failed" },
        error: database,
    }];
    let ok = checks.iter().all(|c| c.error.is_none());
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Health {
            status: if ok { "ok" } else { "unavailable" },
            checks,
            redis: Some(
                state
                    .shared_tier
                    .as_ref()
                    .map_or("disabled", |tier| tier.status()),
            ),
        }),
    )
}
