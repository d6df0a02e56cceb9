//! Evidence over HTTP: take a snapshot, list and read kept ones, the signing keys, and the
//! changes between snapshots. The logic is `crate::evidence`; tenancy is the snapshot's
//! tenant, checked as for integrated accounts (another tenant's snapshot is a plain 404).

mod changes;
mod frozen;

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::body::parse;
use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use super::rate_limit::spend_account;
use super::state::AppState;
use crate::evidence::store::{SnapshotFilter, StoredSnapshot};
use crate::evidence::{EvidenceError, EvidenceKind, EvidenceService, JwkSet, Manifest};

const READ: &str = "evidence:read";
const WRITE: &str = "evidence:write";
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(take_snapshot, list_snapshots))
        .routes(routes!(get_snapshot))
        .merge(frozen::routes())
        .merge(changes::routes())
}

/// Routes that need no caller token.
pub fn open_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(evidence_key))
}

/// The error responses of evidence reads.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // read by the OpenAPI derive only
pub(super) enum EvidenceErrors {
    #[response(
        status = 400,
        description = "A parameter is missing or invalid (named in `message`)"
    )]
    BadRequest(ErrorBody),
    #[response(status = 401, description = "Missing or bad bearer token")]
    Unauthorized(ErrorBody),
    #[response(status = 403, description = "The token lacks `evidence:read`")]
    Forbidden(ErrorBody),
    #[response(
        status = 404,
        description = "No such snapshot for this caller (another tenant's looks the same)"
    )]
    NotFound(ErrorBody),
    #[response(
        status = 409,
        description = "The snapshot is `pending` or `failed`: it has no records"
    )]
    Conflict(ErrorBody),
    #[response(
        status = 500,
        description = "`evidence_corrupted`: a stored byte no longer matches what was signed (never served silently); or a storage failure"
    )]
    Internal(ErrorBody),
    #[response(
        status = 503,
        description = "Evidence is off on this deployment (`evidence.signing_key` not set)"
    )]
    Unavailable(ErrorBody),
}

impl From<EvidenceError> for ApiError {
    fn from(err: EvidenceError) -> Self {
        match err {
            EvidenceError::NotFound => ApiError::not_found("no such snapshot"),
            EvidenceError::NotComplete(status) => ApiError::new(
                StatusCode::CONFLICT,
                format!("the snapshot is {status}: it has no records"),
            ),
            EvidenceError::Corrupted(reason) => {
                tracing::error!(%reason, "evidence corrupted");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("evidence_corrupted: {reason}"),
                )
                .with_insight(json!({"evidence_corrupted": true}))
            }
            EvidenceError::Store(err) => {
                tracing::error!(error = %err, "evidence storage failed");
                ApiError::internal()
            }
        }
    }
}

fn service(state: &AppState) -> Result<&Arc<EvidenceService>, ApiError> {
    state.evidence.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "evidence snapshots are off on this deployment: set evidence.signing_key (`jamf-directory evidence keygen`)",
        )
    })
}

/// A snapshot the caller may see; anything else (a malformed id, another tenant's) is 404.
pub(super) async fn visible(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(Arc<EvidenceService>, StoredSnapshot), ApiError> {
    let evidence = service(state)?.clone();
    let not_found = || ApiError::not_found(format!("no snapshot {id:?}"));
    let id = Uuid::parse_str(id.trim()).map_err(|_| not_found())?;
    let stored = evidence.get(id).await.map_err(|err| match err {
        EvidenceError::NotFound => not_found(),
        other => other.into(),
    })?;
    if !caller.can_see(&stored.tenant_id) {
        return Err(not_found());
    }
    Ok((evidence, stored))
}

/// `POST /access-review/snapshots` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TakeBody {
    integrated_account_id: Uuid,
    /// `admins` (default) or `end-users`.
    #[serde(default)]
    kind: Option<EvidenceKind>,
}

