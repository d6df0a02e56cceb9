//! Fetch plans: which Jamf calls read a whole directory, and how many they are.
//!
//! The version is read once per client and picks the plan:
//!
//! * **v1 plan** (Jamf Pro ≥ 11.27, where `/api/v1/account-groups` exists): page
//!   `/api/v1/accounts` and `/api/v1/account-groups` (page 0 asks for [`PAGE_SIZE`]; the rest,
//!   concurrently, by the size Jamf actually returned, until `totalCount` is covered), then,
//!   concurrently, Classic `/JSSResource/accounts/groupid/{id}` for every group (categorized
//!   privileges and the Classic side of membership, so both plans read groups alike) and
//!   `/JSSResource/accounts/userid/{id}` for the accounts whose v1 record lacks something (see
//!   `classic_account_reads`: CUSTOM sets, Group Access accounts no v1 group lists, and one
//!   holder per built-in set).
//! * **Classic plan** (older Jamf, or a version that cannot be parsed): `/JSSResource/accounts`,
//!   then one detail call per account and per group, concurrently within the bound.
//!
//! Both plans read, concurrently with the rest, `/api/v1/sites`, the SSO settings
//! (`/api/v3/sso`, or `/api/v2/sso` before 11.10), `/api/v1/api-roles` and
//! `/api/v1/api-integrations` (the last two paged). A 403 on SSO, roles or clients becomes
//! [`Forbidden`](super::records::SourceRead::Forbidden); other failures there become
//! [`Unavailable`](super::records::SourceRead::Unavailable) (so MFA is "unknown", never "false").
//! A 403 on sites or on `/api/v1/account-groups`, and a list that ends short of its
//! `totalCount`, are recorded in [`JamfDirectory::incomplete`]: the snapshot says it is partial.

use super::directory_plan::classic_account_reads;
use super::records::{JamfDirectory, JamfVersion};

/// Page size the v1 lists ask for; Jamf accepts up to 2000, so most instances need one page
/// (an instance that returns fewer is paged by what it returns).
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
    /// Accounts whose Classic detail the v1 plan reads (CUSTOM sets, Group Access accounts no
    /// v1 group lists, one holder per built-in set).
    pub classic_account_details: usize,
    pub api_roles: usize,
    pub api_clients: usize,
}

impl PlanInputs {
    /// The inputs as seen in a fetched directory, to compare a fetch with its formula.
    pub fn of(directory: &JamfDirectory) -> Self {
        let v1_accounts: Vec<_> = directory
            .accounts
            .iter()
            .filter_map(|a| a.v1.clone())
            .collect();
        let v1_groups: Vec<_> = directory
            .groups
            .iter()
            .filter_map(|g| g.v1.clone())
            .collect();
        Self {
            accounts: directory.accounts.len(),
            groups: directory.groups.len(),
            classic_account_details: classic_account_reads(&v1_accounts, &v1_groups).len(),
            api_roles: directory.api_roles.ok().map_or(0, Vec::len),
            api_clients: directory.api_clients.ok().map_or(0, Vec::len),
        }
    }
}

/// GETs one `fetch_directory` makes when nothing fails, with `pages(n) = max(1, ⌈n / PAGE_SIZE⌉)`:
///
/// * v1: `pages(accounts) + pages(groups) + groups + classic_account_details + 2
///   + pages(api_roles) + pages(api_clients)`
/// * Classic: `1 + accounts + groups + 2 + pages(api_roles) + pages(api_clients)`
///
/// The `2` is sites and SSO. Not counted: the version GET on a client's first call (one per
/// client) and a token POST whenever no fresh token is cached. Retries add to the count, and
/// so do the extra pages of an instance that returns fewer records per page than asked.
pub fn planned_requests(kind: PlanKind, inputs: &PlanInputs) -> usize {
    let instance_wide = 2 + pages(inputs.api_roles) + pages(inputs.api_clients);
    match kind {
        PlanKind::V1 => {
            pages(inputs.accounts)
                + pages(inputs.groups)
                + inputs.groups
                + inputs.classic_account_details
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
            classic_account_details: 700,
            api_roles: 3,
            api_clients: 2,
        };
        // 3 account pages + 1 group page + 12 + 700 details + sites, SSO, roles, clients.
        assert_eq!(planned_requests(PlanKind::V1, &inputs), 3 + 1 + 712 + 4);
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
