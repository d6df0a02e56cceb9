//! One normalized view of a Jamf Pro instance, as cached and served.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::User;
use super::catalog::{Group, Role, Workspace};
use super::order::compare_ids;

/// Every record normalized from one fetch. Each list is sorted by [`compare_ids`], which
/// lookups rely on. (De)serialized as the API shows its records, to be shared between
/// replicas.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DirectorySnapshot {
    /// The Jamf Pro version, e.g. `11.30.1`, when it was read.
    pub jamf_version: Option<String>,
    /// Admin accounts, then API clients (their `api-client-` ids sort after numeric ids).
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub roles: Vec<Role>,
    pub workspaces: Vec<Workspace>,
    /// Optional parts that could not be read (the snapshot is partial when non-empty).
    pub missing: Vec<MissingSource>,
    /// The Jamf reads behind the records, by endpoint template: the query an evidence
    /// manifest states. Empty for snapshots shared by a replica of an older version.
    #[serde(default)]
    pub reads: Vec<JamfRead>,
}

/// What a fetch read from one Jamf endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JamfRead {
    /// The endpoint template, e.g. `/api/v1/accounts` or `/JSSResource/accounts/userid/{id}`.
    pub endpoint: String,
    /// Reads made (a read retried after a 503 counts once, with its final outcome).
    pub requests: u64,
    /// Reads by outcome: Jamf's HTTP status, `timeout`, `unreachable`… when it gave none, or
    /// `recalled` when an earlier attempt of the fetch read it and it was not asked again.
    pub statuses: BTreeMap<String, u64>,
    /// The `totalCount` the list reported, for a Jamf Pro API list.
    pub total_count: Option<u64>,
}

/// An optional part of the directory that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingSource {
    /// `sso_settings`, `api_roles`, `api_clients`, `sites` or `account_groups`.
    pub source: Cow<'static, str>,
    pub reason: String,
}

impl DirectorySnapshot {
    pub fn user(&self, id: &str) -> Option<&User> {
        find(&self.users, id, |user| &user.id)
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        find(&self.groups, id, |group| &group.id)
    }

    pub fn role(&self, id: &str) -> Option<&Role> {
        find(&self.roles, id, |role| &role.id)
    }

    pub fn workspace(&self, id: &str) -> Option<&Workspace> {
        find(&self.workspaces, id, |workspace| &workspace.id)
    }

    /// A rough upper estimate of the heap this snapshot takes, for the cache's byte bound:
    /// the raw Jamf records dominate; shared parts (privilege lists, MFA verdicts) are
    /// counted as a per-record constant.
    pub fn estimated_bytes(&self) -> usize {
        const PER_RECORD: usize = 512;
        let users: usize = self
            .users
            .iter()
            .map(|u| PER_RECORD + u.remote_data.get().len() + u.emails.len() * 64)
            .sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|g| PER_RECORD + g.remote_data.get().len() + g.members.len() * 48)
            .sum();
        let roles: usize = self
            .roles
            .iter()
            .map(|r| PER_RECORD + r.remote_data.get().len() + r.permissions.len() * 48)
            .sum();
        users + groups + roles + self.workspaces.len() * PER_RECORD
    }

    /// Whether every list's ids are unique and sorted by [`compare_ids`], as a fetch leaves
    /// them: lookups and paging rely on it, so a snapshot read from outside is checked.
    pub fn ids_strictly_ordered(&self) -> bool {
        fn ordered<T>(records: &[T], id_of: impl Fn(&T) -> &String) -> bool {
            records
                .windows(2)
                .all(|pair| compare_ids(id_of(&pair[0]), id_of(&pair[1])).is_lt())
        }
        ordered(&self.users, |u| &u.id)
            && ordered(&self.groups, |g| &g.id)
            && ordered(&self.roles, |r| &r.id)
            && ordered(&self.workspaces, |w| &w.id)
    }

    /// True when some optional part (SSO settings, API roles, API clients) is missing.
    pub fn is_partial(&self) -> bool {
        !self.missing.is_empty()
    }
}

fn find<'a, T>(sorted: &'a [T], id: &str, id_of: impl Fn(&T) -> &String) -> Option<&'a T> {
    sorted
        .binary_search_by(|record| compare_ids(id_of(record), id))
        .ok()
        .and_then(|index| sorted.get(index))
}
