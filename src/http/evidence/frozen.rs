//! A kept snapshot's contents, read back exactly as they were taken: its users (with the live
//! list's filters, paging and CSV), findings, report and bundle. Every read checks the stored
//! bytes against the signed digests first (`500 evidence_corrupted` when they differ).

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{EvidenceErrors, READ, visible};
use crate::directory::cache::CachedSnapshot;
use crate::evidence::store::StoredSnapshot;
use crate::evidence::{EvidenceError, EvidenceKind, EvidenceService, Verified, bundle};
use crate::http::caller::Caller;
use crate::http::csv;
use crate::http::error::ApiError;
use crate::http::review::{finding_filter, report_response};
use crate::http::state::AppState;
use crate::http::unified::params::{self, QueryKind};
use crate::http::unified::render::{Context, Fields};
use crate::http::unified::{missing_sources, render_page, select, users_answer};
use crate::review::digest::snapshot_sha256;
use crate::review::findings::Finding;
use crate::review::report::{self, KeptSnapshot, ReportInput};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(snapshot_users))
        .routes(routes!(snapshot_findings))
        .routes(routes!(snapshot_report))
        .routes(routes!(snapshot_bundle))
}

/// A visible, complete, verified snapshot.
async fn verified(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(std::sync::Arc<EvidenceService>, StoredSnapshot, Verified), ApiError> {
    caller.require(READ)?;
    let (evidence, stored) = visible(state, caller, id).await?;
    let verified = evidence.verify(&stored).await?;
    Ok((evidence, stored, verified))
}

/// The query with the snapshot's account (the live list requires it; here it is implied) and,
/// for an inventory snapshot, its user type.
fn implied(query: Option<&str>, verified: &Verified) -> String {
    let mut query = query.unwrap_or("").to_owned();
    let has = |name: &str, query: &str| {
        url::form_urlencoded::parse(query.as_bytes()).any(|(n, _)| n == name)
    };
    let mut add = |name: &str, value: &str| {
        if !has(name, &query) {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&format!("{name}={value}"));
        }
    };
    add(
        "integrated_account_id",
        &verified.manifest.integrated_account_id.to_string(),
    );
    if verified.manifest.kind == EvidenceKind::EndUsers {
        add("type", "end-user");
    }
    query
}

fn same_account(given: uuid::Uuid, verified: &Verified) -> Result<(), ApiError> {
    if given == verified.manifest.integrated_account_id {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "query parameter integrated_account_id: not the snapshot's account",
    ))
}

/// The users a snapshot froze.
///
/// The same records, filters, paging and `Accept: text/csv` as
/// `GET /unified/user-directory/users`, read from the snapshot instead of Jamf
/// (`integrated_account_id` is implied).
#[utoipa::path(get, path = "/access-review/snapshots/{id}/users", tag = "evidence",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Snapshot id"),
        crate::http::unified::query_docs::UserListQuery),
    responses(
        (status = 200, description = "A page of users; with `Accept: text/csv`, every user the filters select as CSV",
            content(
                (crate::http::unified::envelope::ListEnvelope<crate::directory::model::User> = "application/json"),
                (String = "text/csv"),
            )),
        EvidenceErrors,
    ))]
async fn snapshot_users(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (_, stored, verified) = verified(&state, &caller, &id).await?;
    let params = params::parse(
        Some(&implied(query.as_deref(), &verified)),
        QueryKind::UserList,
    )?;
    same_account(params.common.account_id, &verified)?;
    let cached = CachedSnapshot::fetched_at(verified.directory(), stored.taken_at);
    users_answer(&state, &cached, &params, &headers, &stored.tenant_id)
}

/// The findings of a snapshot, as they stood when it was taken.
///
/// Each carries `first_seen_at`: the `taken_at` of the earliest snapshot in the unbroken run of
/// snapshots (of this account and kind, up to this one) that show it. Filters `kind` and
/// `severity`, paging and `Accept: text/csv` as `GET /access-review/findings`.
#[utoipa::path(get, path = "/access-review/snapshots/{id}/findings", tag = "evidence",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Snapshot id"),
        ("kind" = Option<String>, Query, description = "Only findings of this kind"),
        ("severity" = Option<String>, Query, description = "Only findings of this severity"),
        ("limit" = Option<u32>, Query, description = "Page size, 1-1000 (default 100)"),
        ("next_cursor" = Option<String>, Query, description = "Opaque cursor from the previous page")),
    responses(
        (status = 200, description = "A page of findings; with `Accept: text/csv`, all as CSV",
            content(
                (crate::http::unified::envelope::ListEnvelope<Finding> = "application/json"),
                (String = "text/csv"),
            )),
        EvidenceErrors,
    ))]
