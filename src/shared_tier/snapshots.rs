//! The second snapshot tier: snapshots any replica fetched, stored in Redis for all, and one
//! fetch per snapshot key at a time across replicas (see `lease`).
//!
//! Whenever Redis cannot be used, each step falls back to what a replica on its own does:
//! nothing stored is found, and the fetch runs here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::codec::{self, EntryId, EntryMac};
use super::keys::Keys;
use super::lease::{Acquire, Lease, Peek};
use super::link::RedisLink;
use super::progress::{ProgressEntry, SHARE_EVERY};
use super::{AbortOnDrop, jittered, millis};
use crate::directory::cache::{CachedSnapshot, Fetched, SharedSnapshots, SnapshotKey};
use crate::directory::model::DirectorySnapshot;
use crate::jamf::FetchProgress;

/// How often a waiter looks at the holder's progress, jittered by ± half.
const POLL_EVERY: Duration = Duration::from_millis(50);

pub struct RedisSnapshots {
    link: RedisLink,
    keys: Keys,
    lease: Duration,
    /// How long a stored snapshot stays: as long as any cache rule may serve it.
    keep: Duration,
    /// Largest decoded snapshot accepted (the cache's byte bound).
    max_bytes: usize,
    mac: EntryMac,
}

/// How waiting on another replica's fetch ended.
enum Waited<E> {
    Stored(Arc<CachedSnapshot>),
    Failed(E),
    /// The lease went without a result: take it over.
    Gone,
    Unavailable,
}

impl RedisSnapshots {
    pub fn new(
        link: RedisLink,
        keys: Keys,
        lease: Duration,
        keep: Duration,
        max_bytes: usize,
        mac: EntryMac,
    ) -> Self {
        Self {
            link,
            keys,
            lease,
            keep,
            max_bytes,
            mac,
        }
    }

    fn lease_ms(&self) -> u64 {
        millis(self.lease)
    }

    /// Decodes and verifies off the async workers: a large directory takes milliseconds of
    /// CPU. An entry that fails is a miss (counted, logged; the next fetch overwrites it),
    /// never a reason to think Redis down.
    async fn decode(&self, key: &SnapshotKey, at: i64, data: Vec<u8>) -> Option<CachedSnapshot> {
        let max_bytes = self.max_bytes;
        let mac = self.mac.clone();
        let entry_key = self.keys.snapshot(key);
        let decoded = tokio::task::spawn_blocking(move || {
            let id = EntryId {
                key: &entry_key,
                at_ms: at,
            };
            codec::decode(&data, max_bytes, &mac, id, Utc::now().timestamp_millis())
        })
        .await;
        match decoded {
            Ok(Ok(snapshot)) => {
                let at = DateTime::from_timestamp_millis(at).unwrap_or_else(Utc::now);
                Some(CachedSnapshot::fetched_at(snapshot, at))
            }
            Ok(Err(err)) => {
                metrics::counter!("redis_snapshots_rejected_total", "reason" => err.reason())
                    .increment(1);
                tracing::warn!(error = %err, account = %key.account, "a snapshot stored in Redis was refused; fetching anew");
                None
            }
            Err(_) => None,
        }
    }

    /// Runs `fetch` holding the lease (renewed meanwhile), then stores its outcome for the
    /// replicas waiting on it and drops the lease, before anyone here is answered: a
    /// `no-cache` read arriving after this fetch ended must find the lease free, not wait for
    /// a result older than itself.
    async fn fetch_under_lease<E>(
        &self,
        key: SnapshotKey,
        token: String,
        progress: Arc<FetchProgress>,
        fetch: BoxFuture<'static, Result<DirectorySnapshot, E>>,
    ) -> Result<Fetched, Arc<E>>
    where
        E: Serialize + Send + Sync + 'static,
    {
        let renewing = AbortOnDrop(tokio::spawn(renew(
            self.link.clone(),
            self.keys.clone(),
            key,
            token.clone(),
            self.lease,
        )));
        let sharing = AbortOnDrop(tokio::spawn(self.progress_entry(&key).share(
            token.clone(),
            progress,
            self.lease,
        )));
        let result = fetch.await;
        drop((renewing, sharing));
        let lease = Lease::new(&self.keys, &key);
        match result {
            Ok(snapshot) => {
                let cached = Arc::new(CachedSnapshot::new(snapshot));
                let at = cached.fetched_at_utc.timestamp_millis();
                let stored = cached.clone();
                let (mac, entry_key) = (self.mac.clone(), self.keys.snapshot(&key));
                let encoded = tokio::task::spawn_blocking(move || {
                    let id = EntryId {
                        key: &entry_key,
                        at_ms: at,
                    };
                    codec::encode(&stored.snapshot, &mac, id)
                })
                .await;
                // Encoding cannot fail for the model's types; if it did, the lease would
                // simply expire and a waiter fetch again.
                if let Ok(Ok(data)) = encoded {
                    let keep_ms = millis(self.keep);
                    let _ = self
                        .link
                        .run(|conn| lease.publish(conn, &token, at, &data, keep_ms))
                        .await;
                }
                Ok(Fetched {
                    snapshot: cached,
                    here: true,
                })
            }
            Err(err) => {
                let failure = codec::seal(
                    &serde_json::to_vec(&err).unwrap_or_default(),
                    &self.mac,
                    &self.keys.failure(&key),
                );
                let lease_ms = self.lease_ms();
                let _ = self
                    .link
                    .run(|conn| lease.fail(conn, &token, &failure, lease_ms))
                    .await;
                Err(Arc::new(err))
            }
        }
    }

