//! The shared tier (`[redis]`): what the replicas of one deployment share through Redis.
//!
//! - snapshots any replica fetched, and one fetch per snapshot key at a time across replicas
//!   (`snapshots`, `lease`, `codec`), behind the in-process cache's [`SharedSnapshots`] seam;
//! - what unfinished fetches read, so any replica resumes them (`reads`), behind the
//!   directory's [`UnfinishedReads`] seam;
//! - the Jamf budget per instance (`permits`), behind `jamf`'s [`SharedBudget`] seam;
//! - caller, account and token quotas (`quota`), used by `http::rate_limit`;
//! - whether Redis answers (`link`), for readiness and the fallbacks.
//!
//! Nothing lives only here: snapshots are a cache, leases, permits and quotas are transient,
//! and integrated accounts stay in the database. When Redis cannot be reached every part falls
//! back to what a replica on its own does, and shares again once Redis answers.
//!
//! [`SharedSnapshots`]: crate::directory::cache::SharedSnapshots
//! [`SharedBudget`]: crate::jamf::SharedBudget
//! [`UnfinishedReads`]: crate::directory::resume::UnfinishedReads

mod codec;
mod keys;
mod lease;
mod link;
mod permits;
mod progress;
mod quota;
mod reads;
mod snapshots;

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretBox;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::directory::cache::SharedSnapshots;
use crate::directory::resume::UnfinishedReads;
use crate::jamf::SharedBudgetConfig;
use crate::settings::RedisSettings;

pub use self::codec::MAC_KEY_PURPOSE as SNAPSHOT_MAC_PURPOSE;
use self::keys::Keys;
pub use self::link::ProberGuard;
use self::link::RedisLink;
pub use self::quota::{QuotaCheck, SharedQuotas};

/// The deployment's Redis, ready to hand out each shared part. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SharedTier {
    link: RedisLink,
    keys: Keys,
    lease: Duration,
    fallback_concurrency: usize,
}

impl SharedTier {
    /// The tier `[redis]` configures, or `None` without `redis.url`. Redis need not answer
    /// yet: until it does, the service runs on its own memory (and says so).
    pub async fn connect(settings: &RedisSettings) -> anyhow::Result<Option<Self>> {
        let Some(url) = &settings.url else {
            return Ok(None);
        };
        let link = RedisLink::open(url)?;
        if link.probe().await {
            tracing::info!(key_prefix = %settings.key_prefix, "sharing snapshots, fetches, the Jamf budget and quotas through Redis");
        }
        Ok(Some(Self {
            link,
            keys: Keys::new(&settings.key_prefix),
            lease: Duration::from_secs(settings.lease_secs),
            fallback_concurrency: settings.fallback_concurrency,
        }))
    }

    /// The second snapshot tier. Snapshots stay as long as `keep` (the longest any cache
    /// rule may serve one) and decode to at most `max_bytes`; entries are signed and checked
    /// with `mac_key`, derived from the storage key for [`SNAPSHOT_MAC_PURPOSE`].
    pub fn snapshots<E>(
        &self,
        keep: Duration,
        max_bytes: usize,
        mac_key: &SecretBox<[u8]>,
    ) -> Arc<dyn SharedSnapshots<E>>
    where
        E: Serialize + DeserializeOwned + Send + Sync + 'static,
    {
        Arc::new(snapshots::RedisSnapshots::new(
            self.link.clone(),
            self.keys.clone(),
            self.lease,
            keep,
            max_bytes,
            codec::EntryMac::new(mac_key),
        ))
    }

    /// What unfinished fetches read, shared: kept `ttl` after a failure, up to `deadline`
    /// while a fetch runs, at most `max_bytes` in all per replica's memory; signed and checked
    /// with `mac_key` like the snapshots.
    pub fn unfinished_reads(
        &self,
        ttl: Duration,
        deadline: Duration,
        max_bytes: u64,
        mac_key: &SecretBox<[u8]>,
    ) -> Arc<dyn UnfinishedReads> {
        Arc::new(reads::RedisUnfinished::new(
            self.link.clone(),
            self.keys.clone(),
            reads::Lifetimes { ttl, deadline },
            max_bytes,
            codec::EntryMac::new(mac_key),
        ))
    }

    /// The Jamf budget shared per instance, with this replica's fallback.
    pub fn budget(&self) -> SharedBudgetConfig {
        SharedBudgetConfig {
            budget: Arc::new(permits::RedisBudget::new(
                self.link.clone(),
                self.keys.clone(),
                self.lease,
            )),
            fallback_concurrency: self.fallback_concurrency,
        }
    }

    pub fn quotas(&self) -> SharedQuotas {
        SharedQuotas::new(self.link.clone(), self.keys.clone())
    }

    /// `ok` while Redis answers, `degraded` while the service runs on its own memory.
    pub fn status(&self) -> &'static str {
        if self.link.is_up() { "ok" } else { "degraded" }
    }

    /// Watches Redis (and notices its return) until the guard is dropped.
    pub fn spawn_prober(&self) -> ProberGuard {
        self.link.spawn_prober()
    }
}

/// `d` in whole milliseconds, at least 1 (Redis refuses a zero expiry).
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// `base` jittered by ± half, so replicas polling or retrying together drift apart.
pub(crate) fn jittered(base: Duration) -> Duration {
    use rand::Rng as _;
    base.mul_f64(rand::rng().random_range(0.5..1.5))
}

/// Aborts a background task when dropped.
pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