/// Take a signed point-in-time snapshot now.
///
/// Always a fresh fetch from Jamf, never a cached answer. The snapshot is recorded `pending`
/// before Jamf is read, and ends `complete` (records stored, manifest signed and chained to the
/// previous snapshot of the same account and kind) or `failed` (kept: evidence that the check
/// ran). `201` with the manifest when it completes within `server.fetch_wait_secs`, else `202`
/// with `Location` and the manifest as it stands (`pending`).
#[utoipa::path(post, path = "/access-review/snapshots", tag = "evidence",
    security(("bearer" = [])),
    request_body(content = TakeBody, example = json!({"integrated_account_id": "0190f3c2-6d4e-7a1b-9c2d-3e4f5a6b7c8d", "kind": "admins"})),
    responses(
        (status = 201, description = "Taken: the manifest (`complete` or `failed`)", body = Manifest,
            headers(("Location" = String, description = "The snapshot's URL"))),
        (status = 202, description = "Still running: the `pending` manifest; poll `Location`", body = Manifest,
            headers(("Location" = String, description = "The snapshot's URL"))),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or bad bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks `evidence:write`", body = ErrorBody),
        (status = 404, description = "No such integrated account for this caller", body = ErrorBody),
        (status = 500, description = "Storage failure", body = ErrorBody),
        (status = 503, description = "Evidence is off (`evidence.signing_key` not set)", body = ErrorBody),
    ))]
async fn take_snapshot(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let evidence = service(&state)?;
    let body: TakeBody = parse(&body)?;
    let account = state
        .accounts
        .visible(&caller, body.integrated_account_id)
        .await?;
    // A snapshot always reads Jamf: it spends the account's quota as a `no-cache` read does.
    spend_account(&state.limits, &caller.account_spend, account.id).await?;
    let kind = body.kind.unwrap_or(EvidenceKind::Admins);
    let (pending, task) = evidence
        .take(account, kind, format!("caller:{}", caller.client_id))
        .await?;
    let location = format!("/access-review/snapshots/{}", pending.id);
    let wait = Duration::from_secs(state.settings.server.fetch_wait_secs);
    // The task goes on when the wait ends (or the caller leaves): the snapshot still completes.
    let (status, manifest) = match tokio::time::timeout(wait, task).await {
        Ok(Ok(done)) => (StatusCode::CREATED, done),
        Ok(Err(_)) => return Err(ApiError::internal()),
        Err(_) => (StatusCode::ACCEPTED, pending),
    };
    let location = HeaderValue::try_from(location).map_err(|_| ApiError::internal())?;
    Ok((status, [(header::LOCATION, location)], Json(manifest)).into_response())
}

/// A page of manifests, newest first.
#[derive(Debug, serde::Serialize, ToSchema)]
struct ManifestList {
    result: Vec<Manifest>,
    next_cursor: Option<String>,
    prev_cursor: Option<String>,
    result_count: usize,
}

/// List kept snapshots of one integrated account, newest first.
///
/// Filters: `kind`, `since` and `until` (RFC 3339; `taken_at` at or after `since`, before
/// `until`). `limit` 1–1000 (default 100); pass `next_cursor` back for the next page. Each
/// manifest's signature is checked before it is listed.
#[utoipa::path(get, path = "/access-review/snapshots", tag = "evidence",
    security(("bearer" = [])),
    params(
        ("integrated_account_id" = Uuid, Query, description = "The integrated account"),
        ("kind" = Option<String>, Query, description = "`admins` or `end-users`"),
        ("since" = Option<String>, Query, description = "RFC 3339: snapshots taken at or after"),
        ("until" = Option<String>, Query, description = "RFC 3339: snapshots taken before"),
        ("limit" = Option<u32>, Query, description = "Page size, 1-1000 (default 100)"),
        ("next_cursor" = Option<String>, Query, description = "Opaque cursor from the previous page"),
    ),
    responses(
        (status = 200, description = "A page of manifests", body = ManifestList),
        EvidenceErrors,
    ))]
