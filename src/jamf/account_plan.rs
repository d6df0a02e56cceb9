//! Fetching one account by id: only that account's calls, for a single-user get on a cold
//! cache (DESIGN §4), never the whole directory.

use super::client::JamfClient;
use super::endpoints;
use super::error::JamfError;
use super::plan::PlanKind;
use super::reads::{absent_if_not_found, id_path, known_version, optional};
use super::records::{
    AccessLevel, AccountRecord, Fetched, GroupRecord, SsoSettings, V1Account, WithRaw,
};

/// One account, the groups it gets privileges from, and the SSO settings its MFA depends on.
pub type AccountFetch = (AccountRecord, Vec<GroupRecord>, Fetched<SsoSettings>);

/// GETs one `fetch_account` makes when nothing fails, where `g` is the number of the account's
/// groups if its access level is Group Access, else 0:
///
/// * v1 plan: `3 + g` — `/api/v1/accounts/{id}`, Classic `/JSSResource/accounts/userid/{id}`
///   (the v1 record has neither privileges nor group membership), `/api/v3/sso`, and one
///   Classic `/JSSResource/accounts/groupid/{id}` per group;
/// * Classic plan: `2 + g` — the same without the v1 record.
///
/// An unknown numeric id costs the same minus the group calls; a non-numeric id costs nothing.
/// As for [`super::plan::planned_requests`], the version GET and token POSTs are not counted.
pub fn planned_account_requests(kind: PlanKind, group_access_groups: usize) -> usize {
    let base = match kind {
        PlanKind::V1 => 3,
        PlanKind::Classic => 2,
    };
    base + group_access_groups
}

impl JamfClient {
    /// Reads one account by its Jamf id; `None` when Jamf has no such account. SSO is read
    /// concurrently, and its 403 is [`Fetched::Forbidden`] as in a directory fetch.
    pub async fn fetch_account(&self, id: &str) -> Result<Option<AccountFetch>, JamfError> {
        if id_path("", id).is_none() {
            return Ok(None);
        }
        self.within_deadline(async {
            let (account, sso) = futures::join!(self.account_with_groups(id), self.sso());
            let Some((record, groups)) = account? else {
                return Ok(None);
            };
            Ok(Some((record, groups, optional(sso)?)))
        })
        .await
    }

    async fn account_with_groups(
        &self,
        id: &str,
    ) -> Result<Option<(AccountRecord, Vec<GroupRecord>)>, JamfError> {
        let version = known_version(self.version_unbounded().await)?;
        let record = match PlanKind::for_version(version) {
            PlanKind::V1 => {
                let (v1, classic) =
                    futures::try_join!(self.v1_account(id), self.classic_account(id))?;
                AccountRecord { v1, classic }
            }
            PlanKind::Classic => AccountRecord {
                v1: None,
                classic: self.classic_account(id).await?,
            },
        };
        if record.v1.is_none() && record.classic.is_none() {
            return Ok(None);
        }
        // Membership is on the Classic record; a Group Access account's power is its groups'.
        let group_ids = match &record.classic {
            Some(classic) if classic.parsed.access_level == Some(AccessLevel::Group) => {
                classic.parsed.groups.iter().map(|g| g.id.clone()).collect()
            }
            _ => Vec::new(),
        };
        let groups = self
            .bounded(group_ids, |group_id| async move {
                let classic = self.classic_group(&group_id).await?;
                Ok(classic.map(|classic| GroupRecord {
                    v1: None,
                    classic: Some(classic),
                }))
            })
            .await?;
        Ok(Some((record, groups)))
    }

    async fn v1_account(&self, id: &str) -> Result<Option<WithRaw<V1Account>>, JamfError> {
        let Some(path) = id_path("/api/v1/accounts/", id) else {
            return Ok(None);
        };
        absent_if_not_found(self.get(endpoints::V1_ACCOUNT, &path, &[]).await)
    }
}
