//! `/webhooks`: subscribe to change notifications. Scopes: `webhooks:read` to read,
//! `webhooks:write` to change. Another tenant's webhook answers exactly like an unknown id.

mod body;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use self::body::{
    AttemptList, CreatedBody, TestBody, WebhookBody, WebhookCreateBody, WebhookDeleted,
    WebhookList, WebhookPatchBody,
};
use super::body::parse;
use super::caller::Caller;
use super::error::{ApiError, ErrorBody, OneResourceErrors};
use super::state::AppState;
use crate::accounts::TenantScope;
use crate::webhooks::{Webhook, WebhookError};

const READ: &str = "webhooks:read";
const WRITE: &str = "webhooks:write";
const DEFAULT_ATTEMPTS: u32 = 100;
const MAX_ATTEMPTS: u32 = 1000;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_webhook, list_webhooks))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
        .routes(routes!(test_webhook))
        .routes(routes!(list_deliveries))
}

impl From<WebhookError> for ApiError {
    fn from(err: WebhookError) -> Self {
        match err {
            WebhookError::NotFound => ApiError::not_found("webhook not found"),
            WebhookError::Url(refusal) => ApiError::bad_request(format!("url: {refusal}")),
            WebhookError::Invalid(message) => ApiError::bad_request(message),
            WebhookError::Store(_) | WebhookError::Seal(_) => {
                tracing::error!(error = %err, "webhook storage failed");
                ApiError::internal()
            }
        }
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("webhook {id} not found"))
}

/// The webhook when it exists and the caller may see its tenant; otherwise the same 404 (ids
/// that are not UUIDs cannot exist either).
async fn visible(state: &AppState, caller: &Caller, raw: &str) -> Result<Webhook, ApiError> {
    let id = Uuid::parse_str(raw.trim()).map_err(|_| not_found(raw))?;
    match state.webhooks.get(id).await {
        Ok(webhook) if caller.can_see(&webhook.tenant_id) => Ok(webhook),
        Ok(_) | Err(WebhookError::NotFound) => Err(not_found(raw)),
        Err(err) => Err(err.into()),
    }
}

/// Subscribe a URL to events.
///
/// The URL follows the outbound rules: `https`, a public address (unless the deployment sets
/// `webhooks.allow_private_networks`), never link-local or cloud-metadata addresses, no
/// user-info, query or fragment; redirects are not followed. The answer carries the signing
/// `secret` — the only time it is shown.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks",
    security(("bearer" = [])),
    request_body(content = WebhookCreateBody, example = json!({"url": "https://hooks.example.com/jamf",
        "events": ["integrated_account:authentication_error", "record:updated"], "tenant_id": "acme"})),
    responses(
        (status = 201, description = "Subscribed; `secret` is shown only here", body = CreatedBody),
        (status = 400, description = "Malformed body, missing url or tenant_id, unknown event, or refused URL; nothing stored", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "Token lacks `webhooks:write`, or the caller may not see this tenant", body = ErrorBody),
        (status = 500, description = "Storage failure", body = ErrorBody),
    ))]
async fn create_webhook(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<CreatedBody>), ApiError> {
    caller.require(WRITE)?;
    let (tenant, url, events) = parse::<WebhookCreateBody>(&body)?.validate(&caller)?;
    let (webhook, secret) = state.webhooks.create(tenant, &url, events).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedBody::new(webhook, &secret)),
    ))
}

/// List the webhooks of the caller's tenants, oldest first.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The webhooks (secrets never shown)", body = WebhookList),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "Token lacks `webhooks:read`", body = ErrorBody),
        (status = 500, description = "Storage failure", body = ErrorBody),
    ))]
async fn list_webhooks(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<WebhookList>, ApiError> {
    caller.require(READ)?;
    let webhooks = state
        .webhooks
        .list(&TenantScope::from_list(&caller.tenants))
        .await?;
    Ok(Json(WebhookList {
        result: webhooks.into_iter().map(WebhookBody::from).collect(),
    }))
}

/// Get one webhook.
#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The webhook", body = WebhookBody),
        OneResourceErrors,
    ))]
async fn get_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WebhookBody>, ApiError> {
    caller.require(READ)?;
    Ok(Json(visible(&state, &caller, &id).await?.into()))
}

/// Change the URL, the events, or pause and resume (`is_active`).
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    request_body(content = WebhookPatchBody, example = json!({"is_active": true})),
    responses(
        (status = 200, description = "Updated", body = WebhookBody),
        (status = 400, description = "Malformed body, nothing to change, unknown event or refused URL", body = ErrorBody),
        OneResourceErrors,
    ))]
async fn update_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<WebhookBody>, ApiError> {
    caller.require(WRITE)?;
    let webhook = visible(&state, &caller, &id).await?;
    let patch = parse::<WebhookPatchBody>(&body)?.validate()?;
    Ok(Json(state.webhooks.update(webhook.id, patch).await?.into()))
}

/// Remove a webhook, its pending deliveries and its delivery log.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "Removed", body = WebhookDeleted),
        OneResourceErrors,
    ))]
async fn delete_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WebhookDeleted>, ApiError> {
    caller.require(WRITE)?;
    let webhook = visible(&state, &caller, &id).await?;
    if !state.webhooks.delete(webhook.id).await? {
        return Err(not_found(&id));
    }
    Ok(Json(WebhookDeleted { id: webhook.id }))
}

/// Send a `webhook:test` event now, once, signed like every delivery.
///
/// The answer says whether the receiver took it (any 2xx) and shows the attempt, which is also
/// in the delivery log. Not retried.
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "Attempted; `delivered` says whether the receiver answered 2xx", body = TestBody),
        OneResourceErrors,
    ))]
async fn test_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TestBody>, ApiError> {
    caller.require(WRITE)?;
    let webhook = visible(&state, &caller, &id).await?;
    let outcome = state.webhooks.test(&webhook).await?;
    Ok(Json(TestBody {
        delivered: outcome.delivered,
        attempt: outcome.attempt,
    }))
}

/// The delivery log: each attempt with its time, event, HTTP status or error, and latency.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Webhook id"),
        ("limit" = Option<u32>, Query, description = "Latest attempts to show, 1-1000 (default 100)"),
    ),
    responses(
        (status = 200, description = "Attempts, newest first", body = AttemptList),
        (status = 400, description = "Unknown parameter or bad limit", body = ErrorBody),
        OneResourceErrors,
    ))]
async fn list_deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<AttemptList>, ApiError> {
    caller.require(READ)?;
    let limit = attempts_limit(query.as_deref())?;
    let webhook = visible(&state, &caller, &id).await?;
    Ok(Json(AttemptList {
        result: state.webhooks.attempts(webhook.id, limit).await?,
    }))
}

fn attempts_limit(query: Option<&str>) -> Result<u32, ApiError> {
    let mut limit = DEFAULT_ATTEMPTS;
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if name != "limit" {
            return Err(ApiError::bad_request(format!(
                "query parameter {name}: unknown parameter"
            )));
        }
        limit = value
            .trim()
            .parse()
            .ok()
            .filter(|l| (1..=MAX_ATTEMPTS).contains(l))
            .ok_or_else(|| {
                ApiError::bad_request("query parameter limit: must be an integer from 1 to 1000")
            })?;
    }
    Ok(limit)
}
