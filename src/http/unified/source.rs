//! Where unified data comes from: the caller's integrated account (tenancy checked here) and
//! the directory service's snapshot of it.

use std::sync::Arc;

use axum::http::{HeaderMap, header};
use axum::response::Response;
use uuid::Uuid;

use super::envelope::with_cache_headers;
use crate::accounts::IntegratedAccount;
use crate::directory::cache::{CacheOutcome, CachedSnapshot};
use crate::directory::{Served, SnapshotKind};
use crate::http::caller::Caller;
use crate::http::error::ApiError;
use crate::http::rate_limit::spend_account;
use crate::http::state::AppState;

/// True when the caller sent `Cache-Control: no-cache` (or `Pragma: no-cache`).
fn wants_fresh(headers: &HeaderMap) -> bool {
    let says_no_cache = |name| {
        headers.get_all(name).iter().any(|v| {
            v.to_str().is_ok_and(|v| {
                v.split(',').any(|d| {
                    matches!(
                        d.trim().to_ascii_lowercase().as_str(),
                        "no-cache" | "max-age=0"
                    )
                })
            })
        })
    };
    says_no_cache(header::CACHE_CONTROL) || says_no_cache(header::PRAGMA)
}

/// What a request reads: the caller's integrated account, its snapshot, and how the cache
/// served it.
pub struct Sourced {
    pub account: IntegratedAccount,
    pub cached: Arc<CachedSnapshot>,
    pub outcome: CacheOutcome,
}

/// The snapshot of `kind` of `account_id`, when the caller may see that account; fresh from
/// Jamf when the request's headers say `no-cache`. A request that will reach Jamf spends one
/// of the account's quota; one a cached snapshot answers does not.
pub async fn snapshot(
    state: &AppState,
    caller: &Caller,
    account_id: Uuid,
    headers: &HeaderMap,
    kind: SnapshotKind,
) -> Result<Sourced, ApiError> {
    let account = state.accounts.visible(caller, account_id).await?;
    let refresh = wants_fresh(headers);
    if state
        .directory
        .would_reach_jamf(&account, kind, refresh)
        .await
    {
        spend_account(&state.limits, &caller.account_spend, account.id).await?;
    }
    let Served { snapshot, outcome } = state.directory.snapshot(&account, kind, refresh).await?;
    Ok(Sourced {
        account,
        cached: snapshot,
        outcome,
    })
}

impl Sourced {
    /// `csv` as an attachment named for `what`, this account's tenant and the snapshot's date.
    pub fn csv(
        &self,
        csv: Result<Vec<u8>, ::csv::Error>,
        what: &str,
    ) -> Result<Response, ApiError> {
        crate::http::csv::attachment(
            csv,
            what,
            &self.account.tenant_id,
            self.cached.fetched_at_utc,
        )
    }

    /// `body` with the cache headers of this snapshot.
    pub fn respond(&self, body: Response) -> Response {
        with_cache_headers(body, self.outcome, self.cached.age())
    }
}

pub fn not_found(kind: &str, id: &str) -> ApiError {
    ApiError::not_found(format!(
        "no {kind} with id {id:?} in this integrated account"
    ))
}
