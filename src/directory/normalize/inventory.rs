//! Inventory users → users of `type: "end-user"`, from a `/api/v1/users` page entry (11.26+) or
//! a Classic detail (before). Only the facts both carry make the record (username, real name,
//! email; no sites, no LDAP server), so both plans yield the same one; what only Classic has
//! stays in `remote_data`. Memberships come from the user groups' member lists.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::directory::model::{
    DirectorySnapshot, GroupRef, MissingSource, Permissions, RemoteData, Shared, User, UserStatus,
    UserType, compare_ids,
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
        reads: Vec::new(),
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

/// The facts of one inventory user, whichever API read them.
struct Facts<'a> {
    id: &'a str,
    username: Option<&'a str>,
    full_name: Option<&'a str>,
    /// In the order they make the primary: Classic `email_address` is the Jamf Pro API `email`.
    emails: [Option<&'a str>; 2],
    raw: &'a Value,
}

impl<'a> Facts<'a> {
    fn of(record: &'a InventoryRecord) -> Self {
        match record {
            InventoryRecord::V1(user) => Facts {
                id: &user.parsed.id,
                username: user.parsed.username.as_deref(),
                full_name: user.parsed.realname.as_deref(),
                emails: [user.parsed.email.as_deref(), None],
                raw: &user.raw,
            },
            InventoryRecord::Classic(user) => Facts {
                id: &user.parsed.id,
                username: user.parsed.name.as_deref(),
                full_name: user.parsed.full_name.as_deref(),
                emails: [
                    user.parsed.email_address.as_deref(),
                    user.parsed.email.as_deref(),
                ],
                raw: &user.raw,
            },
        }
    }
}

fn end_user(record: &InventoryRecord, memberships: &BTreeMap<&str, Vec<GroupRef>>) -> User {
    let user = Facts::of(record);
    let name = full_name(user.full_name);
    let (first_name, last_name) = split_name(name.as_deref());
    let mut groups = memberships.get(user.id).cloned().unwrap_or_default();
    groups.sort_by(|a, b| compare_ids(&a.id, &b.id));
    groups.dedup_by(|a, b| a.id == b.id);
    User {
        id: end_user_id(user.id),
        user_type: UserType::EndUser,
        username: user
            .username
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned),
        name,
        first_name,
        last_name,
        emails: normalize_emails(user.emails.into_iter().flatten()),
        status: UserStatus::Unknown,
        status_detail: Some(STATUS_DETAIL.to_owned()),
        roles: Shared::new(Vec::new()),
        groups: Shared::new(groups),
        workspaces: Shared::new(Vec::new()),
        access_level: None,
        permissions: Permissions::default(),
        is_2fa_enabled: None,
        mfa: Shared::new(mfa::inventory_user_mfa()),
        is_directory_user: None,
        password_change_required: None,
        last_password_change_at: None,
        last_login_at: None,
        created_at: None,
        updated_at: None,
        remote_data: RemoteData::new(&Value::Object(Map::from_iter([(
            "inventory_user".to_owned(),
            user.raw.clone(),
        )]))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::jamf::records::{ClassicUser, ClassicUserGroup, V1User, WithRaw};

    fn classic(raw: Value) -> InventoryRecord {
        InventoryRecord::Classic(WithRaw::<ClassicUser>::from_value(raw).unwrap())
    }

    fn v1(raw: Value) -> InventoryRecord {
        InventoryRecord::V1(WithRaw::<V1User>::from_value(raw).unwrap())
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

    /// The same person as each API describes them (the simulator's inventory user 5).
    fn both_plans() -> [InventoryRecord; 2] {
        [
            classic(json!({
                "id": 5, "name": " hruby ", "full_name": "Heriberto Truby",
                "email": "", "email_address": "H.Truby@Example.com ",
                "ldap_server": {"id": 2, "name": "Corp AD"},
                "sites": [{"id": 3, "name": "Minneapolis"}, {"id": 1, "name": "Eau Claire"}]
            })),
            v1(json!({
                "id": "5", "username": "hruby", "realname": "Heriberto Truby",
                "email": "H.Truby@Example.com ", "phone": "", "position": ""
            })),
        ]
    }

    #[test]
    fn both_plans_give_the_same_record_but_for_remote_data() {
        let [from_classic, from_v1] = both_plans().map(|record| only(vec![record]));
        for user in [&from_classic, &from_v1] {
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
            assert!(
                user.workspaces.is_empty(),
                "sites are not part of the record"
            );
            assert_eq!(user.is_directory_user, None, "nor the LDAP server");
            assert_eq!(user.status, UserStatus::Unknown);
            assert!(user.status_detail.is_some());
            assert_eq!(user.is_2fa_enabled, None);
            assert!(user.roles.is_empty() && user.permissions.is_empty());
        }
        let without_raw = |user: &User| {
            let mut value = serde_json::to_value(user).unwrap();
            value.as_object_mut().unwrap().remove("remote_data");
            value
        };
        assert_eq!(without_raw(&from_classic), without_raw(&from_v1));
        let classic_raw: Value = serde_json::from_str(from_classic.remote_data.get()).unwrap();
        assert_eq!(
            classic_raw["inventory_user"]["ldap_server"]["name"], "Corp AD",
            "what only Classic has stays in remote_data"
        );
    }

    #[test]
    fn a_user_in_no_group_with_two_spellings_of_one_email() {
        let user = only(vec![classic(json!({
            "id": 9, "name": "kiosk", "full_name": "", "email": "k@example.com",
            "email_address": "K@example.com", "ldap_server": {"id": -1, "name": "None"}, "sites": []
        }))]);
        assert!(user.groups.is_empty());
        assert_eq!(user.name, None);
        assert_eq!(user.emails.len(), 1, "the same address in two cases is one");
    }
}
