//! The snapshot cache: one normalized directory per integrated account, with HTTP caching's
//! stale rules (RFC 5861).
//!
//! - Younger than the TTL: served as is.
//! - Up to `stale_while_revalidate` past the TTL: served at once while one background fetch
//!   refreshes it; no caller waits on a refresh a stale snapshot can answer.
//! - Older, or absent: the caller waits for a fetch. When that fetch fails on Jamf's side
//!   (unreachable, timeout, 5xx) and the snapshot is at most `stale_if_error` past the TTL, the
//!   stale snapshot answers instead. Refused credentials or privileges never do.
//! - `refresh` (a caller's `Cache-Control: no-cache`) always waits for a fetch, never stale.
//! - While a fetch of any length runs, a stale snapshot (kept up to the longer stale window
//!   past the TTL) answers at once; a caller with no
//!   snapshot to fall back on waits at most `fetch_wait`, then hears how far the fetch got
//!   ([`CacheError::StillFetching`]); the fetch goes on, and later callers attach to it.
//! - Once a fetch has failed, the failure is remembered until one succeeds: stale answers say
//!   `stale-if-error` for a failure on Jamf's side, and after a refusal (one no stale snapshot
//!   may paper over: credentials, privileges) no snapshot of the key is served at all.
//!
//! Every fetch of a key is shared (single flight) by whoever needs it meanwhile: foreground
//! misses, no-cache requests and the background refresh. moka stores the snapshots (bounded,
//! expiring once even stale-if-error cannot use them); its own single flight covers absent
//! keys only, and a refresh must run while the old snapshot is still served, so in-flight
//! fetches are tracked here. A fetch runs in its own task: a caller that goes away cancels
//! nobody else's answer. Entries are keyed by the account *and* its credentials, so a
//! snapshot read with credentials since changed is never served.
//!
//! With a shared tier ([`SharedSnapshots`]) this cache is the first of two: a key missing here
//! is looked up there, and a fetch asks the shared tier first, which gives a snapshot another
//! replica stored, waits for one another replica is fetching, or runs the fetch here for all.

mod tier;

pub use tier::{Fetched, SharedSnapshots};

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::FutureExt as _;
use futures::future::{BoxFuture, Shared};
use moka::future::Cache;
use moka::policy::EvictionPolicy;
use serde_json::value::RawValue;
use uuid::Uuid;

use super::model::DirectorySnapshot;
use crate::jamf::{FetchProgress, ProgressReport};

/// A snapshot and when it was fetched: monotonic for the `Age` header and staleness,
/// wall-clock for evidence that states it (the access-review report).
#[derive(Debug)]
pub struct CachedSnapshot {
    pub snapshot: DirectorySnapshot,
    pub fetched_at: Instant,
    pub fetched_at_utc: DateTime<Utc>,
    /// Each user's JSON as plain lists serve it, rendered on first use: a snapshot never
    /// changes, so warm lists copy bytes instead of serializing the same records again. One
    /// slot per `snapshot.users` entry, in the same order; only users actually listed hold
    /// bytes, so memory follows what callers read.
    pub users_as_listed: Box<[OnceLock<Box<RawValue>>]>,
}

impl CachedSnapshot {
    pub fn new(snapshot: DirectorySnapshot) -> Self {
        Self::fetched_at(snapshot, Utc::now())
    }

    /// A snapshot fetched at `at` (possibly by another replica): its age counts from then.
    pub fn fetched_at(snapshot: DirectorySnapshot, at: DateTime<Utc>) -> Self {
        let now = Instant::now();
        let age = (Utc::now() - at).to_std().unwrap_or_default();
        Self {
            users_as_listed: snapshot.users.iter().map(|_| OnceLock::new()).collect(),
            snapshot,
            fetched_at: now.checked_sub(age).unwrap_or(now),
            fetched_at_utc: at,
        }
    }

    pub fn age(&self) -> Duration {
        self.fetched_at.elapsed()
    }

    /// The snapshot's estimate plus what its users take once listed (their rendered JSON is
    /// about their raw records and fields again).
    pub fn estimated_bytes(&self) -> usize {
        let rendered: usize = self
            .snapshot
            .users
            .iter()
            .map(|u| 512 + u.remote_data.get().len())
            .sum();
        self.snapshot.estimated_bytes() + rendered
    }
}

