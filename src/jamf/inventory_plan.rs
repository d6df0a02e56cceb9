//! The inventory plan: the calls of `fetch_inventory`, made only when a caller asks for
//! inventory users (`type=end-user`), never for the admin directory.
//!
//! * Jamf Pro **11.26+**: the pages of `/api/v1/users` ([`USERS_PAGE_SIZE`] per page, the most
//!   it accepts; further pages by the size Jamf actually returned, until `totalCount`) are the
//!   records: username, real name and email are all a record needs, so there is no request
//!   per user.
//! * Older: Classic `/JSSResource/users` (ids and names only), then one
//!   `/JSSResource/users/id/{id}` per user: a long fetch on a big instance, which runs on its
//!   own and resumes where it failed (see `progress`).
//!
//! Both, concurrently: `/JSSResource/usergroups` and one `/JSSResource/usergroups/id/{id}` per
//! group, whose `users` give the memberships (static and smart groups alike). A 403 on users
//! or user groups leaves that part empty and recorded in [`JamfInventory::incomplete`].

use super::client::JamfClient;
use super::directory_plan::forbidden_as_empty;
use super::endpoints;
use super::error::JamfError;
use super::reads::{absent_if_not_found, id_path, known_version};
use super::records::{
    ClassicUserDetail, ClassicUserGroup, ClassicUserGroupDetail, ClassicUserGroupList,
    ClassicUserList, IncompleteList, InventoryRecord, JamfInventory, V1User, WithRaw,
};

/// `/api/v1/users` accepts `page-size` up to 1000.
pub const USERS_PAGE_SIZE: usize = 1000;

/// GETs one `fetch_inventory` makes when nothing fails, with `pages(n) = max(1, ⌈n / 1000⌉)`:
/// v1 `pages(users) + 1 + groups`; Classic `1 + users + 1 + groups` (the `1` before the groups
/// is the user-group list). Not counted: the version GET (once per client) and token POSTs.
pub fn planned_inventory_requests(v1: bool, users: usize, groups: usize) -> usize {
    let users = if v1 {
        users.div_ceil(USERS_PAGE_SIZE).max(1)
    } else {
        1 + users
    };
    users + 1 + groups
}

impl JamfClient {
    /// Reads every inventory user and user group, within the overall deadline.
    pub async fn fetch_inventory(&self) -> Result<JamfInventory, JamfError> {
        self.within_deadline(async {
            let version = known_version(self.version_unbounded().await)?;
            let mut incomplete = Vec::new();
            let v1 = version.is_some_and(|v| v.supports_v1_users());
            let (users, groups) = futures::join!(self.inventory_users(v1), self.user_groups());
            let users = match users {
                Ok((users, None)) => users,
                Ok((users, Some(short))) => {
                    incomplete.push(short);
                    users
                }
                Err(err) => forbidden_as_empty(Err(err), "inventory_users", &mut incomplete)?,
            };
            let groups = forbidden_as_empty(groups, "user_groups", &mut incomplete)?;
            Ok(JamfInventory {
                users,
                groups,
                incomplete,
            })
        })
        .await
    }

    /// The users, and what made their list incomplete when Jamf's `totalCount` was not met.
    async fn inventory_users(
        &self,
        v1: bool,
    ) -> Result<(Vec<InventoryRecord>, Option<IncompleteList>), JamfError> {
        if v1 {
            let mut short = Vec::new();
            let users = self
                .all_pages::<WithRaw<V1User>>(endpoints::V1_USERS, USERS_PAGE_SIZE)
                .await?
                .complete("inventory_users", &mut short);
            return Ok((
                users.into_iter().map(InventoryRecord::V1).collect(),
                short.pop(),
            ));
        }
        let endpoint = endpoints::CLASSIC_USERS;
        self.plan(1);
        let list: ClassicUserList = self.get(endpoint, endpoint.template, &[]).await?;
        self.within_record_limit(list.users.len())?;
        self.plan(list.users.len());
        let users = self
            .bounded(list.users, |entry| async move {
                let Some(path) = id_path("/JSSResource/users/id/", &entry.id) else {
                    return Ok(None);
                };
                let detail = self.get::<ClassicUserDetail>(endpoints::CLASSIC_USER, &path, &[]);
                // Gone since the list: not a user any more.
                Ok(absent_if_not_found(detail.await)?.map(|d| InventoryRecord::Classic(d.user)))
            })
            .await?;
        Ok((users, None))
    }

    /// Every user group with its members (one detail call per group).
    async fn user_groups(&self) -> Result<Vec<ClassicUserGroup>, JamfError> {
        let endpoint = endpoints::USER_GROUPS;
        self.plan(1);
        let list: ClassicUserGroupList = self.get(endpoint, endpoint.template, &[]).await?;
        self.plan(list.user_groups.len());
        self.bounded(list.user_groups, |entry| async move {
            let Some(path) = id_path("/JSSResource/usergroups/id/", &entry.id) else {
                return Ok(None);
            };
            let detail = self.get::<ClassicUserGroupDetail>(endpoints::USER_GROUP, &path, &[]);
            Ok(absent_if_not_found(detail.await)?.map(|d| d.user_group))
        })
        .await
    }
}
