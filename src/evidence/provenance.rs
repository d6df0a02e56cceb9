//! The manifest's account of where a population came from: the Jamf plan, the endpoints read
//! (with the requests the plan makes for this population) and the counts to reconcile.

use crate::directory::model::{DirectorySnapshot, RoleType, UserType};
use crate::jamf::USERS_PAGE_SIZE;
use crate::jamf::endpoints::{self as e, Endpoint};
use crate::jamf::plan::{PAGE_SIZE, PlanKind};
use crate::jamf::records::JamfVersion;

use super::manifest::{Counts, EvidenceKind, Read};

fn pages(records: usize, page_size: usize) -> Option<u64> {
    u64::try_from(records.div_ceil(page_size).max(1)).ok()
}

fn count(records: usize) -> Option<u64> {
    u64::try_from(records).ok()
}

/// The plan's name and its reads for `snapshot`, each marked `ok` or with why its part is
/// missing (`source` names as in the snapshot's `missing`).
pub fn reads(kind: EvidenceKind, snapshot: &DirectorySnapshot) -> (String, Vec<Read>) {
    let version = snapshot
        .jamf_version
        .as_deref()
        .and_then(JamfVersion::parse);
    let n = tally(snapshot);
    let (plan, planned): (&str, Vec<(Endpoint, Option<u64>, &str)>) = match kind {
        EvidenceKind::Admins => {
            let sso = match version {
                Some(v) if !v.supports_sso_v3() => e::SSO_V2,
                _ => e::SSO,
            };
            let shared = [
                (e::SITES, Some(1), "sites"),
                (sso, Some(1), "sso_settings"),
                (e::API_ROLES, pages(n.api_roles, PAGE_SIZE), "api_roles"),
                (
                    e::API_CLIENTS,
                    pages(n.service_accounts, PAGE_SIZE),
                    "api_clients",
                ),
            ];
            let (plan, lists) = match PlanKind::for_version(version) {
                PlanKind::V1 => (
                    "v1",
                    vec![
                        (e::V1_ACCOUNTS, pages(n.admins, PAGE_SIZE), "accounts"),
                        (e::V1_GROUPS, pages(n.groups, PAGE_SIZE), "account_groups"),
                        (e::CLASSIC_GROUP, count(n.groups), "account_groups"),
                        // Only accounts whose v1 record lacks something are read in detail.
                        (e::CLASSIC_ACCOUNT, None, "accounts"),
                    ],
                ),
                PlanKind::Classic => (
                    "classic",
                    vec![
                        (e::CLASSIC_ACCOUNTS, Some(1), "accounts"),
                        (e::CLASSIC_ACCOUNT, count(n.admins), "accounts"),
                        (e::CLASSIC_GROUP, count(n.groups), "account_groups"),
                    ],
                ),
            };
            (plan, lists.into_iter().chain(shared).collect())
        }
        EvidenceKind::EndUsers => {
            let v1 = version.is_some_and(|v| v.supports_v1_users());
            let list = if v1 {
                (
                    e::V1_USERS,
                    pages(n.end_users, USERS_PAGE_SIZE),
                    "inventory_users",
                )
            } else {
                (e::CLASSIC_USERS, Some(1), "inventory_users")
            };
            let plan = if v1 { "v1" } else { "classic" };
            let reads = vec![
                list,
                (e::CLASSIC_USER, count(n.end_users), "inventory_users"),
                (e::USER_GROUPS, Some(1), "user_groups"),
                (e::USER_GROUP, count(n.groups), "user_groups"),
            ];
            (plan, reads)
        }
    };
    let reads = planned
        .into_iter()
        .map(|(endpoint, requests, source)| Read {
            endpoint: endpoint.template.to_owned(),
            requests,
            status: snapshot
                .missing
                .iter()
                .find(|m| m.source == source)
                .map_or_else(|| "ok".to_owned(), |m| format!("missing: {}", m.reason)),
        })
        .collect();
    (plan.to_owned(), reads)
}

struct Tally {
    admins: usize,
    service_accounts: usize,
    end_users: usize,
    groups: usize,
    api_roles: usize,
}

fn tally(snapshot: &DirectorySnapshot) -> Tally {
    let of = |t: UserType| snapshot.users.iter().filter(|u| u.user_type == t).count();
    Tally {
        admins: of(UserType::Admin),
        service_accounts: of(UserType::ServiceAccount),
        end_users: of(UserType::EndUser),
        groups: snapshot.groups.len(),
        api_roles: snapshot
            .roles
            .iter()
            .filter(|r| r.role_type == RoleType::ApiRole)
            .count(),
    }
}

/// Records by type and the catalog sizes.
pub fn counts(snapshot: &DirectorySnapshot) -> Counts {
    let n = tally(snapshot);
    let as_u64 = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    Counts {
        records: as_u64(snapshot.users.len()),
        admins: as_u64(n.admins),
        service_accounts: as_u64(n.service_accounts),
        end_users: as_u64(n.end_users),
        groups: as_u64(n.groups),
        roles: as_u64(snapshot.roles.len()),
        workspaces: as_u64(snapshot.workspaces.len()),
    }
}