/// How a request was served, for the `Cache-Status` header (RFC 9211).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// A fresh snapshot (possibly one another caller was fetching).
    Hit,
    /// A snapshot past its TTL, served while a background fetch refreshes it.
    StaleWhileRevalidate,
    /// No usable snapshot; this request fetched one.
    Miss,
    /// The caller asked for a fresh fetch (`Cache-Control: no-cache`).
    Refreshed,
    /// The fetch failed on Jamf's side (`jamf_status`: Jamf's status, 504 when it gave none);
    /// a stale snapshot answered.
    StaleIfError { jamf_status: u16 },
}

impl CacheOutcome {
    /// The `Cache-Status` header value.
    pub fn header_value(self) -> String {
        match self {
            Self::Hit => "jamf-directory; hit".to_owned(),
            Self::StaleWhileRevalidate => {
                "jamf-directory; hit; detail=stale-while-revalidate".to_owned()
            }
            Self::Miss => "jamf-directory; fwd=miss; stored".to_owned(),
            Self::Refreshed => "jamf-directory; fwd=request; stored".to_owned(),
            Self::StaleIfError { jamf_status } => format!(
                "jamf-directory; fwd=stale; fwd-status={jamf_status}; detail=stale-if-error"
            ),
        }
    }
}

/// Why the cache gave no snapshot.
#[derive(Debug)]
pub enum CacheError<E> {
    /// The fetch failed (shared by every caller that waited on it).
    Failed(Arc<E>),
    /// The fetch is still running after `fetch_wait`, and no snapshot may stand in.
    StillFetching(ProgressReport),
}

/// A failed fetch, as far as the stale-if-error rule cares.
pub trait FetchFailure {
    /// The status to report when a stale snapshot may answer instead (Jamf unreachable, too
    /// slow, or failing with 5xx); `None` when the failure must reach the caller.
    fn stale_if_error_status(&self) -> Option<u16>;
}

/// Which snapshot of an integrated account: the identities that can administer Jamf (admins
/// and API clients, with groups, roles and sites), or the inventory users, fetched only when
/// asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotKind {
    Directory,
    Inventory,
}

/// Whose snapshot: an integrated account, read with one set of its credentials, and which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SnapshotKey {
    pub account: Uuid,
    pub credentials: u64,
    pub kind: SnapshotKind,
}

/// How long snapshots are fresh, and how long past that they may stand in.
#[derive(Debug, Clone, Copy)]
pub struct CachePolicy {
    pub ttl: Duration,
    pub stale_while_revalidate: Duration,
    pub stale_if_error: Duration,
    /// Snapshots kept at once.
    pub max_accounts: u64,
    /// Estimated bytes all snapshots may take together.
    pub max_bytes: u64,
    /// How long a caller with no snapshot to fall back on waits for a fetch.
    pub fetch_wait: Duration,
}

impl CachePolicy {
    /// How long after its fetch any rule may still serve a snapshot.
    pub fn usable_for(&self) -> Duration {
        self.ttl + self.stale_while_revalidate.max(self.stale_if_error)
    }
}

type Fetch<E> = Shared<BoxFuture<'static, Result<Fetched, Arc<E>>>>;

/// A fetch under way: its result, shared, and how far it has got.
struct InFlight<E> {
    result: Fetch<E>,
    progress: Arc<FetchProgress>,
}

impl<E> Clone for InFlight<E> {
    fn clone(&self) -> Self {
        Self {
            result: self.result.clone(),
            progress: self.progress.clone(),
        }
    }
}

pub struct SnapshotCache<E> {
    policy: CachePolicy,
    entries: Cache<SnapshotKey, Arc<CachedSnapshot>>,
    fetching: Arc<Mutex<HashMap<SnapshotKey, InFlight<E>>>>,
    /// The last fetch's failure, until a fetch succeeds.
    failures: Cache<SnapshotKey, Arc<E>>,
    shared: Option<Arc<dyn SharedSnapshots<E>>>,
}

