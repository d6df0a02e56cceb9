//! The fetch lease of one snapshot key, and the atomic steps around it (Lua scripts, so no
//! replica sees half of another's step).
//!
//! A replica about to fetch takes the lease (`SET NX PX`) unless a fresh enough snapshot is
//! stored already, and renews it while it fetches. It then stores the snapshot (or the
//! failure), tagged with its lease token, and drops the lease in one step. Others that found
//! the lease held poll for the entry tagged with the holder's token; if the lease goes without
//! one (the holder crashed and the lease expired), they take it over.

use redis::aio::ConnectionManager;
use redis::{RedisResult, Script, Value};
use std::sync::LazyLock;

use super::codec::CLOCK_SKEW;
use super::keys::Keys;
use crate::directory::cache::SnapshotKey;

/// What trying to take the lease found.
pub enum Acquire {
    /// A snapshot stored at or after the time asked for: `at` (Unix ms) and its bytes.
    Fresh { at: i64, data: Vec<u8> },
    /// The lease is ours.
    Acquired,
    /// Another replica holds it (its token; `None` if it expired in between).
    Held(Option<String>),
}

/// What a waiter sees of the holder it waits for.
pub enum Peek {
    /// The holder stored its snapshot.
    Stored { at: i64, data: Vec<u8> },
    /// The holder's fetch failed: the failure, as the holder serialized it.
    Failed(Vec<u8>),
    /// Still fetching.
    Fetching,
    /// The lease went without a result (expired: the holder died or lost it).
    Gone,
}

/// Helpers every script starts with. Redis is a cache anyone with write access could fill
/// with junk: reading a key of the wrong type, or a fetch time that is no number or lies ahead
/// of `latest`, is "nothing usable stored", never a script error (which would read as Redis
/// being down), and a write replaces what it cannot use.
const PRELUDE: &str = r"
local function hget(key, field)
  local v = redis.pcall('HGET', key, field)
  if type(v) == 'table' and v.err then return false end
  return v
end
local function get(key)
  local v = redis.pcall('GET', key)
  if type(v) == 'table' and v.err then return false end
  return v
end
local function fetched_at(key, latest)
  local at = tonumber(hget(key, 'at'))
  if at and at <= tonumber(latest) then return at end
  return nil
end
";

fn script(body: &str) -> Script {
    Script::new(&format!("{PRELUDE}{body}"))
}

static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local since = tonumber(ARGV[3])
if since >= 0 then
  local at = fetched_at(KEYS[1], ARGV[4])
  if at and at >= since then
    return {'fresh', hget(KEYS[1], 'at'), hget(KEYS[1], 'data')}
  end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {'acquired'}
end
return {'held', get(KEYS[2])}
",
    )
});

static RENEW: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
if get(KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
",
    )
});

/// Stores the snapshot unless a newer one is there already (an unusable entry is not), then
/// drops the lease if still ours.
static PUBLISH: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local at = fetched_at(KEYS[1], ARGV[5])
if not at or at <= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'at', ARGV[2], 'by', ARGV[1], 'data', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
if get(KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
end
return 1
",
    )
});

static FAIL: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'by', ARGV[1], 'error', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if get(KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
end
return 1
",
    )
});

static PEEK: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
if hget(KEYS[1], 'by') == ARGV[1] then
  return {'stored', hget(KEYS[1], 'at'), hget(KEYS[1], 'data')}
end
if hget(KEYS[3], 'by') == ARGV[1] then
  return {'failed', hget(KEYS[3], 'error')}
end
if get(KEYS[2]) == ARGV[1] then
  return {'fetching'}
end
return {'gone'}
",
    )
});

/// Whether a snapshot at least as young as `since` is stored, or a fetch is under way.
static ANSWERABLE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local at = fetched_at(KEYS[1], ARGV[2])
if at and at >= tonumber(ARGV[1]) then
  return 1
end
return redis.call('EXISTS', KEYS[2])
",
    )
});

/// The stored snapshot's fetch time (as stored) and bytes, if both are there.
static LOAD: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local at, data = hget(KEYS[1], 'at'), hget(KEYS[1], 'data')
if at and data then
  return {at, data}
end
return {}
",
    )
});

/// The lease steps of one snapshot key.
pub struct Lease<'a> {
    keys: &'a Keys,
    key: &'a SnapshotKey,
}

impl<'a> Lease<'a> {
    pub fn new(keys: &'a Keys, key: &'a SnapshotKey) -> Self {
        Self { keys, key }
    }

