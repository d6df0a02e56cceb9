//! The directory use case: an integrated account's snapshot, from the cache or fetched from
//! its Jamf instance once for all concurrent callers, normalized, with Jamf's verdict fed back
//! into the account's status (401 → `needs_reauth`, success → `active`).

use std::sync::Arc;

use crate::accounts::{AccountError, AccountService, IntegratedAccount};
use crate::jamf::JamfError;

use super::cache::{CacheOutcome, CachedSnapshot, SnapshotCache, SnapshotKey};
use super::normalize::normalize_directory;

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
    cache: SnapshotCache,
}

impl DirectoryService {
    pub fn new(accounts: Arc<AccountService>, cache: SnapshotCache) -> Self {
        Self { accounts, cache }
    }

    /// `account`'s snapshot: cached, or fetched once for all concurrent callers. `refresh`
    /// (a caller's `Cache-Control: no-cache`) always fetches anew. Every record of every
    /// endpoint comes from here, so a record reads the same whichever call returns it.
    pub async fn snapshot(
        &self,
        account: &IntegratedAccount,
        refresh: bool,
    ) -> Result<Served, DirectoryError> {
        let client = self.accounts.jamf_client(account).await?;
        let key = SnapshotKey {
            account: account.id,
            credentials: account.credentials_fingerprint(),
        };
        let result = self
            .cache
            .get_or_fetch(key, refresh, || async {
                client
                    .fetch_directory()
                    .await
                    .map(|raw| normalize_directory(&raw))
            })
            .await;
        match result {
            Ok((snapshot, outcome)) => {
                // A cached snapshot says nothing new about the credentials.
                if outcome != CacheOutcome::Hit {
                    self.accounts.jamf_succeeded(account).await;
                }
                Ok(Served { snapshot, outcome })
            }
            Err(err) => {
                self.accounts.jamf_failed(account, &err).await;
                Err(DirectoryError::Jamf(err))
            }
        }
    }
}
