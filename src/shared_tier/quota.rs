//! Quotas every replica spends together: GCRA in one Lua step per check, with Redis's clock.
//!
//! The state of a key is its theoretical arrival time (TAT, in microseconds). A request is
//! allowed when the TAT is at most `(limit - 1)` intervals ahead of now; it then moves the TAT
//! one interval on. This is the algorithm `governor` runs in memory, so a quota answers the
//! same whether it is shared or not.

use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;

use super::keys::Keys;
use super::link::RedisLink;

/// ARGV: interval µs, limit. Returns {allowed, remaining, reset µs, retry after µs}.
// Lua 5.1 prints large numbers in exponent form, hence the explicit format when storing.
static GCRA: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then
  tat = now
end
local ahead = tat - now
local tolerance = (limit - 1) * interval
if ahead > tolerance then
  return {0, 0, ahead, ahead - tolerance}
end
tat = tat + interval
local used = tat - now
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil(used / 1000))
return {1, math.floor((limit * interval - used) / interval), used, 0}
",
    )
});

/// One check of a shared quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaCheck {
    pub remaining: u32,
    /// Until the whole quota is back.
    pub reset: Duration,
    /// Set when refused: until the next request is allowed.
    pub retry_after: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct SharedQuotas {
    link: RedisLink,
    keys: Keys,
}

impl SharedQuotas {
    pub fn new(link: RedisLink, keys: Keys) -> Self {
        Self { link, keys }
    }

    /// Spends one request of `key`'s `quota` (`limit` per `limit × interval`); `None` when
    /// Redis cannot be used (the caller then checks its own memory).
    pub async fn check(
        &self,
        quota: &str,
        key: &str,
        limit: u32,
        interval: Duration,
    ) -> Option<QuotaCheck> {
        let redis_key = self.keys.quota(quota, key);
        let interval_us = u64::try_from(interval.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        let redis_key = &redis_key;
        let (allowed, remaining, reset, retry_after): (i64, i64, i64, i64) = self
            .link
            .run(|mut conn| async move {
                GCRA.key(redis_key)
                    .arg(interval_us)
                    .arg(limit)
                    .invoke_async(&mut conn)
                    .await
            })
            .await
            .ok()?;
        let micros = |us: i64| Duration::from_micros(u64::try_from(us).unwrap_or(0));
        Some(QuotaCheck {
            remaining: u32::try_from(remaining.clamp(0, i64::from(limit))).unwrap_or(0),
            reset: micros(reset),
            retry_after: (allowed == 0).then(|| micros(retry_after)),
        })
    }
}
