//! Jamf records → unified directory records. Pure functions: no I/O, no clock, no panics.
//!
//! Decisions (the README's "The normalized record" documents them for callers):
//! - **Ids.** Admin users keep the Jamf account id (`"16"`). API clients become
//!   `api-client-<Jamf id>` and API roles `api-role-<Jamf id>`, so neither collides with
//!   account ids or privilege-set role ids (`administrator`, `auditor`, `enrollment_only`,
//!   `custom`).
//! - **Order.** Every list is sorted by [`compare_ids`](crate::directory::model::compare_ids):
//!   numeric ids numerically (then textually as a tie-break), prefixed ids after them.
//!   The order does not depend on fetch order, so keyset cursors stay valid across refreshes.
//! - **v1 plan without Classic detail.** A Jamf Pro API `UserAccount` has no privilege list,
//!   so an account whose Classic detail was not read gets one permission naming its privilege
//!   set (`{"name": "Administrator", "category": "privilege_set"}`) rather than an invented
//!   list or nothing. See [`account`] for the fields that therefore differ between plans.

mod access;
mod account;
mod catalog;
mod fields;
mod index;
mod inventory;
mod mfa;
mod service_accounts;
mod share;

#[cfg(test)]
mod tests;

pub use fields::normalize_emails;
pub use inventory::{end_user_id, normalize_inventory};

use crate::directory::model::{DirectorySnapshot, MissingSource, User, compare_ids};
use crate::jamf::records::JamfDirectory;

use index::Index;

/// Points equal values of `snapshot`'s records at one copy again, as normalization leaves
/// them: a snapshot read back from another replica holds each value on its own.
pub fn share_alike(snapshot: &mut DirectorySnapshot) {
    share::share_alike(&mut snapshot.users, &mut snapshot.groups);
}

/// Normalizes a whole fetch: admin accounts and API clients as users, groups, roles in use,
/// and sites as workspaces.
pub fn normalize_directory(directory: &JamfDirectory) -> DirectorySnapshot {
    let index = Index::new(directory);
    let api_roles = directory.api_roles.ok().map_or(&[][..], Vec::as_slice);
    let mut users: Vec<User> = directory
        .accounts
        .iter()
        .filter_map(|record| account::account_user(&index, record))
        .chain(
            directory
                .api_clients
                .ok()
                .into_iter()
                .flatten()
                .map(|client| service_accounts::api_client_user(client, api_roles)),
        )
        .collect();
    users.sort_by(|a, b| compare_ids(&a.id, &b.id));
    // Two records for one account id would make lookups ambiguous; keep the first.
    users.dedup_by(|later, first| later.id == first.id);

    let mut groups = catalog::groups(&index, &users);
    let roles = catalog::roles(&index, &users, &groups, api_roles);
    let workspaces = catalog::workspaces(&index, &users, &groups);
    share::share_alike(&mut users, &mut groups);
    let missing = [
        ("sso_settings", directory.sso.missing_reason()),
        ("api_roles", directory.api_roles.missing_reason()),
        ("api_clients", directory.api_clients.missing_reason()),
    ]
    .into_iter()
    .filter_map(|(source, reason)| {
        Some(MissingSource {
            source: source.into(),
            reason: reason?,
        })
    })
    .chain(directory.incomplete.iter().map(|list| MissingSource {
        source: list.list.into(),
        reason: list.reason.clone(),
    }))
    .collect();

    DirectorySnapshot {
        jamf_version: directory.version.map(|version| version.to_string()),
        users,
        groups,
        roles,
        workspaces,
        missing,
        reads: Vec::new(),
    }
}