impl<E> Clone for SnapshotCache<E> {
    fn clone(&self) -> Self {
        Self {
            policy: self.policy,
            entries: self.entries.clone(),
            fetching: self.fetching.clone(),
            failures: self.failures.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<E: FetchFailure + Send + Sync + 'static> SnapshotCache<E> {
    /// Bounded by estimated bytes and by count at once: entries weigh their estimated KiB,
    /// but at least an even share of the byte budget among `max_accounts`, so no more than
    /// `max_accounts` fit however small they are.
    pub fn new(policy: CachePolicy) -> Self {
        let usable_for = policy.usable_for();
        let capacity_kib = (policy.max_bytes / 1024).max(1);
        let floor_kib = (capacity_kib / policy.max_accounts.max(1)).max(1);
        Self {
            policy,
            entries: Cache::builder()
                .time_to_live(usable_for)
                .max_capacity(capacity_kib)
                // The snapshots read most recently are the ones callers will read again.
                .eviction_policy(EvictionPolicy::lru())
                .weigher(move |_, snapshot: &Arc<CachedSnapshot>| {
                    let kib = (snapshot.estimated_bytes() / 1024) as u64;
                    u32::try_from(kib.max(floor_kib)).unwrap_or(u32::MAX)
                })
                .build(),
            fetching: Arc::default(),
            // Past `usable_for` no snapshot is left for a failure to hold back.
            failures: Cache::builder()
                .time_to_live(usable_for)
                .max_capacity(policy.max_accounts)
                .build(),
            shared: None,
        }
    }

    pub fn policy(&self) -> &CachePolicy {
        &self.policy
    }

    /// This cache in front of a tier other replicas share.
    pub fn with_shared(mut self, shared: Arc<dyn SharedSnapshots<E>>) -> Self {
        self.shared = Some(shared);
        self
    }

    /// The snapshot of `key` under the rules of the module documentation. `fetch` runs only
    /// when no fetch of `key` is under way already; it reports its progress to the
    /// [`FetchProgress`] it is given.
    pub async fn get<F, Fut>(
        &self,
        key: SnapshotKey,
        refresh: bool,
        fetch: F,
    ) -> Result<(Arc<CachedSnapshot>, CacheOutcome), CacheError<E>>
    where
        F: FnOnce(Arc<FetchProgress>) -> Fut,
        Fut: Future<Output = Result<DirectorySnapshot, E>> + Send + 'static,
    {
        self.get_waiting(key, refresh, Some(self.policy.fetch_wait), fetch)
            .await
    }

    /// As [`Self::get`], waiting for a fetch at most `wait` (`None`: until it ends, for work
    /// that runs on its own, such as an evidence snapshot).
    pub async fn get_waiting<F, Fut>(
        &self,
        key: SnapshotKey,
        refresh: bool,
        wait: Option<Duration>,
        fetch: F,
    ) -> Result<(Arc<CachedSnapshot>, CacheOutcome), CacheError<E>>
    where
        F: FnOnce(Arc<FetchProgress>) -> Fut,
        Fut: Future<Output = Result<DirectorySnapshot, E>> + Send + 'static,
    {
        let failure = self.failures.get(&key).await;
        let refused = failure
            .as_ref()
            .is_some_and(|err| err.stale_if_error_status().is_none());
        // What a stale answer says: after a failure on Jamf's side, that it was one.
        let stale = match failure.as_ref().and_then(|err| err.stale_if_error_status()) {
            Some(jamf_status) => CacheOutcome::StaleIfError { jamf_status },
            None => CacheOutcome::StaleWhileRevalidate,
        };
        let cached = if refresh || refused {
            None
        } else {
            self.lookup(key).await
        };
        if let Some(snapshot) = &cached {
            let age = snapshot.age();
            if age < self.policy.ttl {
                metrics::counter!("directory_cache_hits_total").increment(1);
                return Ok((snapshot.clone(), CacheOutcome::Hit));
            }
            if age < self.policy.ttl + self.policy.stale_while_revalidate || self.is_fetching(&key)
            {
                // Started or joined, and left running: the answer does not wait for it.
                drop(self.fetch(key, false, fetch));
                count_stale(stale);
                return Ok((snapshot.clone(), stale));
            }
        }
        let (in_flight, started_here) = self.fetch(key, refresh, fetch);
        let waited = match wait {
            Some(wait) => tokio::time::timeout(wait, in_flight.result).await,
            None => Ok(in_flight.result.await),
        };
        let Ok(fetched) = waited else {
            // Still running: an old snapshot answers meanwhile, or the caller hears how far
            // the fetch got.
            return match cached {
                Some(snapshot) => {
                    count_stale(stale);
                    Ok((snapshot, stale))
                }
                None => Err(CacheError::StillFetching(in_flight.progress.report())),
            };
        };
        match fetched {
            Ok(Fetched { snapshot, here }) => {
                let outcome = match (refresh, started_here && here) {
                    (true, _) => CacheOutcome::Refreshed,
                    (false, true) => CacheOutcome::Miss,
                    (false, false) => CacheOutcome::Hit,
                };
                if outcome == CacheOutcome::Hit {
                    metrics::counter!("directory_cache_hits_total").increment(1);
                }
                Ok((snapshot, outcome))
            }
            Err(err) => {
                let stale = cached
                    .filter(|s| s.age() < self.policy.ttl + self.policy.stale_if_error)
                    .zip(err.stale_if_error_status());
                let Some((snapshot, jamf_status)) = stale else {
                    return Err(CacheError::Failed(err));
                };
                let outcome = CacheOutcome::StaleIfError { jamf_status };
                count_stale(outcome);
                Ok((snapshot, outcome))
            }
        }
    }

    /// Whether a read of `key` would be answered without a new fetch: a snapshot fresh or
    /// within stale-while-revalidate, or a fetch under way to share (here or, with a shared
    /// tier, on any replica). After a refusal, only a fetch under way counts.
    pub async fn can_answer(&self, key: &SnapshotKey) -> bool {
        if self.is_fetching(key) {
            return true;
        }
        if self
            .failures
            .get(key)
            .await
            .is_some_and(|err| err.stale_if_error_status().is_none())
        {
            return false;
        }
        let usable = self.policy.ttl + self.policy.stale_while_revalidate;
        let servable = self
            .entries
            .get(key)
            .await
            .is_some_and(|snapshot| snapshot.age() < usable);
        if servable {
            return true;
        }
        match &self.shared {
            Some(shared) => shared.can_answer(*key, usable).await,
            None => false,
        }
    }

    fn is_fetching(&self, key: &SnapshotKey) -> bool {
        self.fetching
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(key)
    }

    /// `key`'s snapshot here, else the shared tier's (kept here from then on).
    async fn lookup(&self, key: SnapshotKey) -> Option<Arc<CachedSnapshot>> {
        if let Some(snapshot) = self.entries.get(&key).await {
            return Some(snapshot);
        }
        let stored = Arc::new(self.shared.as_ref()?.load(key).await?);
        self.entries.insert(key, stored.clone()).await;
        Some(stored)
    }

    /// The fetch of `key` under way, or a new one in its own task; `true` when this call
    /// started it. The new one asks the shared tier first, if any, and runs `fetch` only when
    /// Jamf must be asked here. A fetch's outcome is stored (the snapshot, or the failure) before
    /// it is forgotten as under way, so no caller in between finds neither.
    fn fetch<F, Fut>(&self, key: SnapshotKey, refresh: bool, fetch: F) -> (InFlight<E>, bool)
    where
        F: FnOnce(Arc<FetchProgress>) -> Fut,
        Fut: Future<Output = Result<DirectorySnapshot, E>> + Send + 'static,
    {
        let mut fetching = self.fetching.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(under_way) = fetching.get(&key) {
            return (under_way.clone(), false);
        }
        let progress = Arc::new(FetchProgress::default());
        let work = fetch(progress.clone());
        let jamf = async move {
            // Counted when a Jamf fetch starts, so a failed fetch is still a miss.
            metrics::counter!("directory_cache_misses_total").increment(1);
            work.await
        };
        let tier_progress = progress.clone();
        let entries = self.entries.clone();
        let failures = self.failures.clone();
        let registry = self.fetching.clone();
        let tier = self.shared.clone();
        let fresh_since = (!refresh).then(|| ago(self.policy.ttl));
        let result: Fetch<E> = async move {
            let result = match tier {
                Some(tier) => {
                    let shared = tier_progress;
                    tier.fetch_once(key, fresh_since, shared, jamf.boxed())
                        .await
                }
                None => jamf
                    .await
                    .map(|s| Fetched {
                        snapshot: Arc::new(CachedSnapshot::new(s)),
                        here: true,
                    })
                    .map_err(Arc::new),
            };
            match &result {
                Ok(fetched) => {
                    entries.insert(key, fetched.snapshot.clone()).await;
                    failures.invalidate(&key).await;
                }
                Err(err) => failures.insert(key, err.clone()).await,
            }
            registry
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&key);
            result
        }
        .boxed()
        .shared();
        let in_flight = InFlight { result, progress };
        fetching.insert(key, in_flight.clone());
        tokio::spawn(in_flight.result.clone());
        (in_flight, true)
    }
}

/// The wall-clock time `age` ago (the epoch's start for absurd ages).
fn ago(age: Duration) -> DateTime<Utc> {
    chrono::TimeDelta::from_std(age)
        .ok()
        .and_then(|age| Utc::now().checked_sub_signed(age))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn count_stale(outcome: CacheOutcome) {
    let rule = match outcome {
        CacheOutcome::StaleIfError { .. } => "stale-if-error",
        _ => "stale-while-revalidate",
    };
    metrics::counter!("directory_cache_stale_answers_total", "rule" => rule).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug, PartialEq)]
    enum Failure {
        JamfDown,
        Refused,
    }

