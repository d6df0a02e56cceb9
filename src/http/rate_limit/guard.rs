//! The middleware on every bearer route: authenticate, spend one request of the caller's
//! quota, and report in the `RateLimit` headers the tighter of it and whatever integrated
//! account quota the handler spent.

use axum::extract::{FromRequestParts as _, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Decision;
use crate::http::caller::Caller;
use crate::http::error::ApiError;
use crate::http::state::AppState;

/// Route layer of the caller API (see `http::app`).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    // Unauthenticated requests spend no quota: they are refused here, at the cost of one
    // HMAC, before any handler or store work.
    let caller = match Caller::from_request_parts(&mut parts, &state).await {
        Ok(caller) => caller,
        Err(rejection) => return rejection.into_response(),
    };
    let decision = state.limits.client(&caller.client_id).await;
    if decision.denied() {
        return refuse(decision, "this client");
    }
    let spend = caller.account_spend.clone();
    // The handler's `Caller` extractor takes it from here instead of verifying again.
    parts.extensions.insert(caller);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    // A handler that reached Jamf for an integrated account spent that account's quota too.
    let decision = spend
        .get()
        .map_or(decision, |spent| decision.tighter(spent));
    decision.write_headers(response.headers_mut());
    response
}

fn refuse(decision: Decision, whose: &str) -> Response {
    let err = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!(
            "rate limit of {} requests per {} s for {whose} exceeded; retry after {} s",
            decision.limit,
            decision.window.as_secs(),
            decision.retry_after_secs()
        ),
    );
    let mut response = err.into_response();
    decision.write_headers(response.headers_mut());
    response
}
