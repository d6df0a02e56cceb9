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

static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local since = tonumber(ARGV[3])
if since >= 0 then
  local at = redis.call('HGET', KEYS[1], 'at')
  if at and tonumber(at) >= since then
    return {'fresh', at, redis.call('HGET', KEYS[1], 'data')}
  end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {'acquired'}
end
return {'held', redis.call('GET', KEYS[2])}
",
    )
});

static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
",
    )
});

/// Stores the snapshot unless a newer one is there already, then drops the lease if still
/// ours.
static PUBLISH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local at = redis.call('HGET', KEYS[1], 'at')
if not at or tonumber(at) <= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'at', ARGV[2], 'by', ARGV[1], 'data', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
end
return 1
",
    )
});

static FAIL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
redis.call('HSET', KEYS[1], 'by', ARGV[1], 'error', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
end
return 1
",
    )
});

static PEEK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('HGET', KEYS[1], 'by') == ARGV[1] then
  return {'stored', redis.call('HGET', KEYS[1], 'at'), redis.call('HGET', KEYS[1], 'data')}
end
if redis.call('HGET', KEYS[3], 'by') == ARGV[1] then
  return {'failed', redis.call('HGET', KEYS[3], 'error')}
end
if redis.call('GET', KEYS[2]) == ARGV[1] then
  return {'fetching'}
end
return {'gone'}
",
    )
});

/// Whether a snapshot at least as young as `since` is stored, or a fetch is under way.
static ANSWERABLE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local at = redis.call('HGET', KEYS[1], 'at')
if at and tonumber(at) >= tonumber(ARGV[1]) then
  return 1
end
return redis.call('EXISTS', KEYS[2])
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
            .invoke_async::<i64>(&mut conn)
            .await
            .map(|n| n == 1)
    }

    /// The stored snapshot, if any: `at` and its bytes.
    pub async fn load(&self, mut conn: ConnectionManager) -> RedisResult<Option<(i64, Vec<u8>)>> {
        let (at, data): (Option<i64>, Option<Vec<u8>>) = redis::cmd("HMGET")
            .arg(self.keys.snapshot(self.key))
            .arg("at")
            .arg("data")
            .query_async(&mut conn)
            .await?;
        Ok(at.zip(data))
    }
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
