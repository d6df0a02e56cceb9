//! The access review over HTTP: findings (JSON list or CSV), leavers and the report page, for
//! one integrated account's snapshot. Tenancy, the snapshot cache, quotas, errors, the list
//! envelope and cursors are the unified API's (`http::unified`); the logic is `crate::review`.

mod leavers;
mod query_docs;

use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::query_docs::{FindingListQuery, ReportQuery};
use super::caller::Caller;
use super::csv;
use super::error::ApiError;
use super::state::AppState;
use super::unified::envelope::ListEnvelope;
use super::unified::params::{self, QueryKind, invalid};
use super::unified::render::{Context, Fields};
use super::unified::source;
use super::unified::{DirectoryErrors, missing_sources, render_page, select};
use crate::directory::SnapshotKind;
use crate::evidence::EvidenceKind;
use crate::review::digest::snapshot_sha256;
use crate::review::findings::{self, Finding, FindingFilter, FindingKind, Policy, Severity};
use crate::review::report::{self, ReportInput};

pub use self::leavers::{LEAVERS_BODY_LIMIT, LEAVERS_PATH};

const SCOPE: &str = "directory:read";

pub fn routes() -> OpenApiRouter<AppState> {
    // The leavers body may be far above the global cap: `http::LARGE_BODY_ROUTES` lets it
    // through the outer limit, and this raises axum's own extractor limit to match.
    let leavers = OpenApiRouter::new()
        .routes(routes!(leavers::check_leavers))
        .layer(DefaultBodyLimit::max(LEAVERS_BODY_LIMIT));
    OpenApiRouter::new()
        .routes(routes!(list_findings))
        .routes(routes!(get_report))
        .merge(leavers)
}

fn policy(state: &AppState) -> Policy {
    Policy {
        password_max_age_days: state.settings.access_review.password_max_age_days,
        now: Utc::now(),
    }
}

/// The `kind` and `severity` filters of the findings list.
pub(super) fn finding_filter(
    query: Option<&str>,
) -> Result<(params::ListParams, FindingFilter), ApiError> {
    let mut filter = FindingFilter::default();
    let params = params::parse_with(
        query,
        QueryKind::OtherList,
        &["kind", "severity"],
        |name, value| {
            let names = |all: &[&str]| all.join("`, `");
            if name == "kind" {
                filter.kind = Some(FindingKind::parse(value.trim()).ok_or_else(|| {
                    let known: Vec<&str> = FindingKind::ALL.iter().map(|k| k.as_str()).collect();
                    invalid(name, format!("must be one of `{}`", names(&known)))
                })?);
            } else {
                filter.severity = Some(Severity::parse(value.trim()).ok_or_else(|| {
                    let known: Vec<&str> = Severity::ALL.iter().map(|s| s.as_str()).collect();
                    invalid(name, format!("must be one of `{}`", names(&known)))
                })?);
            }
            Ok(())
        },
    )?;
    Ok((params, filter))
}

/// List access-review findings of one integrated account.
///
/// Findings are derived from the same cached snapshot as the unified API
/// (`Cache-Control: no-cache` forces a fresh fetch). Their ids, `<kind>:<subject id>`, stay
/// the same across refreshes; lists are ordered by id and paged with `next_cursor`. With
/// evidence snapshots kept, `first_seen_at` is when the newest snapshot's unbroken run of
/// snapshots showing the finding began (null for a finding the newest snapshot does not show).
///
/// With `Accept: text/csv` the answer is every finding the filters select as one CSV
/// attachment (columns in the README's "Access review"): `limit` and `next_cursor` are ignored.
#[utoipa::path(get, path = "/access-review/findings", tag = "access-review",
    security(("bearer" = [])), params(FindingListQuery),
    responses(
        (status = 200, description = "A page of findings; with `Accept: text/csv`, every finding the filters select as CSV",
            content(
                (ListEnvelope<Finding> = "application/json"),
                (String = "text/csv", example = json!("id,kind,severity,subject_type,subject_id,subject_username,subject_emails,summary,evidence\r\n...")),
            ),
            headers(("Content-Disposition" = String, description = "CSV only: `attachment; filename=\"jamf-findings-<tenant>-<YYYY-MM-DD>.csv\"`"))),
        DirectoryErrors,
    ))]
