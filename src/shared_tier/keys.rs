//! Every key the shared tier writes, all under `redis.key_prefix`: replicas with the same
//! prefix share, others (another deployment on the same Redis) do not.

use crate::directory::cache::{SnapshotKey, SnapshotKind};

/// Bumped when the stored snapshot or failure format changes, so replicas of two versions
/// during a rolling upgrade never read each other's entries.
const FORMAT: &str = "v2";

#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    /// A hash: `at` (fetch time, Unix ms), `by` (the lease token of its fetch), `data`.
    pub fn snapshot(&self, key: &SnapshotKey) -> String {
        self.per_snapshot("snapshot", key)
    }

    /// The fetch lease of `key`: the holder's token.
    pub fn lease(&self, key: &SnapshotKey) -> String {
        self.per_snapshot("lease", key)
    }

    /// The last failed fetch of `key`: a hash of `by` (its lease token) and `error`.
    pub fn failure(&self, key: &SnapshotKey) -> String {
        self.per_snapshot("failure", key)
    }

    /// The progress the holder of `key`'s lease shares while it fetches (sealed JSON).
    pub fn progress(&self, key: &SnapshotKey) -> String {
        self.per_snapshot("progress", key)
    }

    /// A hash of what unfinished fetches of `key` read: request → LZ4 body.
    pub fn reads(&self, key: &SnapshotKey) -> String {
        self.per_snapshot("reads", key)
    }

    /// A sorted set of permit holders of one Jamf instance, scored by expiry.
    pub fn permits(&self, instance: &str) -> String {
        format!("{}:permits:{instance}", self.prefix)
    }

    /// The GCRA state (theoretical arrival time) of one key of one quota.
    pub fn quota(&self, quota: &str, key: &str) -> String {
        format!("{}:quota:{quota}:{key}", self.prefix)
    }

    fn per_snapshot(&self, what: &str, key: &SnapshotKey) -> String {
        let kind = match key.kind {
            SnapshotKind::Directory => "directory",
            SnapshotKind::Inventory => "inventory",
        };
        format!(
            "{}:{what}:{FORMAT}:{kind}:{}:{:016x}",
            self.prefix, key.account, key.credentials
        )
    }
}
