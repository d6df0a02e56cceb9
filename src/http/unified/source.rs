//! Where unified data comes from: the caller's integrated account, its Jamf client and the
//! snapshot cache. Jamf's verdicts feed the account's status (401 → `needs_reauth`, success
//! → `active`).

use std::sync::Arc;

use axum::http::{HeaderMap, header};

use crate::accounts::IntegratedAccount;
use crate::directory::cache::{CacheOutcome, CachedSnapshot};
use crate::directory::model::User;
use crate::directory::normalize;
use crate::http::caller::Caller;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::http::upstream::jamf_error;
use crate::jamf::JamfError;
use crate::jamf::records::{Fetched, JamfDirectory};
use uuid::Uuid;

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

/// The account's snapshot: cached, or fetched once for all concurrent callers.
pub async fn snapshot(
    state: &AppState,
    caller: &Caller,
    account_id: Uuid,
    refresh: bool,
) -> Result<(Arc<CachedSnapshot>, CacheOutcome), ApiError> {
    let account = state.accounts.visible(caller, account_id).await?;
    account_snapshot(state, &account, refresh).await
}

async fn account_snapshot(
    state: &AppState,
    account: &IntegratedAccount,
    refresh: bool,
) -> Result<(Arc<CachedSnapshot>, CacheOutcome), ApiError> {
    let client = state.accounts.jamf_client(account).await?;
    let result = state
        .directory
        .cache
        .get_or_fetch(account.id, refresh, || async {
            client
                .fetch_directory()
                .await
                .map(|raw| normalize::normalize_directory(&raw))
        })
        .await;
    // Only the caller that fetched reports the outcome: a cached snapshot says nothing new.
    if !matches!(result, Ok((_, CacheOutcome::Hit))) {
        report(
            state,
            account,
            result.as_ref().map(drop).map_err(|err| &**err),
        )
        .await;
    }
    result.map_err(|err: Arc<JamfError>| jamf_error(&err))
}

/// Feeds Jamf's verdict into the account's status (401 → `needs_reauth`, success → `active`).
async fn report(state: &AppState, account: &IntegratedAccount, outcome: Result<(), &JamfError>) {
    match outcome {
        Ok(()) => state.accounts.jamf_succeeded(account).await,
        Err(err) => state.accounts.jamf_failed(account, err).await,
    }
}

fn find_user(cached: &CachedSnapshot, user_id: &str) -> Result<User, ApiError> {
    cached
        .snapshot
        .user(user_id)
        .cloned()
        .ok_or_else(|| not_found("user", user_id))
}

/// One user: from the cached snapshot when there is one; on a cold cache, only that account
/// is fetched (plus its groups and the SSO settings), and nothing is cached.
pub async fn user(
    state: &AppState,
    caller: &Caller,
    account_id: Uuid,
    user_id: &str,
    refresh: bool,
) -> Result<(User, CacheOutcome, std::time::Duration), ApiError> {
    let account = state.accounts.visible(caller, account_id).await?;
    if !refresh {
        if let Some(cached) = state.directory.cache.peek(account.id).await {
            return Ok((
                find_user(&cached, user_id)?,
                CacheOutcome::Hit,
                cached.age(),
            ));
        }
        // API clients live only in the full directory; numeric ids can be fetched alone.
        if user_id.bytes().all(|b| b.is_ascii_digit()) {
            let client = state.accounts.jamf_client(&account).await?;
            let fetched = client.fetch_account(user_id).await;
            report(state, &account, fetched.as_ref().map(drop)).await;
            let (record, groups, sso) = fetched
                .map_err(|err| jamf_error(&err))?
                .ok_or_else(|| not_found("user", user_id))?;
            let reason = "not read for a single-account fetch";
            let context = JamfDirectory {
                version: None,
                accounts: Vec::new(),
                groups,
                sites: Vec::new(),
                sso,
                api_roles: Fetched::Unavailable {
                    reason: reason.into(),
                },
                api_clients: Fetched::Unavailable {
                    reason: reason.into(),
                },
                refused: Vec::new(),
            };
            let user = normalize::normalize_account(&record, &context)
                .ok_or_else(|| not_found("user", user_id))?;
            return Ok((user, CacheOutcome::Bypassed, std::time::Duration::ZERO));
        }
    }
    let (cached, outcome) = account_snapshot(state, &account, refresh).await?;
    Ok((find_user(&cached, user_id)?, outcome, cached.age()))
}

pub fn not_found(kind: &str, id: &str) -> ApiError {
    ApiError::not_found(format!(
        "no {kind} with id {id:?} in this integrated account"
    ))
}
