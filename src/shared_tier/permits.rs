//! `upstream.max_concurrency` as one budget per Jamf instance across replicas.
//!
//! The holders of an instance's permits are a sorted set scored by expiry (server time, so
//! replicas' clocks do not matter). Taking a permit drops expired holders and adds one if
//! fewer than the limit remain, in one Lua step; holders renew while their request runs and
//! remove themselves when it ends. A replica that dies holding permits loses them when they
//! expire, `redis.lease_secs` later. Waiters retry after short jittered sleeps.

use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use redis::Script;
use uuid::Uuid;

use super::keys::Keys;
use super::link::RedisLink;
use super::{AbortOnDrop, jittered};
use crate::jamf::{BudgetPermit, SharedBudget};

/// Base pause between two tries for a permit (jittered by ± half).
const RETRY_EVERY: Duration = Duration::from_millis(10);

/// ARGV: member, limit, lease ms. 1 when the permit was taken.
static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[3]))
  return 1
end
return 0
",
    )
});

/// ARGV: member, lease ms. Extends a permit still held.
static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
  return 1
end
return 0
",
    )
});

#[derive(Debug)]
pub struct RedisBudget {
    link: RedisLink,
    keys: Keys,
    lease: Duration,
}

impl RedisBudget {
    pub fn new(link: RedisLink, keys: Keys, lease: Duration) -> Self {
        Self { link, keys, lease }
    }
}

#[async_trait]
impl SharedBudget for RedisBudget {
    async fn acquire(&self, instance: &str, limit: usize) -> Option<BudgetPermit> {
        let key = self.keys.permits(instance);
        let member = Uuid::new_v4().simple().to_string();
        let lease_ms = self.lease.as_millis().max(1) as u64;
        loop {
            let (key, member) = (&key, &member);
            let taken = self
                .link
                .run(|mut conn| async move {
                    ACQUIRE
                        .key(key)
                        .arg(member)
                        .arg(limit)
                        .arg(lease_ms)
                        .invoke_async::<i64>(&mut conn)
                        .await
                })
                .await
                .ok()?;
            if taken == 1 {
                break;
            }
            tokio::time::sleep(jittered(RETRY_EVERY)).await;
        }
        let renewing = AbortOnDrop(tokio::spawn(renew(
            self.link.clone(),
            key.clone(),
            member.clone(),
            self.lease,
        )));
        Some(BudgetPermit::new(Held {
            link: self.link.clone(),
            key,
            member,
            _renewing: renewing,
        }))
    }
}

/// One permit held; removed from the set when dropped.
struct Held {
    link: RedisLink,
    key: String,
    member: String,
    _renewing: AbortOnDrop,
}

impl Drop for Held {
    fn drop(&mut self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime left (shutdown): the permit expires with its lease.
            return;
        };
        let (link, key, member) = (
            self.link.clone(),
            std::mem::take(&mut self.key),
            std::mem::take(&mut self.member),
        );
        runtime.spawn(async move {
            let _ = link
                .run(|mut conn| async move {
                    redis::cmd("ZREM")
                        .arg(&key)
                        .arg(&member)
                        .query_async::<i64>(&mut conn)
                        .await
                })
                .await;
        });
    }
}

async fn renew(link: RedisLink, key: String, member: String, lease: Duration) {
    let lease_ms = lease.as_millis().max(1) as u64;
    let mut every = tokio::time::interval(lease / 3);
    every.tick().await;
    loop {
        every.tick().await;
        let (key, member) = (&key, &member);
        let _ = link
            .run(|mut conn| async move {
                RENEW
                    .key(key)
                    .arg(member)
                    .arg(lease_ms)
                    .invoke_async::<i64>(&mut conn)
                    .await
            })
            .await;
    }
}
