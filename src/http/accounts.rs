//! `/integrated-account`: connect, list, read, update, delete and refresh Jamf Pro instances, in
//! Truto's shapes. Scopes: `accounts:read` to read, `accounts:write` to change. Another tenant's
//! account answers exactly like an unknown id.

pub(super) mod body;
mod render;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use self::body::{CreateBody, PatchBody, RefreshBody};
use self::render::{AccountBody, AccountList, Deleted, Refreshed, decode_cursor, encode_cursor};
use super::body::{missing_fields, parse};
use super::caller::Caller;
use super::error::{ApiError, ErrorBody, OneResourceErrors};
use super::rate_limit::spend_account;
use super::state::AppState;
use super::upstream::jamf_error;
use crate::accounts::{
    AccountError, AccountService, AccountStatus, IntegratedAccount, ListFilter, TenantScope,
};

const READ: &str = "accounts:read";
const WRITE: &str = "accounts:write";
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_account, list_accounts))
        .routes(routes!(get_account, update_account, delete_account))
        .routes(routes!(refresh_credentials))
}

/// HTTP-facing lookups of the service. They live here so `accounts` knows nothing of callers
/// or envelopes; the unified API uses them too.
impl AccountService {
    /// The account when it exists and `caller` may see its tenant; otherwise the same 404.
    pub async fn visible(&self, caller: &Caller, id: Uuid) -> Result<IntegratedAccount, ApiError> {
        match self.get(id).await {
            Ok(account) if caller.can_see(&account.tenant_id) => Ok(account),
            Ok(_) | Err(AccountError::NotFound) => Err(not_found(&id.to_string())),
            Err(err) => Err(err.into()),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::NotFound => ApiError::not_found("integrated account not found"),
            AccountError::InvalidUrl(refusal) => {
                ApiError::bad_request(format!("context.instance_url: {refusal}"))
            }
            AccountError::Invalid(message) => ApiError::bad_request(message),
            AccountError::Jamf(err) => jamf_error(&err),
            AccountError::Busy => ApiError::new(StatusCode::CONFLICT, err.to_string()),
            AccountError::Store(_) | AccountError::Seal(_) => {
                tracing::error!(error = %err, "integrated-account storage failed");
                ApiError::internal()
            }
        }
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("integrated account {id} not found"))
}

/// Ids that are not UUIDs cannot exist: the same 404 as an unknown id.
fn account_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw.trim()).map_err(|_| not_found(raw))
}

/// Connect a Jamf Pro instance.
///
/// The URL is checked first (`https`, no user-info, public addresses unless the deployment
/// allows private networks): a refused URL is `400` and nothing is stored. Then the account is
/// stored and validated against Jamf before the response: a Jamf token, `GET
/// /api/v1/jamf-pro-version`, and a probe that the API role can read accounts. Validation
/// failures are still `201`, with `status: "validation_error"` and `last_error`; fix the
/// account with `PATCH`. `context.company_name: "acme"` stands for `https://acme.jamfcloud.com`.
#[utoipa::path(post, path = "/integrated-account", tag = "integrated-accounts",
    security(("bearer" = [])),
    request_body(content = CreateBody, examples(
        ("oauth2_client_credentials" = (value = json!({"tenant_id": "acme",
            "authentication_method": "oauth2_client_credentials",
            "context": {"instance_url": "https://acme.jamfcloud.com",
                "client_id": "8f2c5a6e-3c1b-4f8e-9d0a-1b2c3d4e5f60", "client_secret": "…"}}))),
        ("basic" = (value = json!({"tenant_id": "acme", "authentication_method": "basic",
            "context": {"company_name": "acme", "username": "api-reader", "password": "…"}}))),
    )),
    responses(
        (status = 201, description = "Stored and validated (`active`) or stored with `validation_error`", body = AccountBody),
        (status = 400, description = "Malformed body, missing fields (named in `truto_error_insight.missing_required_body_fields`), bad tenant_id or refused URL; nothing stored", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "Token lacks `accounts:write`, or the caller may not see this tenant", body = ErrorBody),
        (status = 500, description = "Storage failure", body = ErrorBody),
    ))]
