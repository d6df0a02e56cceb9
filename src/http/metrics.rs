//! `GET /metrics` in Prometheus text format.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// Prometheus metrics: requests by route template and status, Jamf requests, cache, tokens,
/// integrated accounts by status, webhook deliveries by outcome, pending deliveries and the age
/// of the oldest.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition format", content_type = "text/plain", body = String),
        (status = 413, description = "A request body over `server.body_limit_bytes`", body = ErrorBody),
    ))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    // Read from the database at scrape time, so every replica reports the shared truth.
    match state.accounts.count_by_status().await {
        Ok(counts) => {
            for (status, n) in counts {
                metrics::gauge!("integrated_accounts", "status" => status.as_str()).set(n as f64);
            }
        }
        Err(err) => tracing::warn!(%err, "cannot count integrated accounts for /metrics"),
    }
    if let Err(err) = state.webhooks.report_pending().await {
        tracing::warn!(%err, "cannot count pending webhook deliveries for /metrics");
    }
    state.metrics.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
