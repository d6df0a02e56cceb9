//! What unfinished fetches read, shared: each Jamf answer a fetch reads is also written to one
//! Redis hash per snapshot key (field: the request, value: the LZ4-compressed body sealed with
//! the entry HMAC of `codec` under the hash and field names, so whoever can write to Redis
//! cannot feed a fetch an answer Jamf never gave), so that
//! whichever replica attempts the fetch next — the lease passes to another replica when its
//! holder dies — asks Jamf only for what is missing. The hash lives while fetches run
//! (`deadline + ttl` from each write), `ttl` after a failure, and is removed on success.
//!
//! This replica's memory is the first tier: a Redis outage costs sharing, not resumption.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;

use super::codec::{self, EntryMac};
use super::keys::Keys;
use super::link::RedisLink;
use super::millis;
use crate::directory::cache::SnapshotKey;
use crate::directory::resume::{MemoryUnfinished, UnfinishedReads};
use crate::jamf::{MemoryReadMemo, ReadMemo};

pub struct RedisUnfinished {
    link: RedisLink,
    keys: Keys,
    local: MemoryUnfinished,
    ttl: Duration,
    /// How long a hash stays after each write: a fetch may run this long and then fail.
    while_fetching: Duration,
    mac: EntryMac,
}

/// How long what a fetch read is kept: `ttl` after a failure; a fetch may run `deadline`.
pub struct Lifetimes {
    pub ttl: Duration,
    pub deadline: Duration,
}

impl RedisUnfinished {
    pub fn new(
        link: RedisLink,
        keys: Keys,
        lifetimes: Lifetimes,
        max_bytes: u64,
        mac: EntryMac,
    ) -> Self {
        Self {
            link,
            keys,
            local: MemoryUnfinished::new(lifetimes.ttl, max_bytes),
            ttl: lifetimes.ttl,
            while_fetching: lifetimes.deadline + lifetimes.ttl,
            mac,
        }
    }
}

#[async_trait]
impl UnfinishedReads for RedisUnfinished {
    async fn memo(&self, key: SnapshotKey) -> Arc<dyn ReadMemo> {
        Arc::new(SharedMemo {
            local: self.local.local_memo(key).await,
            link: self.link.clone(),
            hash: self.keys.reads(&key),
            keep_ms: millis(self.while_fetching),
            written: AtomicUsize::new(0),
            max_bytes: self.local.memo_bytes(),
            mac: self.mac.clone(),
        })
    }

    async fn failed(&self, key: SnapshotKey) {
        self.local.failed(key).await;
        let hash = self.keys.reads(&key);
        let ttl_ms = millis(self.ttl);
        let _ = self
            .link
            .run(|mut conn| async move {
                redis::cmd("PEXPIRE")
                    .arg(&hash)
                    .arg(ttl_ms)
                    .query_async::<i64>(&mut conn)
                    .await
            })
            .await;
    }

    async fn succeeded(&self, key: SnapshotKey) {
        self.local.succeeded(key).await;
        let hash = self.keys.reads(&key);
        let _ = self
            .link
            .run(|mut conn| async move {
                redis::cmd("UNLINK")
                    .arg(&hash)
                    .query_async::<i64>(&mut conn)
                    .await
            })
            .await;
    }
}

/// One fetch's memo: this replica's memory, then the shared hash.
struct SharedMemo {
    local: Arc<MemoryReadMemo>,
    link: RedisLink,
    hash: String,
    keep_ms: u64,
    /// Bytes this fetch wrote to the hash; past `max_bytes` it stops writing.
    written: AtomicUsize,
    max_bytes: usize,
    mac: EntryMac,
}

impl SharedMemo {
    /// What the HMAC of a field signs: the hash and the field, so no entry can be moved.
    fn entry_name(&self, request: &str) -> String {
        format!("{}\n{request}", self.hash)
    }
}

#[async_trait]
impl ReadMemo for SharedMemo {
    async fn recall(&self, request: &str) -> Option<Arc<[u8]>> {
        if let Some(body) = self.local.recall(request).await {
            return Some(body);
        }
        let hash = self.hash.clone();
        let field = request.to_owned();
        let stored = self
            .link
            .run(|mut conn| async move {
                redis::cmd("HGET")
                    .arg(&hash)
                    .arg(&field)
                    .query_async::<Option<Vec<u8>>>(&mut conn)
                    .await
            })
            .await
            .ok()??;
        // An entry that is not authentic, or does not decompress within the bound, is not one
        // we wrote: read Jamf instead.
        let Some(compressed) = codec::open(&stored, &self.mac, &self.entry_name(request)) else {
            metrics::counter!("redis_snapshots_rejected_total", "reason" => "unauthenticated")
                .increment(1);
            tracing::warn!("a Jamf answer stored in Redis failed its HMAC; reading Jamf instead");
            return None;
        };
        let body: Arc<[u8]> = lz4_flex::decompress_size_prepended(compressed)
            .ok()
            .filter(|body| body.len() <= self.max_bytes)?
            .into();
        self.local.keep(request, body.clone()).await;
        Some(body)
    }

    async fn keep(&self, request: &str, body: Arc<[u8]>) {
        self.local.keep(request, body.clone()).await;
        let compressed = codec::seal(
            &lz4_flex::compress_prepend_size(&body),
            &self.mac,
            &self.entry_name(request),
        );
        let total = self.written.fetch_add(compressed.len(), Ordering::Relaxed);
        if total + compressed.len() > self.max_bytes {
            return;
        }
        let (hash, field, keep_ms) = (self.hash.clone(), request.to_owned(), self.keep_ms);
        let _ = self
            .link
            .run(|mut conn| async move {
                redis::pipe()
                    .hset(&hash, &field, compressed)
                    .ignore()
                    .pexpire(&hash, keep_ms as i64)
                    .ignore()
                    .query_async::<()>(&mut conn)
                    .await
            })
            .await;
    }
}
