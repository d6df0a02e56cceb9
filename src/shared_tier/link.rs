//! The connection to Redis and whether it answers.
//!
//! Every operation goes through [`RedisLink::run`], bounded by [`OP_TIMEOUT`]. A failure marks
//! Redis down (logged once, counted in `redis_unavailable_total`, `redis_up` 0) and from then
//! on operations are refused at once, so callers fall back to this replica's own memory
//! without waiting on a dead server. A prober pings every second and marks Redis up again
//! when it answers: recovery needs no restart. The URL is never logged (it may hold a
//! password), and Redis's own error texts carry none of it.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisError, RedisResult};
use secrecy::{ExposeSecret as _, SecretString};

use super::AbortOnDrop;

/// Longest any Redis operation may take before Redis counts as down. Operations are
/// sub-millisecond when healthy; a snapshot of a large directory takes a few milliseconds.
pub const OP_TIMEOUT: Duration = Duration::from_secs(1);
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// Redis cannot be used now; the caller falls back to this replica's memory.
#[derive(Debug, Clone, Copy)]
pub struct Unavailable;

#[derive(Clone)]
pub struct RedisLink {
    manager: ConnectionManager,
    up: Arc<AtomicBool>,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the manager: its Debug shows the connection info.
        f.debug_struct("RedisLink")
            .field("up", &self.is_up())
            .finish()
    }
}

impl RedisLink {
    /// A link that connects on first use (and reconnects after failures by itself).
    pub fn open(url: &SecretString) -> anyhow::Result<Self> {
        let client = redis::Client::open(url.expose_secret().trim()).map_err(|err| {
            anyhow::anyhow!(
                "configuration error: `redis.url` cannot be used: {:?}",
                err.kind()
            )
        })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(OP_TIMEOUT))
            .set_response_timeout(Some(OP_TIMEOUT))
            // The prober retries every second; the manager need not keep trying on its own.
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let manager = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|err| anyhow::anyhow!("cannot set up the Redis client: {:?}", err.kind()))?;
        // Both exist from start-up on, so an alert on `redis_up == 0` fires for a Redis that
        // was never reachable; the first probe sets them to what it finds.
        metrics::counter!("redis_unavailable_total").increment(0);
        metrics::gauge!("redis_up").set(1.0);
        Ok(Self {
            manager,
            up: Arc::new(AtomicBool::new(true)),
        })
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::SeqCst)
    }

    /// Runs `op` unless Redis is known to be down; a failure or a timeout marks it down.
    pub async fn run<T, F, Fut>(&self, op: F) -> Result<T, Unavailable>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        if !self.is_up() {
            return Err(Unavailable);
        }
        self.attempt(op).await
    }

    /// One PING whatever the state; marks Redis up or down by its answer.
    pub async fn probe(&self) -> bool {
        let pong = self
            .attempt(
                |mut conn| async move { redis::cmd("PING").query_async::<String>(&mut conn).await },
            )
            .await;
        if pong.is_ok() {
            self.mark_up();
        }
        pong.is_ok()
    }

    /// Probes every second until the guard is dropped.
    pub fn spawn_prober(&self) -> ProberGuard {
        let link = self.clone();
        ProberGuard(AbortOnDrop(tokio::spawn(async move {
            let mut every = tokio::time::interval(PROBE_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                link.probe().await;
            }
        })))
    }

    async fn attempt<T, F, Fut>(&self, op: F) -> Result<T, Unavailable>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        match tokio::time::timeout(OP_TIMEOUT, op(self.manager.clone())).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => {
                self.mark_down(&describe(&err));
                Err(Unavailable)
            }
            Err(_) => {
                self.mark_down("no answer within the operation timeout");
                Err(Unavailable)
            }
        }
    }

    fn mark_down(&self, why: &str) {
        if self.up.swap(false, Ordering::SeqCst) {
            tracing::warn!(
                error = why,
                "Redis is unavailable: serving from this replica's memory, with redis.fallback_concurrency Jamf requests per instance, until it answers again"
            );
            metrics::counter!("redis_unavailable_total").increment(1);
            metrics::gauge!("redis_up").set(0.0);
        }
    }

    fn mark_up(&self) {
        if !self.up.swap(true, Ordering::SeqCst) {
            tracing::info!(
                "Redis answers again: snapshots, fetches, the Jamf budget and quotas are shared again"
            );
            metrics::gauge!("redis_up").set(1.0);
        }
    }
}

/// Redis's own words (I/O, TLS or server errors); they never carry the connection info.
fn describe(err: &RedisError) -> String {
    err.to_string()
}

/// Stops the prober when dropped, on every exit path of `launch`.
pub struct ProberGuard(#[allow(dead_code)] AbortOnDrop);
