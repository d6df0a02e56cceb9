//! Where unified data comes from: the caller's integrated account (tenancy checked here) and
//! the directory service's snapshot of it.

use axum::http::{HeaderMap, header};
use uuid::Uuid;

use crate::directory::Served;
use crate::http::caller::Caller;
use crate::http::error::ApiError;
use crate::http::rate_limit::spend_account;
use crate::http::state::AppState;

/// True when the caller sent `Cache-Control: no-cache` (or `Pragma: no-cache`).
pub fn wants_fresh(headers: &HeaderMap) -> bool {
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

/// The snapshot of `account_id`, when the caller may see that account. A request that will
/// reach Jamf spends one of the account's quota; one a cached snapshot answers does not.
pub async fn snapshot(
    state: &AppState,
    caller: &Caller,
    account_id: Uuid,
    refresh: bool,
) -> Result<Served, ApiError> {
    let account = state.accounts.visible(caller, account_id).await?;
    if state.directory.would_reach_jamf(&account, refresh).await {
        spend_account(&state.limits, &caller.account_spend, account.id)?;
    }
    Ok(state.directory.snapshot(&account, refresh).await?)
}

pub fn not_found(kind: &str, id: &str) -> ApiError {
    ApiError::not_found(format!(
        "no {kind} with id {id:?} in this integrated account"
    ))
}