async fn list_snapshots(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<ManifestList>, ApiError> {
    caller.require(READ)?;
    let evidence = service(&state)?;
    let (mut filter, cursor) = list_filter(query.as_deref())?;
    let account = state
        .accounts
        .visible(&caller, filter.integrated_account_id)
        .await?;
    // Bound to the account and filters: a cursor from another query is refused.
    let scope = format!(
        "{}/snapshots/{:?}/{:?}/{:?}",
        account.id, filter.kind, filter.since, filter.until
    );
    if let Some(cursor) = cursor {
        let after = state
            .cursors
            .decode(&scope, &cursor)
            .map_err(|err| ApiError::bad_request(err.to_string()))?;
        filter.before = Some(
            Uuid::parse_str(&after)
                .map_err(|_| ApiError::bad_request("next_cursor: unreadable"))?,
        );
    }
    let limit = filter.limit;
    filter.limit += 1;
    let mut stored = evidence.list(&filter).await?;
    let more = stored.len() > limit as usize;
    stored.truncate(limit as usize);
    let mut result = Vec::with_capacity(stored.len());
    for snapshot in &stored {
        result.push(evidence.manifest(snapshot).await?);
    }
    let next_cursor = more
        .then(|| {
            stored
                .last()
                .map(|s| state.cursors.encode(&scope, &s.id.to_string()))
        })
        .flatten();
    Ok(Json(ManifestList {
        result_count: result.len(),
        result,
        next_cursor,
        prev_cursor: None,
    }))
}

/// The list's filters, and its cursor (decoded against the account once it is known).
fn list_filter(query: Option<&str>) -> Result<(SnapshotFilter, Option<String>), ApiError> {
    let mut account = None;
    let mut filter = SnapshotFilter {
        integrated_account_id: Uuid::nil(),
        kind: None,
        status: None,
        since: None,
        until: None,
        before: None,
        limit: DEFAULT_LIMIT,
    };
    let mut cursor = None;
    let mut seen = Vec::new();
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let invalid = |why: &str| ApiError::bad_request(format!("query parameter {name}: {why}"));
        if seen.contains(&name) {
            return Err(invalid("given more than once"));
        }
        let value = value.trim();
        match name.as_ref() {
            "integrated_account_id" => {
                account = Some(Uuid::parse_str(value).map_err(|_| invalid("must be a UUID"))?);
            }
            "kind" => {
                filter.kind = Some(
                    EvidenceKind::parse(value)
                        .ok_or_else(|| invalid("must be admins or end-users"))?,
                );
            }
            "since" => filter.since = Some(time(value).ok_or_else(|| invalid("must be RFC 3339"))?),
            "until" => filter.until = Some(time(value).ok_or_else(|| invalid("must be RFC 3339"))?),
            "limit" => {
                filter.limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| invalid("must be an integer from 1 to 1000"))?;
            }
            "next_cursor" => cursor = Some(value.to_owned()),
            _ => return Err(invalid("unknown parameter")),
        }
        seen.push(name);
    }
    filter.integrated_account_id =
        account.ok_or_else(|| ApiError::missing_query_parameters(&["integrated_account_id"]))?;
    Ok((filter, cursor))
}

fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// One snapshot's manifest.
///
/// `pending` while it is taken, then `complete` (signed: verify with
/// `GET /access-review/evidence-key`) or `failed` (with `error`).
#[utoipa::path(get, path = "/access-review/snapshots/{id}", tag = "evidence",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Snapshot id")),
    responses(
        (status = 200, description = "The manifest", body = Manifest),
        EvidenceErrors,
    ))]
async fn get_snapshot(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Manifest>, ApiError> {
    caller.require(READ)?;
    let (evidence, stored) = visible(&state, &caller, &id).await?;
    Ok(Json(evidence.manifest(&stored).await?))
}

/// The public keys that sign evidence snapshots, as a JWK set (RFC 8037: `kty: OKP`,
/// `crv: Ed25519`).
///
/// Old keys stay listed while snapshots they signed are kept. Archive this with the bundles
/// and pass it to `jamf-directory evidence verify --key`.
#[utoipa::path(get, path = "/access-review/evidence-key", tag = "evidence",
    responses(
        (status = 200, description = "The JWK set", body = JwkSet),
        (status = 413, description = "A request body over `server.body_limit_bytes`", body = ErrorBody),
        (status = 500, description = "Storage failure", body = ErrorBody),
        (status = 503, description = "Evidence is off (`evidence.signing_key` not set)", body = ErrorBody),
    ))]
async fn evidence_key(State(state): State<AppState>) -> Result<Json<JwkSet>, ApiError> {
    Ok(Json(service(&state)?.keys().await?))
}
