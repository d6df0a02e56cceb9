//! The directory plans (documented on [`super::plan`]): the calls of `fetch_directory`.

use std::collections::HashSet;

use serde::de::DeserializeOwned;

use super::client::JamfClient;
use super::endpoints::{self, Endpoint};
use super::error::JamfError;
use super::plan::{PAGE_SIZE, PlanKind};
use super::reads::{fan_out, known_version, optional};
use super::records::{
    AccountRecord, ApiIntegrationRecord, ApiRoleRecord, ClassicAccountList, GroupRecord,
    IncompleteList, JamfAccessLevel, JamfDirectory, Paged, SiteList, V1Account, V1AccountGroup,
    WithRaw,
};

impl JamfClient {
    /// Reads everything normalization needs about the instance, within the overall deadline.
    /// See [`super::plan`] for the calls and [`super::plan::planned_requests`] for their number.
    pub async fn fetch_directory(&self) -> Result<JamfDirectory, JamfError> {
        self.within_deadline(async {
            // Sites and SSO; the lists plan their own pages, the cores their details.
            self.plan(2);
            let core = async {
                let version = known_version(self.version_unbounded().await)?;
                let mut incomplete = Vec::new();
                let (accounts, groups) = match PlanKind::for_version(version) {
                    PlanKind::V1 => self.v1_core(&mut incomplete).await?,
                    PlanKind::Classic => self.classic_core().await?,
                };
                Ok::<_, JamfError>((version, accounts, groups, incomplete))
            };
            let (core, sites, sso, api_roles, api_clients) = futures::join!(
                core,
                self.sites(),
                self.sso(),
                self.all_pages::<ApiRoleRecord>(endpoints::API_ROLES, PAGE_SIZE),
                self.all_pages::<ApiIntegrationRecord>(endpoints::API_CLIENTS, PAGE_SIZE),
            );
            let (version, accounts, groups, mut incomplete) = core?;
            let clients = api_clients.as_ref().map_or(0, |list| list.records.len());
            self.within_record_limit(accounts.len() + groups.len() + clients)?;
            let sites = forbidden_as_empty(sites.map(|list| list.sites), "sites", &mut incomplete)?;
            let api_roles =
                optional(api_roles)?.map(|list| list.complete("api_roles", &mut incomplete));
            let api_clients =
                optional(api_clients)?.map(|list| list.complete("api_clients", &mut incomplete));
            Ok(JamfDirectory {
                version,
                accounts,
                groups,
                sites,
                sso: optional(sso)?,
                api_roles,
                api_clients,
                incomplete,
            })
        })
        .await
    }

    /// Both v1 lists, then (concurrently) the Classic detail of every group and of the
    /// accounts [`classic_account_reads`] picks.
    async fn v1_core(
        &self,
        incomplete: &mut Vec<IncompleteList>,
    ) -> Result<(Vec<AccountRecord>, Vec<GroupRecord>), JamfError> {
        let (accounts, groups) = futures::join!(
            self.all_pages::<WithRaw<V1Account>>(endpoints::V1_ACCOUNTS, PAGE_SIZE),
            self.all_pages::<WithRaw<V1AccountGroup>>(endpoints::V1_GROUPS, PAGE_SIZE),
        );
        let accounts = accounts?.complete("accounts", incomplete);
        let accounts = unique_by_id(accounts, |a| &a.parsed.id);
        let groups = forbidden_as_empty(
            groups.map(|list| list.complete("account_groups", incomplete)),
            "account_groups",
            incomplete,
        )?;
        let groups = unique_by_id(groups, |g| &g.parsed.id);
        let reads = classic_account_reads(&accounts, &groups);
        self.plan(groups.len() + reads.len());
        let reads = &reads;
        let account_records = self.bounded(accounts, |v1| async move {
            let classic = if reads.contains(v1.parsed.id.as_str()) {
                self.classic_account(&v1.parsed.id).await?
            } else {
                None
            };
            Ok(Some(AccountRecord {
                v1: Some(v1),
                classic,
            }))
        });
        let group_records = self.bounded(groups, |v1| async move {
            let classic = self.classic_group(&v1.parsed.id).await?;
            Ok(Some(GroupRecord {
                v1: Some(v1),
                classic,
            }))
        });
        // Both run to their end even when one fails: what they read is kept for a retry.
        let (accounts, groups) = futures::join!(account_records, group_records);
        Ok((accounts?, groups?))
    }

    async fn classic_core(&self) -> Result<(Vec<AccountRecord>, Vec<GroupRecord>), JamfError> {
        let endpoint = endpoints::CLASSIC_ACCOUNTS;
        self.plan(1);
        let list: ClassicAccountList = self.get(endpoint, endpoint.template, &[]).await?;
        self.within_record_limit(list.users.len() + list.groups.len())?;
        self.plan(list.users.len() + list.groups.len());
        let accounts = self.bounded(list.users, |entry| async move {
            let classic = self.classic_account(&entry.id).await?;
            Ok(classic.map(|classic| AccountRecord {
                v1: None,
                classic: Some(classic),
            }))
        });
        let groups = self.bounded(list.groups, |entry| async move {
            let classic = self.classic_group(&entry.id).await?;
            Ok(classic.map(|classic| GroupRecord {
                v1: None,
                classic: Some(classic),
            }))
        });
        let (accounts, groups) = futures::join!(accounts, groups);
        Ok((accounts?, groups?))
    }

