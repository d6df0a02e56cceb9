//! The short-lived snapshot cache: one normalized directory per integrated account.
//!
//! Concurrent misses for one account share a single fetch (moka's `try_get_with`), errors are
//! never cached (the next caller tries again), and a caller's `Cache-Control: no-cache`
//! replaces the entry with a fresh fetch. Entries are keyed by the account *and* its
//! credentials, so a snapshot read with credentials since changed is never served; entries of
//! changed or deleted accounts simply age out.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use moka::future::Cache;
use uuid::Uuid;

use super::model::DirectorySnapshot;

/// A snapshot and when it was fetched: monotonic for the `Age` header, wall-clock for
/// evidence that states it (the access-review report).
#[derive(Debug)]
pub struct CachedSnapshot {
    pub snapshot: DirectorySnapshot,
    pub fetched_at: Instant,
    pub fetched_at_utc: DateTime<Utc>,
}

impl CachedSnapshot {
    pub fn new(snapshot: DirectorySnapshot) -> Self {
        Self {
            snapshot,
            fetched_at: Instant::now(),
            fetched_at_utc: Utc::now(),
        }
    }

    pub fn age(&self) -> Duration {
        self.fetched_at.elapsed()
    }
}

/// How a request was served, for the `Cache-Status` header (RFC 9211).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Served from a cached snapshot (possibly one another caller was fetching).
    Hit,
    /// No snapshot was cached; this request fetched one.
    Miss,
    /// The caller asked for a fresh fetch (`Cache-Control: no-cache`).
    Refreshed,
}

impl CacheOutcome {
    /// The `Cache-Status` header value.
    pub fn header_value(self) -> &'static str {
        match self {
            Self::Hit => "jamf-directory; hit",
            Self::Miss => "jamf-directory; fwd=miss; stored",
            Self::Refreshed => "jamf-directory; fwd=request; stored",
        }
    }
}

/// Whose snapshot: an integrated account, read with one set of its credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SnapshotKey {
    pub account: Uuid,
    pub credentials: u64,
}

#[derive(Clone)]
pub struct SnapshotCache {
    entries: Cache<SnapshotKey, Arc<CachedSnapshot>>,
}

impl SnapshotCache {
    pub fn new(ttl: Duration, max_accounts: u64) -> Self {
        Self {
            entries: Cache::builder()
                .time_to_live(ttl)
                .max_capacity(max_accounts)
                .build(),
        }
    }

    /// The cached snapshot, or the result of `fetch` shared by every concurrent caller.
    /// With `refresh`, the cached entry is dropped first so this call fetches anew.
    pub async fn get_or_fetch<F, Fut, E>(
        &self,
        key: SnapshotKey,
        refresh: bool,
        fetch: F,
    ) -> Result<(Arc<CachedSnapshot>, CacheOutcome), Arc<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<DirectorySnapshot, E>>,
        E: Send + Sync + 'static,
    {
        if refresh {
            self.entries.invalidate(&key).await;
        }
        let fetched_here = AtomicBool::new(false);
        let entry = self
            .entries
            .try_get_with(key, async {
                // Counted here, before the fetch, so a failed fetch is still a miss.
                fetched_here.store(true, Ordering::Relaxed);
                metrics::counter!("directory_cache_misses_total").increment(1);
                fetch().await.map(|s| Arc::new(CachedSnapshot::new(s)))
            })
            .await?;
        let outcome = match (fetched_here.load(Ordering::Relaxed), refresh) {
            (false, _) => CacheOutcome::Hit,
            (true, false) => CacheOutcome::Miss,
            (true, true) => CacheOutcome::Refreshed,
        };
        if outcome == CacheOutcome::Hit {
            metrics::counter!("directory_cache_hits_total").increment(1);
        }
        Ok((entry, outcome))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn empty() -> DirectorySnapshot {
        DirectorySnapshot {
            jamf_version: Some("11.30.1".into()),
            users: vec![],
            groups: vec![],
            roles: vec![],
            workspaces: vec![],
            missing: vec![],
        }
    }

    #[tokio::test]
    async fn concurrent_misses_share_one_fetch_and_errors_are_not_cached() {
        let cache = SnapshotCache::new(Duration::from_secs(60), 10);
        let account = SnapshotKey {
            account: Uuid::new_v4(),
            credentials: 1,
        };
        let fetches = Arc::new(AtomicUsize::new(0));

        let failing = cache
            .get_or_fetch(account, false, || async {
                Err::<DirectorySnapshot, _>("jamf down")
            })
            .await;
        assert_eq!(*failing.unwrap_err(), "jamf down");

        let calls = (0..50).map(|_| {
            let fetches = fetches.clone();
            let cache = cache.clone();
            async move {
                cache
                    .get_or_fetch(account, false, || async move {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, ()>(empty())
                    })
                    .await
                    .map(|(_, outcome)| outcome)
            }
        });
        let outcomes = futures::future::join_all(calls).await;
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "single flight");
        let misses = outcomes
            .iter()
            .filter(|o| *o.as_ref().unwrap() == CacheOutcome::Miss)
            .count();
        assert_eq!(misses, 1);

        let (_, outcome) = cache
            .get_or_fetch(account, true, || async { Ok::<_, ()>(empty()) })
            .await
            .unwrap();
        assert_eq!(outcome, CacheOutcome::Refreshed);
        let (_, outcome) = cache
            .get_or_fetch(account, false, || async { Ok::<_, ()>(empty()) })
            .await
            .unwrap();
        assert_eq!(outcome, CacheOutcome::Hit);
        let changed = SnapshotKey {
            credentials: 2,
            ..account
        };
        let (_, outcome) = cache
            .get_or_fetch(changed, false, || async { Ok::<_, ()>(empty()) })
            .await
            .unwrap();
        assert_eq!(
            outcome,
            CacheOutcome::Miss,
            "new credentials never see the old snapshot"
        );
    }
}
