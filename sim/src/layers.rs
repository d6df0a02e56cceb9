//! Per-request middleware: in-flight gauge, counters, availability and latency (outer, every
//! request), then load shedding, injected errors and hangs (inner, matched routes, scoped by
//! template).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::errors::{self, Surface};
use super::faults::Availability;
use super::state::SimState;

/// Filled by the inner layer with `"METHOD /template"`, read by the outer one.
#[derive(Clone, Default)]
struct EndpointSlot(Arc<OnceLock<String>>);

/// Requests in progress when this one arrived (load shedding decides on it, not on the load
/// after the configured latency).
#[derive(Clone, Copy)]
struct ArrivalLoad(u64);

/// Control endpoints are invisible to counters and faults.
pub const CONTROL_PREFIX: &str = "/__sim";

pub async fn track(State(state): State<Arc<SimState>>, mut req: Request, next: Next) -> Response {
    if req.uri().path().starts_with(CONTROL_PREFIX) {
        return next.run(req).await;
    }
    let in_flight = state.stats.enter();
    let method = req.method().clone();
    let slot = EndpointSlot::default();
    req.extensions_mut().insert(slot.clone());
    req.extensions_mut()
        .insert(ArrivalLoad(in_flight.on_arrival()));
    let faults = state.faults();
    let resp = match faults.availability {
        Availability::Up => {
            let latency = faults
                .latency_ms
                .map_or(state.config.latency, Duration::from_millis);
            if !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
            next.run(req).await
        }
        Availability::Unavailable => errors::gateway_error(StatusCode::SERVICE_UNAVAILABLE),
        Availability::Refuse => {
            // Reached only by a request already read from an open connection; close it.
            let mut resp = errors::gateway_error(StatusCode::SERVICE_UNAVAILABLE);
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            resp
        }
    };
    let endpoint = slot
        .0
        .get()
        .cloned()
        .unwrap_or_else(|| format!("{method} unmatched"));
    state.stats.record(&endpoint, resp.status().as_u16());
    resp
}

pub async fn route_faults(
    State(state): State<Arc<SimState>>,
    matched: MatchedPath,
    req: Request,
    next: Next,
) -> Response {
    let endpoint = format!("{} {}", req.method(), matched.as_str());
    if let Some(slot) = req.extensions().get::<EndpointSlot>() {
        // Set once per request; a second set cannot happen on one request.
        let _ = slot.0.set(endpoint.clone());
    }
    let faults = state.faults();
    let shed = faults
        .shed_above
        .zip(req.extensions().get::<ArrivalLoad>())
        .is_some_and(|(limit, load)| load.0 > limit)
        && !is_token_request(req.uri().path());
    state.acceptance.record(!shed);
    if shed {
        state.stats.refuse();
        return errors::shed();
    }
    if faults.applies_to(&endpoint) {
        if faults.hang {
            hang(&state, &endpoint).await;
        }
        if state.roll_error(faults.error_rate) {
            let status = StatusCode::from_u16(state.next_error_status(&faults))
                .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return errors::injected(Surface::of(req.uri().path()), status);
        }
    }
    next.run(req).await
}

/// Token requests are never shed: a fetch cannot start without one, and clients do not retry
/// POSTs.
fn is_token_request(path: &str) -> bool {
    path.ends_with("/oauth/token") || path.starts_with("/api/v1/auth")
}

/// Waits until the faults no longer hang this endpoint.
async fn hang(state: &SimState, endpoint: &str) {
    loop {
        let changed = state.faults_changed.notified();
        tokio::pin!(changed);
        // Register before re-checking, so a change between check and wait is not missed.
        changed.as_mut().enable();
        let faults = state.faults();
        if !(faults.hang && faults.applies_to(endpoint)) {
            return;
        }
        changed.await;
    }
}