    /// Takes the lease for `token` unless a snapshot fetched at `since` (Unix ms) or later is
    /// stored; `since: None` takes it whatever is stored.
    pub async fn acquire(
        &self,
        mut conn: ConnectionManager,
        token: &str,
        lease_ms: u64,
        since: Option<i64>,
    ) -> RedisResult<Acquire> {
        let reply: Vec<Value> = ACQUIRE
            .key(self.keys.snapshot(self.key))
            .key(self.keys.lease(self.key))
            .arg(token)
            .arg(lease_ms)
            .arg(since.unwrap_or(-1))
            .arg(latest_ms())
            .invoke_async(&mut conn)
            .await?;
        let mut reply = reply.into_iter();
        Ok(match tag(reply.next()).as_str() {
            "fresh" => Acquire::Fresh {
                at: int(reply.next()),
                data: bytes(reply.next()),
            },
            "acquired" => Acquire::Acquired,
            _ => Acquire::Held(
                Some(bytes(reply.next()))
                    .filter(|t| !t.is_empty())
                    .and_then(|t| String::from_utf8(t).ok()),
            ),
        })
    }

    /// Extends the lease if `token` still holds it.
    pub async fn renew(
        &self,
        mut conn: ConnectionManager,
        token: &str,
        lease_ms: u64,
    ) -> RedisResult<()> {
        RENEW
            .key(self.keys.lease(self.key))
            .arg(token)
            .arg(lease_ms)
            .invoke_async::<i64>(&mut conn)
            .await
            .map(drop)
    }

    /// Stores `data` fetched at `at` (kept `keep_ms`) and drops `token`'s lease.
    pub async fn publish(
        &self,
        mut conn: ConnectionManager,
        token: &str,
        at: i64,
        data: &[u8],
        keep_ms: u64,
    ) -> RedisResult<()> {
        PUBLISH
            .key(self.keys.snapshot(self.key))
            .key(self.keys.lease(self.key))
            .arg(token)
            .arg(at)
            .arg(data)
            .arg(keep_ms)
            .arg(latest_ms())
            .invoke_async::<i64>(&mut conn)
            .await
            .map(drop)
    }

    /// Stores `token`'s failure (kept `keep_ms`, long enough for waiters to see it) and drops
    /// its lease.
    pub async fn fail(
        &self,
        mut conn: ConnectionManager,
        token: &str,
        error: &[u8],
        keep_ms: u64,
    ) -> RedisResult<()> {
        FAIL.key(self.keys.failure(self.key))
            .key(self.keys.lease(self.key))
            .arg(token)
            .arg(error)
            .arg(keep_ms)
            .invoke_async::<i64>(&mut conn)
            .await
            .map(drop)
    }

    /// What became of `holder`'s fetch.
    pub async fn peek(&self, mut conn: ConnectionManager, holder: &str) -> RedisResult<Peek> {
        let reply: Vec<Value> = PEEK
            .key(self.keys.snapshot(self.key))
            .key(self.keys.lease(self.key))
            .key(self.keys.failure(self.key))
            .arg(holder)
            .invoke_async(&mut conn)
            .await?;
        let mut reply = reply.into_iter();
        Ok(match tag(reply.next()).as_str() {
            "stored" => Peek::Stored {
                at: int(reply.next()),
                data: bytes(reply.next()),
            },
            "failed" => Peek::Failed(bytes(reply.next())),
            "fetching" => Peek::Fetching,
            _ => Peek::Gone,
        })
    }

    /// Whether a snapshot fetched at `since` (Unix ms) or later is stored, or a fetch holds
    /// the lease.
    pub async fn answerable(&self, mut conn: ConnectionManager, since: i64) -> RedisResult<bool> {
        ANSWERABLE
            .key(self.keys.snapshot(self.key))
            .key(self.keys.lease(self.key))
            .arg(since)
            .arg(latest_ms())
            .invoke_async::<i64>(&mut conn)
            .await
            .map(|n| n == 1)
    }

    /// The stored snapshot, if any: `at` (0 when it is no number: the entry's HMAC then
    /// fails) and its bytes.
    pub async fn load(&self, mut conn: ConnectionManager) -> RedisResult<Option<(i64, Vec<u8>)>> {
        let reply: Vec<Value> = LOAD
            .key(self.keys.snapshot(self.key))
            .invoke_async(&mut conn)
            .await?;
        let mut reply = reply.into_iter();
        Ok(match (reply.next(), reply.next()) {
            (Some(at), Some(data)) => Some((int(Some(at)), bytes(Some(data)))),
            _ => None,
        })
    }
}

/// The latest fetch time a stored entry may carry (Unix ms): now, plus the clock skew
/// replicas may have. A later one is treated as no entry, and overwritten.
fn latest_ms() -> i64 {
    let skew = i64::try_from(CLOCK_SKEW.as_millis()).unwrap_or(i64::MAX);
    chrono::Utc::now().timestamp_millis().saturating_add(skew)
}

fn tag(value: Option<Value>) -> String {
    match value {
        Some(Value::SimpleString(s)) => s,
        other => String::from_utf8(bytes(other)).unwrap_or_default(),
    }
}

fn bytes(value: Option<Value>) -> Vec<u8> {
    match value {
        Some(Value::BulkString(b)) => b,
        _ => Vec::new(),
    }
}

/// Lua hands numbers stored as text back as text, and computed ones as integers.
fn int(value: Option<Value>) -> i64 {
    match value {
        Some(Value::Int(n)) => n,
        other => String::from_utf8(bytes(other))
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
    }
}
