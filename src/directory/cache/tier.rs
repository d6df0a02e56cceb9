//! The seam between the in-process snapshot cache and a tier other replicas share (see
//! `shared_tier`): snapshots any replica fetched, and one fetch per key across all of them.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use super::{CachedSnapshot, SnapshotKey};
use crate::directory::model::DirectorySnapshot;
use crate::jamf::FetchProgress;

/// A snapshot store shared with other replicas, and the fetch coordination that goes with it.
/// Every method degrades to "nothing shared" when the store cannot be reached: the cache then
/// behaves as a replica on its own.
#[async_trait]
pub trait SharedSnapshots<E>: Send + Sync {
    /// `key`'s stored snapshot, if one is stored (it may be stale).
    async fn load(&self, key: SnapshotKey) -> Option<CachedSnapshot>;

    /// Whether a read of `key` would be answered without a new Jamf fetch: a stored snapshot
    /// younger than `servable`, or a fetch under way on some replica.
    async fn can_answer(&self, key: SnapshotKey, servable: Duration) -> bool;

    /// A snapshot of `key`: one stored at `fresh_since` or later (none qualifies when `None`);
    /// else the result of the fetch another replica is running, waited for; else `fetch`'s,
    /// run here under a lease the others wait on, and stored for them. `progress` is what
    /// `fetch` reports to; while another replica's fetch is waited for, it mirrors that
    /// fetch's progress instead.
    async fn fetch_once(
        &self,
        key: SnapshotKey,
        fresh_since: Option<DateTime<Utc>>,
        progress: Arc<FetchProgress>,
        fetch: BoxFuture<'static, Result<DirectorySnapshot, E>>,
    ) -> Result<Fetched, Arc<E>>;
}

/// A snapshot a fetch produced, and whether it came from Jamf through this replica.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub snapshot: Arc<CachedSnapshot>,
    pub here: bool,
}
