//! The directory use case: an integrated account's snapshot, from the cache or fetched from
//! its Jamf instance once for all concurrent callers, normalized, with Jamf's verdict fed back
//! into the account's status (401 → `needs_reauth`, success → `active`).

use std::sync::Arc;

use crate::accounts::{AccountError, AccountService, IntegratedAccount};
use crate::jamf::JamfError;

use super::cache::{
    CacheOutcome, CachedSnapshot, FetchFailure, SnapshotCache, SnapshotKey, SnapshotKind,
};
use super::normalize::{normalize_directory, normalize_inventory};

impl FetchFailure for JamfError {
    /// Jamf unreachable, too slow or failing with 5xx: a stale snapshot may stand in. Refused
    /// credentials or privileges, and answers we could not use, must reach the caller.
    fn stale_if_error_status(&self) -> Option<u16> {
        match self {
            JamfError::Upstream { status, .. } if *status >= 500 => Some(*status),
            JamfError::Unreachable { .. }
            | JamfError::Timeout { .. }
            | JamfError::DeadlineExceeded { .. } => Some(504),
            _ => None,
        }
    }
}

/// Why no snapshot could be served.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The account's Jamf client could not be built or looked up.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// Jamf failed the fetch; shared by every caller that waited on it.
    #[error(transparent)]
    Jamf(Arc<JamfError>),
}

/// A snapshot as served, and how the cache served it.
pub struct Served {
    pub snapshot: Arc<CachedSnapshot>,
    pub outcome: CacheOutcome,
}

pub struct DirectoryService {
    accounts: Arc<AccountService>,
    /// Both kinds of snapshot, under one count and byte budget.
    cache: SnapshotCache<JamfError>,
}

impl DirectoryService {
    pub fn new(accounts: Arc<AccountService>, cache: SnapshotCache<JamfError>) -> Self {
        Self { accounts, cache }
    }

    /// Whether reading `account` now would send requests to Jamf: `refresh`, or no snapshot a
    /// cache could answer with and no fetch under way to wait for.
    pub async fn would_reach_jamf(
        &self,
        account: &IntegratedAccount,
        kind: SnapshotKind,
        refresh: bool,
    ) -> bool {
        refresh || !self.cache.can_answer(&snapshot_key(account, kind)).await
    }

    /// `account`'s snapshot of `kind`, under the cache's rules (fresh, stale while a
    /// background fetch revalidates it, stale when Jamf fails, or fetched once for all
    /// concurrent callers). `refresh` (a caller's `Cache-Control: no-cache`) always fetches
    /// anew. Every record of every endpoint comes from here, so a record reads the same
    /// whichever call returns it.
    pub async fn snapshot(
        &self,
        account: &IntegratedAccount,
        kind: SnapshotKind,
        refresh: bool,
    ) -> Result<Served, DirectoryError> {
        let client = self.accounts.jamf_client(account).await?;
        let key = snapshot_key(account, kind);
        let accounts = self.accounts.clone();
        let account = account.clone();
        // The fetch may outlive this request (a background refresh), so it owns what it uses
        // and feeds Jamf's verdict into the account's status itself, once per fetch.
        let fetch = || async move {
            let fetched = match kind {
                SnapshotKind::Directory => client
                    .fetch_directory()
                    .await
                    .map(|raw| normalize_directory(&raw)),
                SnapshotKind::Inventory => client
                    .fetch_inventory()
                    .await
                    .map(|raw| normalize_inventory(&raw)),
            };
            match &fetched {
                Ok(_) => accounts.jamf_succeeded(&account).await,
                Err(err) => accounts.jamf_failed(&account, err).await,
            }
            fetched
        };
        let (snapshot, outcome) = self
            .cache
            .get(key, refresh, fetch)
            .await
            .map_err(DirectoryError::Jamf)?;
        Ok(Served { snapshot, outcome })
    }
}

fn snapshot_key(account: &IntegratedAccount, kind: SnapshotKind) -> SnapshotKey {
    SnapshotKey {
        account: account.id,
        credentials: account.credentials_fingerprint(),
        kind,
    }
}
