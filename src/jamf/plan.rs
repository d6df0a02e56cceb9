//! Fetch plans: which Jamf calls read a whole directory, and how many they are.
//!
//! The version is read once per client and picks the plan:
//!
//! * **v1 plan** (Jamf Pro ≥ 11.27, where `/api/v1/account-groups` exists): page
//!   `/api/v1/accounts` and `/api/v1/account-groups` ([`PAGE_SIZE`] per page; page 0 first, the
//!   rest concurrently once `totalCount` is known), then Classic `/JSSResource/accounts/userid/{id}`
//!   only for CUSTOM accounts with Full or Site access (the v1 record has no privilege list; a
//!   Group Access account's privileges are its groups', which v1 lists) and Classic
//!   `/JSSResource/accounts/groupid/{id}` only for CUSTOM groups whose v1 record lists no
//!   privileges. Membership comes from the v1 groups' `members`.
//! * **Classic plan** (older Jamf, or a version that cannot be parsed): `/JSSResource/accounts`,
//!   then one detail call per account and per group, concurrently within the bound.
//!
//! Both plans read, concurrently with the rest, `/api/v1/sites`, `/api/v3/sso`,
//! `/api/v1/api-roles` and `/api/v1/api-integrations` (the last two paged). A 403 on SSO, roles or
//! clients becomes [`Forbidden`](super::records::Fetched::Forbidden); other failures there become
//! [`Unavailable`](super::records::Fetched::Unavailable)
//! (so MFA is "unknown", never "false"). A 403 on sites or on `/api/v1/account-groups` yields an
//! empty list and a warning: `JamfDirectory` has no slot to record it yet.

use super::directory_plan::{needs_classic_account, needs_classic_group};
use super::records::{JamfDirectory, JamfVersion};

/// Page size of the v1 lists; Jamf accepts up to 2000, so most instances need one page.
pub const PAGE_SIZE: usize = 2000;

/// Which plan a version gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    V1,
    Classic,
}

impl PlanKind {
    pub fn for_version(version: Option<JamfVersion>) -> Self {
        match version {
            Some(v) if v.supports_v1_account_groups() => Self::V1,
            _ => Self::Classic,
        }
    }
}

/// What a directory plan's request count depends on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanInputs {
    pub accounts: usize,
    pub groups: usize,
    /// CUSTOM accounts (or with an unrecognized privilege level) without Group Access: the v1
    /// plan reads their Classic detail.
    pub custom_accounts: usize,
    /// CUSTOM groups whose v1 record lists no privileges.
    pub custom_groups_without_privileges: usize,
    pub api_roles: usize,
    pub api_clients: usize,
}

impl PlanInputs {
    /// The inputs as seen in a fetched directory, to compare a fetch with its formula.
    pub fn of(directory: &JamfDirectory) -> Self {
        let v1_accounts = directory.accounts.iter().filter_map(|a| a.v1.as_ref());
        let v1_groups = directory.groups.iter().filter_map(|g| g.v1.as_ref());
        Self {
            accounts: directory.accounts.len(),
            groups: directory.groups.len(),
            custom_accounts: v1_accounts.filter(|a| needs_classic_account(a)).count(),
            custom_groups_without_privileges: v1_groups.filter(|g| needs_classic_group(g)).count(),
            api_roles: directory.api_roles.ok().map_or(0, Vec::len),
            api_clients: directory.api_clients.ok().map_or(0, Vec::len),
        }
    }
}

/// GETs one `fetch_directory` makes when nothing fails, with `pages(n) = max(1, ⌈n / PAGE_SIZE⌉)`:
///
/// * v1: `pages(accounts) + pages(groups) + custom_accounts + custom_groups_without_privileges
///   + 2 + pages(api_roles) + pages(api_clients)`
/// * Classic: `1 + accounts + groups + 2 + pages(api_roles) + pages(api_clients)`
///
/// The `2` is sites and SSO. Not counted: the version GET on a client's first call (one per
/// client) and a token POST whenever no fresh token is cached. Retries add to the count.
pub fn planned_requests(kind: PlanKind, inputs: &PlanInputs) -> usize {
    let instance_wide = 2 + pages(inputs.api_roles) + pages(inputs.api_clients);
    match kind {
        PlanKind::V1 => {
            pages(inputs.accounts)
                + pages(inputs.groups)
                + inputs.custom_accounts
                + inputs.custom_groups_without_privileges
                + instance_wide
        }
        PlanKind::Classic => 1 + inputs.accounts + inputs.groups + instance_wide,
    }
}

pub(super) fn pages(items: usize) -> usize {
    items.div_ceil(PAGE_SIZE).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_count_pages_and_detail_calls() {
        let inputs = PlanInputs {
            accounts: 4_100,
            groups: 12,
            custom_accounts: 700,
            custom_groups_without_privileges: 1,
            api_roles: 3,
            api_clients: 2,
        };
        // 3 account pages + 1 group page + 700 + 1 details + sites, SSO, roles, clients.
        assert_eq!(planned_requests(PlanKind::V1, &inputs), 3 + 1 + 701 + 4);
        // list + 4,100 + 12 details + sites, SSO, roles, clients.
        assert_eq!(planned_requests(PlanKind::Classic, &inputs), 1 + 4_112 + 4);
        let empty = PlanInputs::default();
        assert_eq!(
            planned_requests(PlanKind::V1, &empty),
            6,
            "page 0 is always read"
        );
    }

    #[test]
    fn plan_follows_the_account_groups_endpoint() {
        assert_eq!(
            PlanKind::for_version(JamfVersion::parse("11.27.0")),
            PlanKind::V1
        );
        assert_eq!(
            PlanKind::for_version(JamfVersion::parse("11.26.1")),
            PlanKind::Classic
        );
        assert_eq!(PlanKind::for_version(None), PlanKind::Classic);
    }
}
