//! Inventory users → users of `type: "end-user"`. Both Jamf APIs carry the same facts (name,
//! both emails, LDAP server, sites), so both plans yield the same record; memberships come
//! from the user groups' member lists.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::directory::model::{
    DirectorySnapshot, GroupRef, MissingSource, Permissions, RemoteData, Shared, User, UserStatus,
    UserType, WorkspaceRef, compare_ids,
};
use crate::jamf::records::{InventoryRecord, JamfInventory, JamfRef, is_assigned_id};

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
                source: list.list,
                reason: list.reason.clone(),
            })
            .collect(),
    }
}

/// The facts of one user, whichever API gave them.
struct Facts<'a> {
    id: &'a str,
    username: Option<&'a str>,
    full_name: Option<&'a str>,
    emails: [Option<&'a str>; 2],
    ldap_server: Option<&'a str>,
    sites: &'a [JamfRef],
    raw: &'a Value,
}

fn facts(record: &InventoryRecord) -> Facts<'_> {
    match record {
        InventoryRecord::V1(v1) => Facts {
            id: &v1.parsed.id,
            username: v1.parsed.username.as_deref(),
            full_name: v1.parsed.realname.as_deref(),
            emails: [
                v1.parsed.email.as_deref(),
                v1.parsed.email_address.as_deref(),
            ],
            ldap_server: v1.parsed.ldap_server_id.as_deref(),
            sites: &v1.parsed.sites,
            raw: &v1.raw,
        },
        InventoryRecord::Classic(classic) => Facts {
            id: &classic.parsed.id,
            username: classic.parsed.name.as_deref(),
            full_name: classic.parsed.full_name.as_deref(),
            emails: [
                classic.parsed.email.as_deref(),
                classic.parsed.email_address.as_deref(),
            ],
            ldap_server: classic
                .parsed
                .ldap_server
                .as_ref()
                .and_then(|server| server.id.as_deref()),
            sites: &classic.parsed.sites,
            raw: &classic.raw,
        },
    }
}

fn end_user(record: &InventoryRecord, memberships: &BTreeMap<&str, Vec<GroupRef>>) -> User {
    let facts = facts(record);
    let name = full_name(facts.full_name);
    let (first_name, last_name) = split_name(name.as_deref());
    let mut groups = memberships.get(facts.id).cloned().unwrap_or_default();
    groups.sort_by(|a, b| compare_ids(&a.id, &b.id));
    groups.dedup_by(|a, b| a.id == b.id);
    let mut workspaces: Vec<WorkspaceRef> = facts
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
        id: end_user_id(facts.id),
        user_type: UserType::EndUser,
        username: facts
            .username
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned),
        name,
        first_name,
        last_name,
        emails: normalize_emails(facts.emails.into_iter().flatten()),
        status: UserStatus::Unknown,
        status_detail: Some(STATUS_DETAIL.to_owned()),
        roles: Shared::new(Vec::new()),
        groups: Shared::new(groups),
        workspaces: Shared::new(workspaces),
        access_level: None,
        permissions: Permissions::default(),
        is_2fa_enabled: None,
        mfa: Shared::new(mfa::inventory_user_mfa()),
        is_directory_user: Some(facts.ldap_server.is_some_and(is_assigned_id)),
        password_change_required: None,
        last_password_change_at: None,
        last_login_at: None,
        created_at: None,
        updated_at: None,
        remote_data: RemoteData::new(&Value::Object(Map::from_iter([(
            "inventory_user".to_owned(),
            facts.raw.clone(),
        )]))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::jamf::records::{ClassicUser, ClassicUserGroup, V1User, WithRaw};

    fn v1(raw: Value) -> InventoryRecord {
        InventoryRecord::V1(WithRaw::<V1User>::from_value(raw).unwrap())
    }

    fn classic(raw: Value) -> InventoryRecord {
        InventoryRecord::Classic(WithRaw::<ClassicUser>::from_value(raw).unwrap())
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
    fn both_apis_give_the_same_end_user() {
        let from_v1 = only(vec![v1(json!({
            "id": "5", "username": " hruby ", "realname": "Heriberto Truby",
            "email": "", "emailAddress": "H.Truby@Example.com ", "ldapServerId": "2",
            "sites": [{"id": "3", "name": "Minneapolis"}, {"id": "1", "name": "Eau Claire"}]
        }))]);
        let from_classic = only(vec![classic(json!({
            "id": 5, "name": " hruby ", "full_name": "Heriberto Truby",
            "email": "", "email_address": "H.Truby@Example.com ",
            "ldap_server": {"id": 2, "name": "Corp AD"},
            "sites": [{"id": 1, "name": "Eau Claire"}, {"id": 3, "name": "Minneapolis"}]
        }))]);
        let comparable = |mut user: User| {
            user.remote_data = RemoteData::new(&Value::Null);
            user
        };
        assert_eq!(comparable(from_v1.clone()), comparable(from_classic));
        let user = from_v1;
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