async fn snapshot_findings(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (evidence, stored, verified) = verified(&state, &caller, &id).await?;
    let (params, filter) = finding_filter(Some(&implied(query.as_deref(), &verified)))?;
    same_account(params.common.account_id, &verified)?;
    let all = evidence.findings(&verified).await?;
    if csv::wants_csv(&headers) {
        let selected = all.iter().filter(|f| filter.matches(f));
        return csv::attachment(
            crate::review::csv::findings(selected),
            "findings",
            &stored.tenant_id,
            stored.taken_at,
        );
    }
    let (items, next_cursor) = select(
        &state,
        &params,
        &format!("snapshots/{}/findings", stored.id),
        &filter.canonical(),
        &all,
        |f: &Finding| &f.id,
        |f| filter.matches(f),
    )?;
    let fields = Fields::new(&params.common.view, Context::List);
    let cached = CachedSnapshot::fetched_at(verified.directory(), stored.taken_at);
    render_page(&items, fields, next_cursor, missing_sources(&cached))
}

/// The access-review report of a kept snapshot.
///
/// The evidence page of `GET /access-review/report` for that moment, with the snapshot's id,
/// its signed records digest and the changes since the previous snapshot.
#[utoipa::path(get, path = "/access-review/snapshots/{id}/report", tag = "evidence",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Snapshot id")),
    responses(
        (status = 200, description = "The report page", content_type = "text/html", body = String),
        EvidenceErrors,
    ))]
async fn snapshot_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (evidence, stored, verified) = verified(&state, &caller, &id).await?;
    let found = evidence.findings(&verified).await?;
    let (changes, previous_id) = match &verified.manifest.previous {
        Some(link) => match evidence.get(link.id).await {
            Ok(previous) => {
                let changes = evidence.changes(&previous, &stored).await?;
                (Some(changes), Some(previous.id.to_string()))
            }
            // Deleted by retention: the oldest kept snapshot has nothing to compare with.
            Err(EvidenceError::NotFound) => (None, None),
            Err(err) => return Err(err.into()),
        },
        None => (None, None),
    };
    let directory = verified.directory();
    let digest = snapshot_sha256(&directory);
    let (snapshot_id, account_id) = (
        stored.id.to_string(),
        stored.integrated_account_id.to_string(),
    );
    let page = report::render(&ReportInput {
        instance_url: &verified.manifest.jamf.url,
        tenant_id: &stored.tenant_id,
        integrated_account_id: &account_id,
        fetched_at: verified.manifest.taken_at,
        generated_at: Utc::now(),
        snapshot_sha256: &digest,
        snapshot: &directory,
        findings: &found,
        password_max_age_days: state.settings.access_review.password_max_age_days,
        kept: Some(KeptSnapshot {
            id: &snapshot_id,
            records_sha256: verified
                .manifest
                .records_sha256
                .as_deref()
                .unwrap_or_default(),
            since_previous: previous_id.as_deref().zip(changes.as_deref()),
        }),
    });
    report_response(page, &digest)
}

/// A snapshot's bundle: `{"manifest", "records"}`, what an auditor archives.
///
/// The manifest exactly as signed and the records as digested (RFC 8785 canonical JSON);
/// check it offline with `jamf-directory evidence verify BUNDLE --key KEYS.json`, where
/// KEYS.json is `GET /access-review/evidence-key`.
#[utoipa::path(get, path = "/access-review/snapshots/{id}/bundle", tag = "evidence",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Snapshot id")),
    responses(
        (status = 200, description = "The bundle", content_type = "application/json", body = Object,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"jamf-evidence-<snapshot id>.json\"`"))),
        EvidenceErrors,
    ))]
async fn snapshot_bundle(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (_, stored, verified) = verified(&state, &caller, &id).await?;
    let body = bundle::render(&verified.manifest_json, &verified.canonical_records)
        .map_err(|_| ApiError::internal())?;
    let disposition = format!("attachment; filename=\"jamf-evidence-{}.json\"", stored.id);
    let disposition = HeaderValue::try_from(disposition).map_err(|_| ApiError::internal())?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
