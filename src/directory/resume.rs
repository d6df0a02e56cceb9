//! What unfinished fetches read, kept so that the next attempt asks Jamf only for what is
//! missing: per snapshot key, from a fetch's start until one succeeds, and for `cache.ttl_secs`
//! after a failure. In this replica's memory here; with `[redis]` also in Redis, so that
//! whichever replica resumes a fetch finds what another one read (`shared_tier`).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use moka::future::Cache;

use super::cache::SnapshotKey;
use crate::jamf::{MemoryReadMemo, ReadMemo};

/// Unfinished fetches kept at once, each with at most an eighth of `cache.max_bytes` of bodies.
pub const RESUMABLE_FETCHES: u64 = 8;

#[async_trait]
pub trait UnfinishedReads: Send + Sync {
    /// The memo a fetch of `key` reads from and adds to: what earlier attempts read, if any.
    async fn memo(&self, key: SnapshotKey) -> Arc<dyn ReadMemo>;
    /// The fetch of `key` failed: keep what it read for `cache.ttl_secs` from now.
    async fn failed(&self, key: SnapshotKey);
    /// The fetch of `key` succeeded: its reads are of no further use.
    async fn succeeded(&self, key: SnapshotKey);
}

/// [`UnfinishedReads`] in this replica's memory.
pub struct MemoryUnfinished {
    memos: Cache<SnapshotKey, Arc<MemoryReadMemo>>,
    memo_bytes: usize,
}

impl MemoryUnfinished {
    /// Memos kept `ttl` after their last failure, the bodies of all together bounded by about
    /// `max_bytes`.
    pub fn new(ttl: Duration, max_bytes: u64) -> Self {
        Self {
            memos: Cache::builder()
                .time_to_live(ttl)
                .max_capacity(RESUMABLE_FETCHES)
                .build(),
            memo_bytes: usize::try_from(max_bytes / RESUMABLE_FETCHES).unwrap_or(usize::MAX),
        }
    }

    pub async fn local_memo(&self, key: SnapshotKey) -> Arc<MemoryReadMemo> {
        let memo_bytes = self.memo_bytes;
        self.memos
            .get_with(
                key,
                async move { Arc::new(MemoryReadMemo::new(memo_bytes)) },
            )
            .await
    }

    /// Bytes one memo may hold.
    pub fn memo_bytes(&self) -> usize {
        self.memo_bytes
    }
}

#[async_trait]
impl UnfinishedReads for MemoryUnfinished {
    async fn memo(&self, key: SnapshotKey) -> Arc<dyn ReadMemo> {
        self.local_memo(key).await
    }

    async fn failed(&self, key: SnapshotKey) {
        // Inserted again, so its time to live counts from this failure.
        if let Some(memo) = self.memos.get(&key).await {
            self.memos.insert(key, memo).await;
        }
    }

    async fn succeeded(&self, key: SnapshotKey) {
        self.memos.invalidate(&key).await;
    }
}