async fn list_findings(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    caller.require(SCOPE)?;
    let (params, filter) = finding_filter(query.as_deref())?;
    let source = directory_of(&state, &caller, params.common.account_id, &headers).await?;
    let cached = &source.cached;
    let mut all = findings::findings(&cached.snapshot, &policy(&state));
    if let Some(evidence) = &state.evidence {
        evidence
            .first_seen(source.account.id, EvidenceKind::Admins, None, &mut all)
            .await?;
    }
    let body = if csv::wants_csv(&headers) {
        let selected = all.iter().filter(|f| filter.matches(f));
        source.csv(crate::review::csv::findings(selected), "findings")?
    } else {
        let (items, next_cursor) = select(
            &state,
            &params,
            "findings",
            &filter.canonical(),
            &all,
            |f: &Finding| &f.id,
            |f| filter.matches(f),
        )?;
        let fields = Fields::new(&params.common.view, Context::List);
        render_page(&items, fields, next_cursor, missing_sources(cached))?
    };
    Ok(source.respond(body))
}

/// The access-review report: a self-contained HTML evidence page.
///
/// No script and no external asset (charts are inline SVG), a print stylesheet; it states the
/// instance URL, the snapshot's fetch time (UTC) and the snapshot's SHA-256 (defined in the
/// README's "Access review": over the canonical JSON of every user as
/// `GET /unified/user-directory/users?type=all&include=permissions&truto_ignore_remote_data=true`
/// lists them), then counts by status, role and MFA verdict, the findings and every user.
#[utoipa::path(get, path = "/access-review/report", tag = "access-review",
    security(("bearer" = [])), params(ReportQuery),
    responses(
        (status = 200, description = "The report page", content_type = "text/html", body = String,
            headers(("Snapshot-Sha256" = String, description = "The snapshot's SHA-256, as printed on the page"))),
        DirectoryErrors,
    ))]
async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    caller.require(SCOPE)?;
    let params = params::parse(query.as_deref(), QueryKind::Get)?;
    let source = directory_of(&state, &caller, params.common.account_id, &headers).await?;
    let (account, cached) = (&source.account, &source.cached);
    let policy = policy(&state);
    let found = findings::findings(&cached.snapshot, &policy);
    let digest = snapshot_sha256(&cached.snapshot);
    let account_id = account.id.to_string();
    let page = report::render(&ReportInput {
        instance_url: &account.instance_url,
        tenant_id: &account.tenant_id,
        integrated_account_id: &account_id,
        fetched_at: cached.fetched_at_utc,
        generated_at: policy.now,
        snapshot_sha256: &digest,
        snapshot: &cached.snapshot,
        findings: &found,
        password_max_age_days: policy.password_max_age_days,
        kept: None,
    });
    Ok(source.respond(report_response(page, &digest)?))
}

/// A report page with its headers: HTML, a CSP that allows nothing but inline styles, and the
/// digest it states.
pub(super) fn report_response(page: String, digest: &str) -> Result<Response, ApiError> {
    let digest = HeaderValue::from_str(digest).map_err(|_| ApiError::internal())?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            // The page needs nothing but its own inline styles; say so to the browser too.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
            ),
            (header::HeaderName::from_static("snapshot-sha256"), digest),
        ],
        page,
    )
        .into_response())
}

/// The directory snapshot an access-review request reads (inventory users are no concern of
/// an access review: they have no console access).
pub(super) async fn directory_of(
    state: &AppState,
    caller: &Caller,
    account_id: uuid::Uuid,
    headers: &HeaderMap,
) -> Result<source::Sourced, ApiError> {
    source::snapshot(state, caller, account_id, headers, SnapshotKind::Directory).await
}
