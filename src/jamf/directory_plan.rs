//! The directory plans (documented on [`super::plan`]): the calls of `fetch_directory`.

use std::collections::HashSet;

use futures::{StreamExt, TryStreamExt, stream};
use serde::de::DeserializeOwned;

use super::client::JamfClient;
use super::endpoints::{self, Endpoint};
use super::error::JamfError;
use super::plan::{PAGE_SIZE, PlanKind, pages};
use super::reads::{known_version, optional};
use super::records::{
    AccountRecord, ApiIntegrationRecord, ApiRoleRecord, ClassicAccountList, GroupRecord,
    JamfAccessLevel, JamfDirectory, Paged, PrivilegeSet, RefusedList, SiteList, V1Account,
    V1AccountGroup, WithRaw,
};

impl JamfClient {
    /// Reads everything normalization needs about the instance, within the overall deadline.
    /// See the module documentation for the calls and [`super::plan::planned_requests`] for their number.
    pub async fn fetch_directory(&self) -> Result<JamfDirectory, JamfError> {
        self.within_deadline(async {
            let core = async {
                let version = known_version(self.version_unbounded().await)?;
                let mut refused = Vec::new();
                let (accounts, groups) = match PlanKind::for_version(version) {
                    PlanKind::V1 => self.v1_core(&mut refused).await?,
                    PlanKind::Classic => self.classic_core().await?,
                };
                Ok::<_, JamfError>((version, accounts, groups, refused))
            };
            let (core, sites, sso, api_roles, api_clients) = futures::join!(
                core,
                self.sites(),
                self.sso(),
                self.all_pages::<ApiRoleRecord>(endpoints::API_ROLES),
                self.all_pages::<ApiIntegrationRecord>(endpoints::API_CLIENTS),
            );
            let (version, accounts, groups, mut refused) = core?;
            let sites = forbidden_as_empty(sites.map(|list| list.sites), "sites", &mut refused)?;
            Ok(JamfDirectory {
                version,
                accounts,
                groups,
                sites,
                sso: optional(sso)?,
                api_roles: optional(api_roles)?,
                api_clients: optional(api_clients)?,
                refused,
            })
        })
        .await
    }

    async fn v1_core(
        &self,
        refused: &mut Vec<RefusedList>,
    ) -> Result<(Vec<AccountRecord>, Vec<GroupRecord>), JamfError> {
        let (accounts, groups) = futures::join!(
            self.all_pages::<WithRaw<V1Account>>(endpoints::V1_ACCOUNTS),
            self.all_pages::<WithRaw<V1AccountGroup>>(endpoints::V1_GROUPS),
        );
        let accounts = unique_by_id(accounts?, |a| &a.parsed.id);
        let groups = forbidden_as_empty(groups, "account_groups", refused)?;
        let groups = unique_by_id(groups, |g| &g.parsed.id);
        let account_records = self.bounded(accounts, |v1| async move {
            let classic = if needs_classic_account(&v1) {
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
            let classic = if needs_classic_group(&v1) {
                self.classic_group(&v1.parsed.id).await?
            } else {
                None
            };
            Ok(Some(GroupRecord {
                v1: Some(v1),
                classic,
            }))
        });
        futures::try_join!(account_records, group_records)
    }

    async fn classic_core(&self) -> Result<(Vec<AccountRecord>, Vec<GroupRecord>), JamfError> {
        let endpoint = endpoints::CLASSIC_ACCOUNTS;
        let list: ClassicAccountList = self.get(endpoint, endpoint.template, &[]).await?;
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
        futures::try_join!(accounts, groups)
    }

    /// Every page of a v1 list: page 0, then the rest concurrently once `totalCount` is known.
    /// A missing `totalCount` is read as "this is the only page".
    async fn all_pages<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
    ) -> Result<Vec<T>, JamfError> {
        let page = |number: usize| async move {
            let query = [
                ("page", number.to_string()),
                ("page-size", PAGE_SIZE.to_string()),
                ("sort", "id:asc".to_owned()),
            ];
            self.get::<Paged<T>>(endpoint, endpoint.template, &query)
                .await
        };
        let first = page(0).await?;
        let total = first
            .total_count
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(first.results.len());
        let mut results = first.results;
        let rest: Vec<Paged<T>> = stream::iter(1..pages(total))
            .map(page)
            .buffered(self.parallelism())
            .try_collect()
            .await?;
        results.extend(rest.into_iter().flat_map(|p| p.results));
        Ok(results)
    }

    async fn sites(&self) -> Result<SiteList, JamfError> {
        self.get(endpoints::SITES, endpoints::SITES.template, &[])
            .await
    }
}

/// CUSTOM (or an unrecognized privilege level: its privileges are unknown too), unless the
/// account has Group Access and so takes its privileges from its groups.
pub(super) fn needs_classic_account(account: &WithRaw<V1Account>) -> bool {
    let built_in = matches!(
        account.parsed.privilege_level,
        Some(PrivilegeSet::Administrator | PrivilegeSet::Auditor | PrivilegeSet::EnrollmentOnly)
    );
    !built_in && account.parsed.access_level != Some(JamfAccessLevel::Group)
}

pub(super) fn needs_classic_group(group: &WithRaw<V1AccountGroup>) -> bool {
    group.parsed.privilege_level == Some(PrivilegeSet::Custom) && group.parsed.privileges.is_empty()
}

/// A 403 on a list the snapshot can do without reads as empty, and is recorded in `refused`
/// so the snapshot says it is incomplete.
fn forbidden_as_empty<T>(
    result: Result<Vec<T>, JamfError>,
    list: &'static str,
    refused: &mut Vec<RefusedList>,
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
            refused.push(RefusedList {
                list,
                privilege: privilege.map(String::from),
            });
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
