//! How far a fetch under way on another replica has got. The lease holder shares its
//! counters every second; a replica waiting on the lease takes them on, so a caller it answers
//! `503` hears the real progress and a `Retry-After` at the real pace, not zeros from a
//! replica that reads nothing itself. The entry is sealed with the entry HMAC and names its
//! lease token: neither a writer to Redis nor an earlier fetch's entry can pass for it.

use std::sync::Arc;
use std::time::Duration;

use chrono::DateTime;
use serde::{Deserialize, Serialize};

use super::codec::{self, EntryMac};
use super::keys::Keys;
use super::link::RedisLink;
use super::millis;
use crate::directory::cache::SnapshotKey;
use crate::jamf::FetchProgress;

/// How often the holder shares its counters, and how often a waiter reads them.
pub const SHARE_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Serialize, Deserialize)]
struct Shared {
    /// The holder's lease token.
    by: String,
    started_at_ms: i64,
    done: u64,
    planned: u64,
}

/// Where one fetch's progress is shared.
#[derive(Clone)]
pub struct ProgressEntry {
    pub link: RedisLink,
    pub key: String,
    pub mac: EntryMac,
}

impl ProgressEntry {
    pub fn new(link: RedisLink, keys: &Keys, snapshot: &SnapshotKey, mac: EntryMac) -> Self {
        Self {
            link,
            key: keys.progress(snapshot),
            mac,
        }
    }

    /// Shares `progress` as `token`'s every [`SHARE_EVERY`] until aborted; each write lives
    /// `lease`, so a holder that died leaves nothing behind for long.
    pub async fn share(self, token: String, progress: Arc<FetchProgress>, lease: Duration) {
        let mut every = tokio::time::interval(SHARE_EVERY);
        loop {
            every.tick().await;
            let report = progress.report();
            let shared = Shared {
                by: token.clone(),
                started_at_ms: report.started_at.timestamp_millis(),
                done: report.requests_done,
                planned: report.requests_planned.unwrap_or(0),
            };
            let Ok(json) = serde_json::to_vec(&shared) else {
                return;
            };
            let sealed = codec::seal(&json, &self.mac, &self.key);
            let (key, lease_ms) = (&self.key, millis(lease));
            let _ = self
                .link
                .run(|mut conn| async move {
                    redis::cmd("SET")
                        .arg(key)
                        .arg(sealed)
                        .arg("PX")
                        .arg(lease_ms)
                        .query_async::<()>(&mut conn)
                        .await
                })
                .await;
        }
    }

    /// Takes on what `holder` last shared, if anything readable.
    pub async fn mirror(&self, holder: &str, progress: &FetchProgress) {
        let key = &self.key;
        let Ok(Some(stored)) = self
            .link
            .run(|mut conn| async move {
                redis::cmd("GET")
                    .arg(key)
                    .query_async::<Option<Vec<u8>>>(&mut conn)
                    .await
            })
            .await
        else {
            return;
        };
        let shared = codec::open(&stored, &self.mac, &self.key)
            .and_then(|json| serde_json::from_slice::<Shared>(json).ok());
        let Some(shared) = shared.filter(|s| s.by == holder) else {
            return;
        };
        if let Some(started_at) = DateTime::from_timestamp_millis(shared.started_at_ms) {
            progress.mirror(started_at, shared.done, shared.planned);
        }
    }
}