    impl FetchFailure for Failure {
        fn stale_if_error_status(&self) -> Option<u16> {
            (*self == Failure::JamfDown).then_some(503)
        }
    }

    fn empty() -> DirectorySnapshot {
        DirectorySnapshot {
            jamf_version: Some("11.30.1".into()),
            users: vec![],
            groups: vec![],
            roles: vec![],
            workspaces: vec![],
            missing: vec![],
            reads: vec![],
        }
    }

    fn cache_with(ttl_ms: u64, swr_ms: u64, sie_ms: u64) -> SnapshotCache<Failure> {
        SnapshotCache::new(CachePolicy {
            ttl: Duration::from_millis(ttl_ms),
            stale_while_revalidate: Duration::from_millis(swr_ms),
            stale_if_error: Duration::from_millis(sie_ms),
            max_accounts: 10,
            max_bytes: 1 << 30,
            fetch_wait: Duration::from_secs(60),
        })
    }

    fn key(credentials: u64) -> SnapshotKey {
        SnapshotKey {
            account: Uuid::from_u128(1),
            credentials,
            kind: SnapshotKind::Directory,
        }
    }

    async fn outcome(
        cache: &SnapshotCache<Failure>,
        key: SnapshotKey,
        refresh: bool,
        result: Result<(), Failure>,
    ) -> Result<CacheOutcome, Arc<Failure>> {
        cache
            .get(key, refresh, |_| async move { result.map(|()| empty()) })
            .await
            .map(|(_, outcome)| outcome)
            .map_err(failed)
    }

