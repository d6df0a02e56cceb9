//! `GET /access-review/changes`: joiners, leavers, per-field changes and escalations between
//! two kept snapshots of one account.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{EvidenceErrors, READ, visible};
use crate::evidence::store::StoredSnapshot;
use crate::evidence::{EvidenceError, EvidenceKind};
use crate::http::caller::Caller;
use crate::http::csv;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::review::changes::{ChangeSummary, UserChange};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_changes))
}

/// The changes between two snapshots.
#[derive(Debug, Serialize, ToSchema)]
struct ChangeList {
    /// The earlier snapshot.
    from: Uuid,
    /// The later snapshot.
    to: Uuid,
    summary: ChangeSummary,
    result: Vec<UserChange>,
}

struct Query {
    account: Uuid,
    from: String,
    to: Option<String>,
}

fn query(raw: Option<&str>) -> Result<Query, ApiError> {
    let (mut account, mut from, mut to) = (None, None, None);
    let mut seen = Vec::new();
    for (name, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let invalid = |why: &str| ApiError::bad_request(format!("query parameter {name}: {why}"));
        if seen.contains(&name) {
            return Err(invalid("given more than once"));
        }
        let value = value.trim().to_owned();
        match name.as_ref() {
            "integrated_account_id" => {
                account = Some(Uuid::parse_str(&value).map_err(|_| invalid("must be a UUID"))?);
            }
            "from" => from = Some(value),
            "to" => to = Some(value),
            _ => return Err(invalid("unknown parameter")),
        }
        seen.push(name);
    }
    match (account, from) {
        (Some(account), Some(from)) => Ok(Query { account, from, to }),
        (account, from) => {
            let mut missing = Vec::new();
            if account.is_none() {
                missing.push("integrated_account_id");
            }
            if from.is_none() {
                missing.push("from");
            }
            Err(ApiError::missing_query_parameters(&missing))
        }
    }
}

/// Joiners, leavers, per-field changes and escalations between two kept snapshots.
///
/// `from` and `to` are snapshot ids of the account, `from` the earlier; `to` defaults to the
/// newest complete snapshot of `from`'s kind. Compared: `status`, `roles`, `permissions` (`before` lists the
/// names lost, `after` those gained), `access_level`, `groups`, `workspaces`, `emails`,
/// `is_2fa_enabled`, `mfa.status`. `escalation` is true when a user joined active, became
/// active, gained a role or a permission, or rose in `access_level`. With `Accept: text/csv`,
/// one row per changed field.
#[utoipa::path(get, path = "/access-review/changes", tag = "evidence",
    security(("bearer" = [])),
    params(
        ("integrated_account_id" = Uuid, Query, description = "The integrated account"),
        ("from" = Uuid, Query, description = "The earlier snapshot"),
        ("to" = Option<Uuid>, Query, description = "The later snapshot (default: the newest complete one of the same kind)"),
    ),
    responses(
        (status = 200, description = "The changes; with `Accept: text/csv`, one row per changed field",
            content(
                (ChangeList = "application/json"),
                (String = "text/csv", example = json!("user_id,username,change,escalation,field,before,after\r\n7,jdoe,changed,true,status,inactive,active\r\n")),
            )),
        EvidenceErrors,
    ))]
async fn list_changes(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let query = query(raw.as_deref())?;
    let (evidence, from) = visible(&state, &caller, &query.from).await?;
    let of_account = |snapshot: &StoredSnapshot, name: &str| {
        if snapshot.integrated_account_id == query.account {
            Ok(())
        } else {
            Err(ApiError::bad_request(format!(
                "query parameter {name}: a snapshot of another integrated account"
            )))
        }
    };
    of_account(&from, "from")?;
    let to = match &query.to {
        Some(id) => visible(&state, &caller, id).await?.1,
        None => {
            let kind = EvidenceKind::parse(&from.kind).ok_or_else(|| {
                ApiError::from(EvidenceError::Corrupted(format!(
                    "snapshot {}: kind",
                    from.id
                )))
            })?;
            evidence
                .store()
                .latest_complete(query.account, kind)
                .await
                .map_err(EvidenceError::from)?
                .ok_or_else(|| ApiError::not_found("no complete snapshot of this account"))?
        }
    };
    of_account(&to, "to")?;
    if to.kind != from.kind {
        return Err(ApiError::bad_request(
            "query parameter to: a snapshot of another kind than from",
        ));
    }
    // Reversed, joiners would read as leavers: refused rather than answered backwards.
    if to.taken_at < from.taken_at {
        return Err(ApiError::bad_request(
            "query parameter to: a snapshot taken before from (from is the earlier one)",
        ));
    }
    let result = evidence.changes(&from, &to).await?;
    if csv::wants_csv(&headers) {
        return csv::attachment(
            crate::review::csv::changes(&result),
            "changes",
            &to.tenant_id,
            to.taken_at,
        );
    }
    Ok(Json(ChangeList {
        from: from.id,
        to: to.id,
        summary: ChangeSummary::of(&result),
        result,
    })
    .into_response())
}