    fn progress_entry(&self, key: &SnapshotKey) -> ProgressEntry {
        ProgressEntry::new(self.link.clone(), &self.keys, key, self.mac.clone())
    }

    /// Waits for `holder`'s fetch of `key` to store a snapshot or a failure, taking on its
    /// shared progress meanwhile.
    async fn wait_for<E: DeserializeOwned>(
        &self,
        key: &SnapshotKey,
        holder: &str,
        progress: &FetchProgress,
    ) -> Waited<E> {
        let lease = Lease::new(&self.keys, key);
        let shared = self.progress_entry(key);
        let mut mirrored: Option<Instant> = None;
        loop {
            tokio::time::sleep(jittered(POLL_EVERY)).await;
            if mirrored.is_none_or(|at| at.elapsed() >= SHARE_EVERY) {
                shared.mirror(holder, progress).await;
                mirrored = Some(Instant::now());
            }
            let Ok(peek) = self.link.run(|conn| lease.peek(conn, holder)).await else {
                return Waited::Unavailable;
            };
            match peek {
                Peek::Fetching => continue,
                Peek::Stored { at, data } => {
                    return match self.decode(key, at, data).await {
                        Some(snapshot) => Waited::Stored(Arc::new(snapshot)),
                        None => Waited::Gone,
                    };
                }
                Peek::Failed(stored) => {
                    let failure_key = self.keys.failure(key);
                    let error = codec::open(&stored, &self.mac, &failure_key);
                    return match error.and_then(|e| serde_json::from_slice(e).ok()) {
                        Some(err) => Waited::Failed(err),
                        None => Waited::Gone,
                    };
                }
                Peek::Gone => return Waited::Gone,
            }
        }
    }
}

#[async_trait]
impl<E> SharedSnapshots<E> for RedisSnapshots
where
    E: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    async fn load(&self, key: SnapshotKey) -> Option<CachedSnapshot> {
        let lease = Lease::new(&self.keys, &key);
        let (at, data) = self.link.run(|conn| lease.load(conn)).await.ok()??;
        self.decode(&key, at, data).await
    }

    async fn can_answer(&self, key: SnapshotKey, servable: Duration) -> bool {
        let since = ago_ms(servable);
        let lease = Lease::new(&self.keys, &key);
        self.link
            .run(|conn| lease.answerable(conn, since))
            .await
            .unwrap_or(false)
    }

    async fn fetch_once(
        &self,
        key: SnapshotKey,
        fresh_since: Option<DateTime<Utc>>,
        progress: Arc<FetchProgress>,
        fetch: BoxFuture<'static, Result<DirectorySnapshot, E>>,
    ) -> Result<Fetched, Arc<E>> {
        let token = Uuid::new_v4().simple().to_string();
        let mut since = fresh_since.map(|at| at.timestamp_millis());
        let lease = Lease::new(&self.keys, &key);
        loop {
            let step = self
                .link
                .run(|conn| lease.acquire(conn, &token, self.lease_ms(), since))
                .await;
            let holder = match step {
                Err(_) => {
                    progress.restart();
                    return here(fetch).await;
                }
                Ok(Acquire::Acquired) => {
                    progress.restart();
                    return self.fetch_under_lease(key, token, progress, fetch).await;
                }
                Ok(Acquire::Fresh { at, data }) => match self.decode(&key, at, data).await {
                    Some(snapshot) => {
                        return Ok(Fetched {
                            snapshot: Arc::new(snapshot),
                            here: false,
                        });
                    }
                    // Unreadable: fetch a new one rather than read it again.
                    None => {
                        since = None;
                        continue;
                    }
                },
                Ok(Acquire::Held(None)) => continue,
                Ok(Acquire::Held(Some(holder))) => holder,
            };
            match self.wait_for(&key, &holder, &progress).await {
                Waited::Stored(snapshot) => {
                    return Ok(Fetched {
                        snapshot,
                        here: false,
                    });
                }
                Waited::Failed(err) => return Err(Arc::new(err)),
                Waited::Gone => continue,
                Waited::Unavailable => {
                    progress.restart();
                    return here(fetch).await;
                }
            }
        }
    }
}

/// The fetch run here, as a replica on its own runs it.
async fn here<E>(
    fetch: BoxFuture<'static, Result<DirectorySnapshot, E>>,
) -> Result<Fetched, Arc<E>> {
    fetch
        .await
        .map(|snapshot| Fetched {
            snapshot: Arc::new(CachedSnapshot::new(snapshot)),
            here: true,
        })
        .map_err(Arc::new)
}

/// Renews `token`'s lease every third of its length until aborted.
async fn renew(link: RedisLink, keys: Keys, key: SnapshotKey, token: String, lease: Duration) {
    let lease_ms = millis(lease);
    let mut every = tokio::time::interval(lease / 3);
    every.tick().await;
    loop {
        every.tick().await;
        let steps = Lease::new(&keys, &key);
        let _ = link.run(|conn| steps.renew(conn, &token, lease_ms)).await;
    }
}

/// Unix ms `age` ago.
fn ago_ms(age: Duration) -> i64 {
    Utc::now().timestamp_millis() - i64::try_from(age.as_millis()).unwrap_or(i64::MAX / 2)
}
