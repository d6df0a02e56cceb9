//! The directory use case: an integrated account's snapshot, from the cache or fetched from
//! its Jamf instance once for all concurrent callers, normalized, with Jamf's verdict fed back
//! into the account's status (401 → `needs_reauth`, success → `active`). An account in
//! `needs_reauth` is not fetched at all until its credentials change or are refreshed: Jamf
//! would refuse again, and repeated refusals can lock a Jamf user out.
//!
//! A fetch that fails part-way leaves the bodies it read in a memo of [`UnfinishedReads`],
//! kept for `cache.ttl_secs` after the failure: the next attempt reads only what is missing.

use std::sync::Arc;
use std::time::Duration;

use crate::accounts::{AccountError, AccountService, AccountStatus, IntegratedAccount};
use crate::jamf::{FetchProgress, FetchRun, JamfError, ProgressReport};

use super::cache::{
    CacheError, CacheOutcome, CachedSnapshot, FetchFailure, SnapshotCache, SnapshotKey,
    SnapshotKind,
};
use super::model::JamfRead;
use super::normalize::{normalize_directory, normalize_inventory};
use super::resume::UnfinishedReads;

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
    /// Jamf refused the account's credentials earlier; it is not asked again until they
    /// change or are refreshed.
    #[error("Jamf refused this integrated account's credentials ({last_error})")]
    NeedsReauth { last_error: String },
    /// The fetch goes on past the caller's wait.
    #[error("the Jamf fetch is still running")]
    StillFetching(ProgressReport),
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
    /// What failed fetches read, by snapshot, for the next attempt.
    unfinished: Arc<dyn UnfinishedReads>,
}

impl DirectoryService {
    pub fn new(
        accounts: Arc<AccountService>,
        cache: SnapshotCache<JamfError>,
        unfinished: Arc<dyn UnfinishedReads>,
    ) -> Self {
        Self {
            accounts,
            cache,
            unfinished,
        }
    }

    /// Whether reading `account` now would send requests to Jamf: `refresh`, or no snapshot a
    /// cache could answer with and no fetch under way to wait for.
    pub async fn would_reach_jamf(
        &self,
        account: &IntegratedAccount,
        kind: SnapshotKind,
        refresh: bool,
    ) -> bool {
        account.status != AccountStatus::NeedsReauth
            && (refresh || !self.cache.can_answer(&snapshot_key(account, kind)).await)
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
        let wait = self.cache.policy().fetch_wait;
        self.read(account, kind, refresh, Some(wait)).await
    }

    /// A snapshot fetched anew, waited for however long the fetch takes (within
    /// `upstream.deadline_secs`): for work that runs on its own, not for a caller in person.
    pub async fn fresh_snapshot(
        &self,
        account: &IntegratedAccount,
        kind: SnapshotKind,
    ) -> Result<Served, DirectoryError> {
        self.read(account, kind, true, None).await
    }

    async fn read(
        &self,
        account: &IntegratedAccount,
        kind: SnapshotKind,
        refresh: bool,
        wait: Option<Duration>,
    ) -> Result<Served, DirectoryError> {
        if account.status == AccountStatus::NeedsReauth {
            return Err(DirectoryError::NeedsReauth {
                last_error: account.last_error.clone().unwrap_or_default(),
            });
        }
        let client = self.accounts.jamf_client(account).await?;
        let key = snapshot_key(account, kind);
        let accounts = self.accounts.clone();
        let account = account.clone();
        let unfinished = self.unfinished.clone();
        // The fetch may outlive this request (a background refresh, a caller who stopped
        // waiting), so it owns what it uses and feeds Jamf's verdict into the account's
        // status itself, once per fetch.
        let fetch = move |progress: Arc<FetchProgress>| async move {
            let memo = unfinished.memo(key).await;
            let run = FetchRun {
                progress: progress.clone(),
                memo,
            };
            let client = client.for_fetch(run);
            let fetched = match kind {
                SnapshotKind::Directory => client
                    .fetch_directory()
                    .await
                    .map(|raw| normalize_directory(&raw)),
                SnapshotKind::Inventory => client
                    .fetch_inventory()
                    .await
                    .map(|raw| normalize_inventory(&raw)),
            }
            .map(|mut snapshot| {
                snapshot.reads = reads_of(&progress);
                snapshot
            });
            match &fetched {
                Ok(_) => {
                    unfinished.succeeded(key).await;
                    accounts.jamf_succeeded(&account).await;
                }
                Err(err) => {
                    unfinished.failed(key).await;
                    accounts.jamf_failed(&account, err).await;
                }
            }
            fetched
        };
        let (snapshot, outcome) = self
            .cache
            .get_waiting(key, refresh, wait, fetch)
            .await
            .map_err(|err| match err {
                CacheError::Failed(err) => DirectoryError::Jamf(err),
                CacheError::StillFetching(progress) => DirectoryError::StillFetching(progress),
            })?;
        Ok(Served { snapshot, outcome })
    }
}

/// The fetch's reads, as its snapshot states them.
fn reads_of(progress: &FetchProgress) -> Vec<JamfRead> {
    progress
        .reads()
        .into_iter()
        .map(|(endpoint, read)| JamfRead {
            endpoint: endpoint.to_owned(),
            requests: read.requests,
            statuses: read.statuses,
            total_count: read.total_count,
        })
        .collect()
}

fn snapshot_key(account: &IntegratedAccount, kind: SnapshotKind) -> SnapshotKey {
    SnapshotKey {
        account: account.id,
        credentials: account.credentials_fingerprint(),
        kind,
    }
}