    fn failed(err: CacheError<Failure>) -> Arc<Failure> {
        match err {
            CacheError::Failed(err) => err,
            CacheError::StillFetching(progress) => panic!("still fetching: {progress:?}"),
        }
    }

    #[tokio::test]
    async fn concurrent_misses_share_one_fetch_and_errors_are_not_cached() {
        let cache = cache_with(60_000, 0, 0);
        let fetches = Arc::new(AtomicUsize::new(0));
        assert_eq!(
            *outcome(&cache, key(1), false, Err(Failure::JamfDown))
                .await
                .unwrap_err(),
            Failure::JamfDown
        );
        let calls = (0..50).map(|_| {
            let fetches = fetches.clone();
            let cache = cache.clone();
            async move {
                cache
                    .get(key(1), false, |_| async move {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(empty())
                    })
                    .await
                    .map(|(_, outcome)| outcome)
                    .map_err(failed)
            }
        });
        let outcomes = futures::future::join_all(calls).await;
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "single flight");
        let misses = outcomes
            .iter()
            .filter(|o| *o.as_ref().unwrap() == CacheOutcome::Miss)
            .count();
        assert_eq!(misses, 1);
        let refreshed = outcome(&cache, key(1), true, Ok(())).await;
        assert_eq!(refreshed.unwrap(), CacheOutcome::Refreshed);
        assert_eq!(
            outcome(&cache, key(1), false, Ok(())).await.unwrap(),
            CacheOutcome::Hit
        );
        assert_eq!(
            outcome(&cache, key(2), false, Ok(())).await.unwrap(),
            CacheOutcome::Miss,
            "new credentials never see the old snapshot"
        );
    }

    #[tokio::test]
    async fn snapshots_are_evicted_by_estimated_bytes_least_recently_used_first() {
        use crate::directory::model::RemoteData;
        use crate::directory::model::test_users::{admin, snapshot};

        let cache = SnapshotCache::<Failure>::new(CachePolicy {
            ttl: Duration::from_secs(60),
            stale_while_revalidate: Duration::ZERO,
            stale_if_error: Duration::ZERO,
            max_accounts: 100,
            max_bytes: 512 * 1024,
            fetch_wait: Duration::from_secs(60),
        });
        // One user whose raw record is 100 KiB: about 200 KiB with its rendering.
        let fat = || {
            let mut user = admin("1", "fat", "fat@example.com");
            user.remote_data =
                RemoteData::new(&serde_json::json!({"v1_account": "x".repeat(100 * 1024)}));
            snapshot(vec![user])
        };
        for credentials in 1..=3 {
            cache
                .get(key(credentials), false, |_| async move { Ok(fat()) })
                .await
                .unwrap();
        }
        cache.entries.run_pending_tasks().await;
        assert!(
            cache.entries.weighted_size() <= 512,
            "{} KiB",
            cache.entries.weighted_size()
        );
        assert_eq!(
            cache.entries.entry_count(),
            2,
            "the third did not fit beside two"
        );
        assert!(
            !cache.entries.contains_key(&key(1)),
            "the least recently used went"
        );
        assert!(cache.entries.contains_key(&key(3)));
    }

    #[tokio::test]
    async fn past_the_ttl_a_stale_snapshot_answers_while_one_refresh_runs() {
        let cache = cache_with(20, 60_000, 0);
        outcome(&cache, key(1), false, Ok(())).await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        let fetches = Arc::new(AtomicUsize::new(0));
        let (release, gate) = tokio::sync::watch::channel(false);
        for _ in 0..10 {
            let fetches = fetches.clone();
            let mut gate = gate.clone();
            let (_, served) = cache
                .get(key(1), false, |_| async move {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    let _ = gate.wait_for(|open| *open).await;
                    Ok(empty())
                })
                .await
                .unwrap();
            assert_eq!(served, CacheOutcome::StaleWhileRevalidate);
        }
        release.send(true).unwrap();
        for _ in 0..100 {
            if outcome(&cache, key(1), false, Ok(())).await.unwrap() == CacheOutcome::Hit {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "one background refresh");
        assert_eq!(
            outcome(&cache, key(1), false, Ok(())).await.unwrap(),
            CacheOutcome::Hit
        );
    }

    #[tokio::test]
    async fn a_failing_refresh_answers_stale_only_for_jamf_side_failures_within_the_window() {
        let cache = cache_with(10, 0, 60_000);
        outcome(&cache, key(1), false, Ok(())).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            outcome(&cache, key(1), false, Err(Failure::JamfDown))
                .await
                .unwrap(),
            CacheOutcome::StaleIfError { jamf_status: 503 }
        );
        assert!(
            outcome(&cache, key(1), false, Err(Failure::Refused))
                .await
                .is_err()
        );
        assert!(
            outcome(&cache, key(1), true, Err(Failure::JamfDown))
                .await
                .is_err(),
            "no-cache is never answered stale"
        );
        let short = cache_with(10, 0, 10);
        outcome(&short, key(1), false, Ok(())).await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(
            outcome(&short, key(1), false, Err(Failure::JamfDown))
                .await
                .is_err(),
            "past the window"
        );
    }

    fn waiting_cache(
        ttl_ms: u64,
        swr_ms: u64,
        sie_ms: u64,
        wait_ms: u64,
    ) -> SnapshotCache<Failure> {
        let mut cache = cache_with(ttl_ms, swr_ms, sie_ms);
        cache.policy.fetch_wait = Duration::from_millis(wait_ms);
        cache
    }

    /// A fetch that reports `reads` reads done, then waits for the gate.
    fn gated(
        fetches: &Arc<AtomicUsize>,
        gate: &tokio::sync::watch::Receiver<bool>,
        reads: usize,
    ) -> impl FnOnce(
        Arc<FetchProgress>,
    ) -> futures::future::BoxFuture<'static, Result<DirectorySnapshot, Failure>> {
        let fetches = fetches.clone();
        let mut gate = gate.clone();
        move |progress| {
            async move {
                fetches.fetch_add(1, Ordering::SeqCst);
                progress.plan(reads * 2);
                for _ in 0..reads {
                    progress.read_done();
                }
                let _ = gate.wait_for(|open| *open).await;
                Ok(empty())
            }
            .boxed()
        }
    }

    #[tokio::test]
    async fn a_caller_stops_waiting_with_the_progress_and_later_callers_attach() {
        let cache = waiting_cache(60_000, 0, 0, 30);
        let fetches = Arc::new(AtomicUsize::new(0));
        let (release, gate) = tokio::sync::watch::channel(false);
        for _ in 0..3 {
            let Err(CacheError::StillFetching(progress)) =
                cache.get(key(1), false, gated(&fetches, &gate, 4)).await
            else {
                panic!("the fetch is held");
            };
            assert_eq!(progress.requests_done, 4);
            assert_eq!(progress.requests_planned, Some(8));
            assert!(progress.started_at <= Utc::now());
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "nobody restarted it");
        release.send(true).unwrap();
        let waited = cache.get(key(1), false, gated(&fetches, &gate, 0)).await;
        assert!(waited.is_ok(), "the same fetch, finished");
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert_eq!(
            outcome(&cache, key(1), false, Ok(())).await.unwrap(),
            CacheOutcome::Hit
        );
    }

    #[tokio::test]
    async fn the_previous_snapshot_answers_while_a_refresh_of_any_length_runs() {
        // No stale-while-revalidate window at all: only the refresh under way lets it answer
        // (for as long as the snapshot is kept: the stale-if-error window).
        let cache = waiting_cache(10, 0, 60_000, 30);
        outcome(&cache, key(1), false, Ok(())).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let fetches = Arc::new(AtomicUsize::new(0));
        let (release, gate) = tokio::sync::watch::channel(false);
        let (_, first) = cache
            .get(key(1), false, gated(&fetches, &gate, 1))
            .await
            .expect("the old snapshot after the wait");
        assert_eq!(first, CacheOutcome::StaleWhileRevalidate);
        for _ in 0..5 {
            let (_, served) = cache
                .get(key(1), false, gated(&fetches, &gate, 1))
                .await
                .unwrap();
            assert_eq!(served, CacheOutcome::StaleWhileRevalidate);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "one refresh");
        let refreshed = cache.get(key(1), true, gated(&fetches, &gate, 1)).await;
        assert!(
            matches!(refreshed, Err(CacheError::StillFetching(_))),
            "no-cache is never answered stale"
        );
        release.send(true).unwrap();
        cache
            .get(key(1), true, gated(&fetches, &gate, 1))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn after_a_failure_stale_answers_say_so_and_after_a_refusal_there_are_none() {
        let cache = cache_with(10, 60_000, 60_000);
        outcome(&cache, key(1), false, Ok(())).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        // The background refresh this starts fails on Jamf's side.
        assert_eq!(
            outcome(&cache, key(1), false, Err(Failure::JamfDown))
                .await
                .unwrap(),
            CacheOutcome::StaleWhileRevalidate
        );
        let mut said = CacheOutcome::StaleWhileRevalidate;
        for _ in 0..100 {
            said = outcome(&cache, key(1), false, Err(Failure::JamfDown))
                .await
                .unwrap();
            if said != CacheOutcome::StaleWhileRevalidate {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(said, CacheOutcome::StaleIfError { jamf_status: 503 });
        // A refusal: the refresh it starts fails, and from then on nothing stale is served.
        let _ = outcome(&cache, key(1), false, Err(Failure::Refused)).await;
        let mut refused = None;
        for _ in 0..100 {
            match outcome(&cache, key(1), false, Err(Failure::Refused)).await {
                Err(err) => {
                    refused = Some(err);
                    break;
                }
                Ok(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
        assert_eq!(refused.as_deref(), Some(&Failure::Refused));
        assert!(!cache.can_answer(&key(1)).await, "the next read asks Jamf");
        assert_eq!(
            outcome(&cache, key(1), false, Ok(())).await.unwrap(),
            CacheOutcome::Miss,
            "a fetch that succeeds lifts it"
        );
        assert_eq!(
            outcome(&cache, key(1), false, Err(Failure::Refused))
                .await
                .unwrap(),
            CacheOutcome::Hit
        );
    }
}
