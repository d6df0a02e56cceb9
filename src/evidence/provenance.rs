//! The manifest's account of where a population came from: the Jamf plan, every endpoint the
//! fetch read (its reads counted as they were made, by outcome) and the counts to reconcile,
//! Jamf's own `totalCount`s among them.

use std::collections::BTreeMap;

use crate::directory::model::{DirectorySnapshot, UserType};
use crate::jamf::endpoints as e;
use crate::jamf::plan::PlanKind;
use crate::jamf::records::JamfVersion;

use super::manifest::{Counts, EvidenceKind, Read};

/// The `missing` source a failed read of each endpoint leaves (names as in the snapshot's
/// `missing`, where a list Jamf returned short of its `totalCount` is named too).
const SOURCES: [(&str, &str); 15] = [
    (e::V1_ACCOUNTS.template, "accounts"),
    (e::CLASSIC_ACCOUNTS.template, "accounts"),
    (e::CLASSIC_ACCOUNT.template, "accounts"),
    (e::V1_GROUPS.template, "account_groups"),
    (e::CLASSIC_GROUP.template, "account_groups"),
    (e::SITES.template, "sites"),
    (e::SSO.template, "sso_settings"),
    (e::SSO_V2.template, "sso_settings"),
    (e::API_ROLES.template, "api_roles"),
    (e::API_CLIENTS.template, "api_clients"),
    (e::V1_USERS.template, "inventory_users"),
    (e::CLASSIC_USERS.template, "inventory_users"),
    (e::CLASSIC_USER.template, "inventory_users"),
    (e::USER_GROUPS.template, "user_groups"),
    (e::USER_GROUP.template, "user_groups"),
];

/// The plan's name for a Jamf at `version`, and the snapshot's reads, each marked `ok` or with
/// why its part is missing.
pub fn reads(
    kind: EvidenceKind,
    version: Option<&str>,
    snapshot: &DirectorySnapshot,
) -> (String, Vec<Read>) {
    let version = version.and_then(JamfVersion::parse);
    let v1 = match kind {
        EvidenceKind::Admins => PlanKind::for_version(version) == PlanKind::V1,
        EvidenceKind::EndUsers => version.is_some_and(|v| v.supports_v1_users()),
    };
    let reads = snapshot
        .reads
        .iter()
        .map(|read| {
            let source = SOURCES
                .iter()
                .find(|(endpoint, _)| *endpoint == read.endpoint)
                .map(|(_, source)| *source);
            let missing = snapshot
                .missing
                .iter()
                .find(|m| Some(m.source.as_ref()) == source);
            Read {
                endpoint: read.endpoint.clone(),
                requests: Some(read.requests),
                statuses: read.statuses.clone(),
                status: missing
                    .map_or_else(|| "ok".to_owned(), |m| format!("missing: {}", m.reason)),
            }
        })
        .collect();
    (if v1 { "v1" } else { "classic" }.to_owned(), reads)
}

/// Records by type, the catalog sizes, and the `totalCount` each Jamf Pro API list reported.
pub fn counts(snapshot: &DirectorySnapshot) -> Counts {
    let as_u64 = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    let of = |t: UserType| as_u64(snapshot.users.iter().filter(|u| u.user_type == t).count());
    Counts {
        records: as_u64(snapshot.users.len()),
        admins: of(UserType::Admin),
        service_accounts: of(UserType::ServiceAccount),
        end_users: of(UserType::EndUser),
        groups: as_u64(snapshot.groups.len()),
        roles: as_u64(snapshot.roles.len()),
        workspaces: as_u64(snapshot.workspaces.len()),
        jamf_total_counts: snapshot
            .reads
            .iter()
            .filter_map(|read| Some((read.endpoint.clone(), read.total_count?)))
            .collect::<BTreeMap<_, _>>(),
    }
}