async fn create_account(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<AccountBody>), ApiError> {
    caller.require(WRITE)?;
    let (tenant, credentials) = parse::<CreateBody>(&body)?.validate()?;
    if !caller.can_see(&tenant) {
        return Err(ApiError::forbidden(format!(
            "this caller may not manage accounts of tenant {tenant:?}"
        )));
    }
    let account = state.accounts.create(tenant, credentials).await?;
    Ok((StatusCode::CREATED, Json(account.into())))
}

/// List integrated accounts.
///
/// Only accounts of the caller's tenants, oldest first. Filters: `tenant_id`, `status`.
/// `limit` 1–1000 (default 100); pass `next_cursor` back for the next page.
#[utoipa::path(get, path = "/integrated-account", tag = "integrated-accounts",
    security(("bearer" = [])),
    params(
        ("tenant_id" = Option<String>, Query, description = "Only this tenant's accounts"),
        ("status" = Option<AccountStatus>, Query, description = "Only accounts in this status"),
        ("limit" = Option<u32>, Query, description = "Page size, 1-1000 (default 100)"),
        ("next_cursor" = Option<String>, Query, description = "Opaque cursor from the previous page"),
    ),
    responses(
        (status = 200, description = "One page", body = AccountList, example = json!({
            "result": [{"id": "0190f3c2-6d4e-7a1b-9c2d-3e4f5a6b7c8d", "tenant_id": "acme",
                "status": "active", "authentication_method": "oauth2_client_credentials",
                "integration": {"name": "jamf"}, "context": {"instance_url": "https://acme.jamfcloud.com",
                "client_id": "8f2c5a6e-3c1b-4f8e-9d0a-1b2c3d4e5f60", "jamf_pro_version": "11.30.1",
                "capabilities": ["read_accounts"]}, "last_error": null,
                "created_at": "2025-07-01T10:00:00Z", "updated_at": "2025-07-01T10:00:01Z"}],
            "next_cursor": null, "limit": 100})),
        (status = 400, description = "Unknown parameter or bad value", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "Token lacks `accounts:read`", body = ErrorBody),
        (status = 500, description = "Storage failure", body = ErrorBody),
    ))]
async fn list_accounts(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<AccountList>, ApiError> {
    caller.require(READ)?;
    let filter = list_filter(query.as_deref(), &caller)?;
    let page = state.accounts.list(&filter).await?;
    Ok(Json(AccountList {
        result: page.accounts.into_iter().map(AccountBody::from).collect(),
        next_cursor: page.next_after.map(encode_cursor),
        limit: filter.limit,
    }))
}

fn list_filter(query: Option<&str>, caller: &Caller) -> Result<ListFilter, ApiError> {
    let mut filter = ListFilter {
        visible: TenantScope::from_list(&caller.tenants),
        tenant_id: None,
        status: None,
        after: None,
        limit: DEFAULT_LIMIT,
    };
    let mut seen = Vec::new();
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let invalid = |why: &str| ApiError::bad_request(format!("query parameter {name}: {why}"));
        if seen.contains(&name) {
            return Err(invalid("given more than once"));
        }
        match name.as_ref() {
            "tenant_id" => filter.tenant_id = Some(value.trim().to_owned()),
            "status" => {
                filter.status = Some(AccountStatus::parse(value.trim()).ok_or_else(|| {
                    invalid("must be connecting, active, validation_error or needs_reauth")
                })?);
            }
            "limit" => {
                filter.limit = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| invalid("must be an integer from 1 to 1000"))?;
            }
            "next_cursor" => filter.after = Some(decode_cursor(&value)?),
            _ => return Err(invalid("unknown parameter")),
        }
        seen.push(name);
    }
    Ok(filter)
}

/// Get one integrated account (secrets redacted).
#[utoipa::path(get, path = "/integrated-account/{id}", tag = "integrated-accounts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Integrated account id")),
    responses(
        (status = 200, description = "The account", body = AccountBody),
        OneResourceErrors,
    ))]
