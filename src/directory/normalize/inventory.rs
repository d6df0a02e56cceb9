//! Inventory users → users of `type: "end-user"`, from each user's Classic detail (the only
//! record with both emails, the LDAP server and the sites), so both plans yield the same
//! record; memberships come from the user groups' member lists.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::directory::model::{
    DirectorySnapshot, GroupRef, MissingSource, Permissions, RemoteData, Shared, User, UserStatus,
    UserType, WorkspaceRef, compare_ids,
};
use crate::jamf::records::{InventoryRecord, JamfInventory};

use super::fields::{full_name, normalize_emails, split_name};
use super::mfa;

/// Inventory users have their own id space in Jamf; prefixed so they never collide with
/// admin account ids.
pub fn end_user_id(jamf_id: &str) -> String {
    format!("end-user-{jamf_id}")
}

const STATUS_DETAIL: &str =
    "Jamf Pro keeps no status for inventory users; they have no console access";

/// The inventory as a snapshot holding end users only (sorted like every list).
pub fn normalize_inventory(inventory: &JamfInventory) -> DirectorySnapshot {
    // Jamf user id → its groups, from the groups' member lists.
    let mut memberships: BTreeMap<&str, Vec<GroupRef>> = BTreeMap::new();
    for group in &inventory.groups {
        let group_ref = GroupRef {
            id: format!("user-group-{}", group.id),
            name: group.name.as_deref().map(str::trim).map(str::to_owned),
        };
        for member in &group.users {
            memberships
                .entry(member.id.as_str())
                .or_default()
                .push(group_ref.clone());
        }
    }
    let mut users: Vec<User> = inventory
        .users
        .iter()
        .map(|record| end_user(record, &memberships))
        .collect();
    users.sort_by(|a, b| compare_ids(&a.id, &b.id));
    users.dedup_by(|later, first| later.id == first.id);
    DirectorySnapshot {
        jamf_version: None,
        users,
        groups: Vec::new(),
        roles: Vec::new(),
        workspaces: Vec::new(),
        missing: inventory
            .incomplete
            .iter()
            .map(|list| MissingSource {
                source: list.list.into(),
                reason: list.reason.clone(),
            })
            .collect(),
    }
}

fn end_user(record: &InventoryRecord, memberships: &BTreeMap<&str, Vec<GroupRef>>) -> User {
    let user = &record.classic.parsed;
    let name = full_name(user.full_name.as_deref());
    let (first_name, last_name) = split_name(name.as_deref());
    let mut groups = memberships
        .get(user.id.as_str())
        .cloned()
        .unwrap_or_default();
    groups.sort_by(|a, b| compare_ids(&a.id, &b.id));
    groups.dedup_by(|a, b| a.id == b.id);
    let mut workspaces: Vec<WorkspaceRef> = user
        .sites
        .iter()
        .filter_map(|site| {
            let id = site.assigned_id()?;
            Some(WorkspaceRef {
                id: id.to_owned(),
                name: site.name.as_deref().map(str::trim).map(str::to_owned),
            })
        })
        .collect();
    workspaces.sort_by(|a, b| compare_ids(&a.id, &b.id));
    workspaces.dedup_by(|a, b| a.id == b.id);
    User {
        id: end_user_id(&user.id),
        user_type: UserType::EndUser,
        username: user
            .name
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned),
        name,
        first_name,
        last_name,
        emails: normalize_emails(
            [user.email.as_deref(), user.email_address.as_deref()]
                .into_iter()
                .flatten(),
        ),
        status: UserStatus::Unknown,
        status_detail: Some(STATUS_DETAIL.to_owned()),
        roles: Shared::new(Vec::new()),
        groups: Shared::new(groups),
        workspaces: Shared::new(workspaces),
        access_level: None,
        permissions: Permissions::default(),
        is_2fa_enabled: None,
        mfa: Shared::new(mfa::inventory_user_mfa()),
        is_directory_user: Some(
            user.ldap_server
                .as_ref()
                .is_some_and(|server| server.assigned_id().is_some()),
        ),
        password_change_required: None,
        last_password_change_at: None,
        last_login_at: None,
        created_at: None,
        updated_at: None,
        remote_data: RemoteData::new(&Value::Object(Map::from_iter(
            [
                ("inventory_user", Some(&record.classic.raw)),
                ("v1_user", record.v1.as_ref().map(|v1| &v1.raw)),
            ]
            .into_iter()
            .filter_map(|(key, raw)| Some((key.to_owned(), raw?.clone()))),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::jamf::records::{ClassicUser, ClassicUserGroup, WithRaw};

    fn classic(raw: Value) -> InventoryRecord {
        InventoryRecord {
            v1: None,
            classic: WithRaw::<ClassicUser>::from_value(raw).unwrap(),
        }
    }

    fn groups() -> Vec<ClassicUserGroup> {
        let group = |raw: Value| serde_json::from_value::<ClassicUserGroup>(raw).unwrap();
        vec![
            group(json!({"id": 2, "name": "Smart: Sales", "users": [{"id": 5}]})),
            group(json!({"id": 1, "name": "Static: Field", "users": [{"id": 5}, {"id": 6}]})),
        ]
    }

    fn only(records: Vec<InventoryRecord>) -> User {
        let inventory = JamfInventory {
            users: records,
            groups: groups(),
            incomplete: Vec::new(),
        };
        normalize_inventory(&inventory).users.remove(0)
    }

    #[test]
    fn the_classic_detail_gives_every_field() {
        let user = only(vec![classic(json!({
            "id": 5, "name": " hruby ", "full_name": "Heriberto Truby",
            "email": "", "email_address": "H.Truby@Example.com ",
            "ldap_server": {"id": 2, "name": "Corp AD"},
            "sites": [{"id": 3, "name": "Minneapolis"}, {"id": 1, "name": "Eau Claire"}]
        }))]);
        assert_eq!(user.id, "end-user-5");
        assert_eq!(user.user_type, UserType::EndUser);
        assert_eq!(user.username.as_deref(), Some("hruby"));
        assert_eq!(
            (user.first_name.as_deref(), user.last_name.as_deref()),
            (Some("Heriberto"), Some("Truby"))
        );
        let emails: Vec<&str> = user.emails.iter().map(|e| e.email.as_str()).collect();
        assert_eq!(emails, ["h.truby@example.com"]);
        let groups: Vec<&str> = user.groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(groups, ["user-group-1", "user-group-2"]);
        let sites: Vec<&str> = user.workspaces.iter().map(|w| w.id.as_str()).collect();
        assert_eq!(sites, ["1", "3"]);
        assert_eq!(user.is_directory_user, Some(true));
        assert_eq!(user.status, UserStatus::Unknown);
        assert!(user.status_detail.is_some());
        assert_eq!(user.is_2fa_enabled, None);
        assert!(user.roles.is_empty() && user.permissions.is_empty());
    }

    #[test]
    fn a_user_in_no_group_without_ldap_or_sites() {
        let user = only(vec![classic(json!({
            "id": 9, "name": "kiosk", "full_name": "", "email": "k@example.com",
            "email_address": "K@example.com", "ldap_server": {"id": -1, "name": "None"}, "sites": []
        }))]);
        assert!(user.groups.is_empty() && user.workspaces.is_empty());
        assert_eq!(user.is_directory_user, Some(false));
        assert_eq!(user.name, None);
        assert_eq!(user.emails.len(), 1, "the same address in two cases is one");
    }
}
