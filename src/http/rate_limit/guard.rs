//! The middleware on every bearer route: authenticate, spend one request of the caller's quota
//! and, when the request names an integrated account the caller may see, one of that account's.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts as _, MatchedPath, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::value::RawValue;
use uuid::Uuid;

use super::Decision;
use crate::http::caller::Caller;
use crate::http::error::ApiError;
use crate::http::review::{LEAVERS_BODY_LIMIT, LEAVERS_PATH};
use crate::http::state::AppState;

const ACCOUNT_PATH: &str = "/integrated-account/{id}";
const REFRESH_PATH: &str = "/integrated-account/refresh-credentials";

/// POST routes that name their account in the JSON body: the field, and the body cap.
fn body_named(template: &str, state: &AppState) -> Option<(&'static str, usize)> {
    match template {
        REFRESH_PATH => Some(("id", state.settings.server.body_limit_bytes)),
        LEAVERS_PATH => Some(("integrated_account_id", LEAVERS_BODY_LIMIT)),
        _ => None,
    }
}

/// Route layer of the caller API (see `http::app`).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    // Unauthenticated requests spend no quota: they are refused here, at the cost of one
    // HMAC, before any handler or store work.
    let caller = match Caller::from_request_parts(&mut parts, &state).await {
        Ok(caller) => caller,
        Err(rejection) => return rejection.into_response(),
    };
    let limits = &state.limits;
    let mut decision = limits.client(&caller.client_id);
    if decision.denied() {
        return refuse(decision, "this client");
    }
    let (account, body) = match named_account(&mut parts, body, &state).await {
        Ok(found) => found,
        Err(err) => return with_headers(err.into_response(), decision),
    };
    if let Some(id) = account
        && visible(&state, &caller, id).await
    {
        let spent = limits.account(id);
        if spent.denied() {
            return refuse(spent, "this integrated account");
        }
        decision = decision.tighter(spent);
    }
    // The handler's `Caller` extractor takes it from here instead of verifying again.
    parts.extensions.insert(caller);
    let response = next.run(Request::from_parts(parts, body)).await;
    with_headers(response, decision)
}

fn with_headers(mut response: Response, decision: Decision) -> Response {
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
    with_headers(err.into_response(), decision)
}

/// Whether the account exists and the caller may see it. Others' accounts and unknown ids
/// spend nothing, so no caller can drain another tenant's quota and keys stay bounded by the
/// accounts that exist. The handler answers those requests with its usual 404. (The account
/// service keeps recent reads, so this costs no extra database round trip.)
async fn visible(state: &AppState, caller: &Caller, id: Uuid) -> bool {
    state
        .accounts
        .get(id)
        .await
        .is_ok_and(|account| caller.can_see(&account.tenant_id))
}

/// The fields of a JSON body that may name an account; the rest is skipped unparsed (a
/// leavers body holds up to 10,000 people).
#[derive(serde::Deserialize)]
struct NamedIn {
    id: Option<Box<RawValue>>,
    integrated_account_id: Option<Box<RawValue>>,
}

impl NamedIn {
    fn string(&self, field: &str) -> Option<String> {
        let raw = match field {
            "id" => self.id.as_ref(),
            _ => self.integrated_account_id.as_ref(),
        };
        raw.and_then(|raw| serde_json::from_str(raw.get()).ok())
    }
}

/// The integrated account a request names: `integrated_account_id` in the query (unified
/// API), the `{id}` of `/integrated-account/{id}`, `id` in a refresh-credentials body, or
/// `integrated_account_id` in a leavers body.
/// Malformed values name nothing; the handler refuses them.
async fn named_account(
    parts: &mut Parts,
    body: Body,
    state: &AppState,
) -> Result<(Option<Uuid>, Body), ApiError> {
    let uuid = |raw: &str| Uuid::parse_str(raw.trim()).ok();
    if let Some(query) = parts.uri.query() {
        let named = url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "integrated_account_id")
            .and_then(|(_, value)| uuid(&value));
        if named.is_some() {
            return Ok((named, body));
        }
    }
    let template = parts
        .extensions
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    match template.as_deref() {
        Some(ACCOUNT_PATH) => {
            let params = RawPathParams::from_request_parts(parts, state).await.ok();
            let named = params
                .as_ref()
                .and_then(|p| p.iter().find(|(name, _)| *name == "id"))
                .and_then(|(_, value)| uuid(value));
            Ok((named, body))
        }
        Some(template) if parts.method == Method::POST => {
            let Some((field, limit)) = body_named(template, state) else {
                return Ok((None, body));
            };
            // The body is read here and handed on intact; the body-limit layer outside has
            // already capped it.
            let bytes = to_bytes(body, limit).await.map_err(|_| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "the request body is too large or was cut short",
                )
            })?;
            let named = serde_json::from_slice::<NamedIn>(&bytes)
                .ok()
                .and_then(|named| named.string(field))
                .and_then(|id| uuid(&id));
            Ok((named, Body::from(bytes)))
        }
        _ => Ok((None, body)),
    }
}