async fn get_account(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AccountBody>, ApiError> {
    caller.require(READ)?;
    let account = state.accounts.visible(&caller, account_id(&id)?).await?;
    Ok(Json(account.into()))
}

/// Change credentials or URL; re-validates.
///
/// Send any of `authentication_method` and `context` fields (`instance_url` or
/// `company_name`, `client_id`/`client_secret` or `username`/`password`). The tenant never
/// changes. A new URL needs the secret too, so the stored secret is never sent to a new host.
/// The account is validated again as on create: `active`, or `validation_error` with
/// `last_error` (still `200`).
#[utoipa::path(patch, path = "/integrated-account/{id}", tag = "integrated-accounts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Integrated account id")),
    request_body(content = PatchBody, example = json!({"context": {"client_secret": "…"}})),
    responses(
        (status = 200, description = "Updated and re-validated", body = AccountBody),
        (status = 400, description = "Malformed body, nothing to change, tenant_id given, or refused URL", body = ErrorBody),
        (status = 409, description = "Changed concurrently too often; retry", body = ErrorBody),
        OneResourceErrors,
    ))]
async fn update_account(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<AccountBody>, ApiError> {
    caller.require(WRITE)?;
    let account = state.accounts.visible(&caller, account_id(&id)?).await?;
    let patch = parse::<PatchBody>(&body)?.validate()?;
    // Re-validation reaches Jamf.
    spend_account(&state.limits, &caller.account_spend, account.id).await?;
    let updated = state.accounts.update(account.id, patch).await?;
    // A snapshot read with the old URL or credentials must not outlive them.
    Ok(Json(updated.into()))
}

/// Remove an integrated account.
#[utoipa::path(delete, path = "/integrated-account/{id}", tag = "integrated-accounts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Integrated account id")),
    responses(
        (status = 200, description = "Removed", body = Deleted),
        OneResourceErrors,
    ))]
async fn delete_account(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Deleted>, ApiError> {
    caller.require(WRITE)?;
    let account = state.accounts.visible(&caller, account_id(&id)?).await?;
    if !state.accounts.delete(account.id).await? {
        return Err(not_found(&id));
    }
    Ok(Json(Deleted { id: account.id }))
}

/// Force a new Jamf token.
///
/// `{"success": true}` when Jamf issues one; an account that was not `active` is validated
/// again. When Jamf refuses the credentials the answer is the error envelope with
/// `truto_is_remote_error: true` and the account moves to `needs_reauth` with `last_error`.
/// Jamf outages (502/504) leave the account's status alone.
#[utoipa::path(post, path = "/integrated-account/refresh-credentials", tag = "integrated-accounts",
    security(("bearer" = [])),
    request_body(content = RefreshBody, example = json!({"id": "0190f3c2-6d4e-7a1b-9c2d-3e4f5a6b7c8d"})),
    responses(
        (status = 200, description = "Jamf issued a new token", body = Refreshed),
        (status = 400, description = "Malformed body or missing `id`", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token, or (with `truto_is_remote_error`) Jamf refused the credentials", body = ErrorBody,
            example = json!({"statusCode": 401, "error": "Unauthorized",
                "message": "Jamf rejected the credentials (401); the integrated account needs new credentials (PATCH /integrated-account/{id})",
                "truto_is_remote_error": true, "raw_response": {"error": "invalid_client"},
                "truto_error_insight": {"remote_error": {"description": "Jamf Pro returned an error; see raw_response"}}})),
        (status = 403, description = "Token lacks `accounts:write`", body = ErrorBody),
        (status = 404, description = "No such account, or not one of the caller's tenants", body = ErrorBody),
        (status = 502, description = "Jamf unreachable or answered an error", body = ErrorBody),
        (status = 504, description = "Jamf did not answer in time", body = ErrorBody),
    ))]
async fn refresh_credentials(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<Refreshed>, ApiError> {
    caller.require(WRITE)?;
    let id = parse::<RefreshBody>(&body)?
        .id
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| missing_fields(&["id"]))?;
    let account = state.accounts.visible(&caller, account_id(&id)?).await?;
    spend_account(&state.limits, &caller.account_spend, account.id).await?;
    state.accounts.refresh_credentials(account.id).await?;
    Ok(Json(Refreshed { success: true }))
}