    /// Every page of a v1 list. Jamf may return fewer records per page than asked for (it caps
    /// `page-size` silently), so the size of page 0 is the page size: the remaining pages are
    /// asked for with it, concurrently, until `totalCount` is covered. A missing `totalCount`
    /// is read as "this is the only page".
    pub(super) async fn all_pages<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        page_size: usize,
    ) -> Result<PagedList<T>, JamfError> {
        let page = |number: usize, size: usize| async move {
            let query = [
                ("page", number.to_string()),
                ("page-size", size.to_string()),
                ("sort", "id:asc".to_owned()),
            ];
            self.get::<Paged<T>>(endpoint, endpoint.template, &query)
                .await
        };
        self.plan(1);
        let first = page(0, page_size).await?;
        if let Some(reported) = first.total_count.and_then(|n| u64::try_from(n).ok()) {
            self.total(endpoint, reported);
        }
        let size = first.results.len();
        let total = first
            .total_count
            .filter(|n| *n >= 0)
            .map_or(size, |n| usize::try_from(n).unwrap_or(usize::MAX));
        // Refused before reading on: a Jamf claiming a trillion records must cost one page.
        self.within_record_limit(total)?;
        let mut records = first.results;
        if size > 0 && size < total {
            let numbers: Vec<usize> = (1..total.div_ceil(size)).collect();
            self.plan(numbers.len());
            let rest = fan_out(numbers, self.parallelism(), |number| page(number, size)).await?;
            records.extend(rest.into_iter().flat_map(|p| p.results));
        }
        Ok(PagedList { records, total })
    }

    async fn sites(&self) -> Result<SiteList, JamfError> {
        self.get(endpoints::SITES, endpoints::SITES.template, &[])
            .await
    }
}

/// A v1 list as paged, with the total Jamf reported.
pub(super) struct PagedList<T> {
    records: Vec<T>,
    total: usize,
}

impl<T> PagedList<T> {
    /// The records; a list shorter than its `totalCount` is recorded in `incomplete`.
    pub(super) fn complete(
        self,
        list: &'static str,
        incomplete: &mut Vec<IncompleteList>,
    ) -> Vec<T> {
        if self.records.len() < self.total {
            tracing::warn!(
                list,
                read = self.records.len(),
                total = self.total,
                "Jamf returned fewer records than its totalCount"
            );
            incomplete.push(IncompleteList::short(list, self.records.len(), self.total));
        }
        self.records
    }
}

/// The accounts whose Classic detail the v1 plan reads, because the v1 record lacks what
/// normalization needs:
/// - a CUSTOM (or unrecognized) privilege set without Group Access: its privilege list;
/// - Group Access that no v1 group lists as a member: its groups (Jamf's `members` is known to
///   come back empty);
/// - the first holder (by id) of each built-in set (Administrator, Auditor, Enrollment Only)
///   without Group Access: the set's privileges, the same for every holder on an instance.
pub(super) fn classic_account_reads(
    accounts: &[WithRaw<V1Account>],
    groups: &[WithRaw<V1AccountGroup>],
) -> HashSet<String> {
    let listed: HashSet<&str> = groups
        .iter()
        .flat_map(|g| &g.parsed.members)
        .map(|m| m.id.as_str())
        .collect();
    let mut built_in_sets_seen = HashSet::new();
    accounts
        .iter()
        .map(|a| &a.parsed)
        .filter(|a| match (&a.access_level, &a.privilege_level) {
            (Some(JamfAccessLevel::Group), _) => !listed.contains(a.id.as_str()),
            (_, Some(set)) if set.is_built_in() => built_in_sets_seen.insert(set),
            _ => true,
        })
        .map(|a| a.id.clone())
        .collect()
}

/// A 403 on a list the snapshot can do without reads as empty, and is recorded in `refused`
/// so the snapshot says it is incomplete.
pub(super) fn forbidden_as_empty<T>(
    result: Result<Vec<T>, JamfError>,
    list: &'static str,
    incomplete: &mut Vec<IncompleteList>,
) -> Result<Vec<T>, JamfError> {
    match result {
        Err(JamfError::Forbidden {
            endpoint,
            privilege,
            ..
        }) => {
            tracing::warn!(
                endpoint,
                privilege,
                "Jamf refused an optional list; reading it as empty"
            );
            incomplete.push(IncompleteList::refused(list, privilege));
            Ok(Vec::new())
        }
        other => other,
    }
}

/// Pages read while records are added or removed can repeat one; keep the first.
fn unique_by_id<T>(items: Vec<T>, id: impl Fn(&T) -> &String) -> Vec<T> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|item| seen.insert(id(item).clone()))
        .collect()
}
