//! The directory's groups, roles and workspaces, built after the users (group members and
//! roles in use are read off them).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::{Map, Value};

use crate::directory::model::{
    Group, GroupMember, GroupType, Permissions, RemoteData, Role, RoleType, User, UserType,
    Workspace, WorkspaceStatus, compare_ids,
};
use crate::jamf::records::{
    ApiRoleRecord, GroupRecord, JamfAccessLevel, PrivilegeSet, is_assigned_id,
};

use super::access::{self, set_role};
use super::fields;
use super::index::Index;
use super::service_accounts::api_role_id;

/// Every group the records mention (group records and account-side memberships), with
/// members computed from the users.
pub(super) fn groups(index: &Index<'_>, users: &[User]) -> Vec<Group> {
    let mut members: BTreeMap<&str, Vec<GroupMember>> = BTreeMap::new();
    for user in users {
        for group in user.groups.iter() {
            members.entry(&group.id).or_default().push(GroupMember {
                id: user.id.clone(),
                username: user.username.clone(),
            });
        }
    }
    let ids: BTreeSet<&str> = index.group_ids().chain(members.keys().copied()).collect();
    let mut groups: Vec<Group> = ids
        .into_iter()
        .map(|id| {
            let facts = index.group_facts(id, None);
            let record = index.group_record(id);
            Group {
                id: id.to_owned(),
                name: facts.name.map(str::to_owned),
                group_type: GroupType::Group,
                access_level: fields::access_level(facts.access_level),
                roles: facts
                    .privilege_set
                    .map(|set| set_role(set, None, facts.site.clone()))
                    .into_iter()
                    .collect(),
                workspace: facts.site.clone(),
                is_directory_group: record.and_then(is_directory_group),
                members: members.remove(id).unwrap_or_default(),
                permissions: Permissions::new([access::group_permissions(&facts)]),
                remote_data: RemoteData::new(
                    &record.map_or_else(|| Value::Object(Map::new()), group_remote_data),
                ),
            }
        })
        .collect();
    groups.sort_by(|a, b| compare_ids(&a.id, &b.id));
    groups
}

/// LDAP-backed: a v1 `ldapServerId` other than -1 or a `directoryGroupId`, else a Classic
/// `ldap_server` reference.
fn is_directory_group(record: &GroupRecord) -> Option<bool> {
    if let Some(v1) = &record.v1 {
        let ldap = v1
            .parsed
            .ldap_server_id
            .as_deref()
            .is_some_and(is_assigned_id);
        let directory_group = v1
            .parsed
            .directory_group_id
            .as_deref()
            .is_some_and(|d| !d.trim().is_empty());
        return Some(ldap || directory_group);
    }
    let classic = &record.classic.as_ref()?.parsed;
    Some(
        classic
            .ldap_server
            .as_ref()
            .is_some_and(|ldap| ldap.assigned_id().is_some()),
    )
}

fn group_remote_data(record: &GroupRecord) -> Value {
    let mut sources = Map::new();
    if let Some(v1) = &record.v1 {
        sources.insert("v1_account_group".to_owned(), v1.raw.clone());
    }
    if let Some(classic) = &record.classic {
        sources.insert("classic_group".to_owned(), classic.raw.clone());
    }
    Value::Object(sources)
}

/// Privilege sets held by any account or group, then the API roles. A built-in set lists
/// the privileges Classic showed for its holders; `custom` lists none (they differ per
/// holder).
pub(super) fn roles(
    index: &Index<'_>,
    users: &[User],
    groups: &[Group],
    api_roles: &[ApiRoleRecord],
) -> Vec<Role> {
    let mut privilege_sets: BTreeMap<String, Role> = BTreeMap::new();
    let held = users
        .iter()
        .filter(|user| user.user_type == UserType::Admin)
        .flat_map(|user| user.roles.iter())
        .chain(groups.iter().flat_map(|group| group.roles.iter()));
    for role in held {
        privilege_sets
            .entry(role.id.clone())
            .or_insert_with(|| Role {
                id: role.id.clone(),
                name: role.name.clone(),
                role_type: RoleType::PrivilegeSet,
                permissions: Vec::new(),
                remote_data: RemoteData::new(&Value::Object(Map::new())),
            });
    }
    for (role_id, privileges) in built_in_set_privileges(index) {
        if let Some(role) = privilege_sets.get_mut(&role_id) {
            role.permissions = privileges;
        }
    }
    let api = api_roles.iter().map(|role| Role {
        id: api_role_id(&role.parsed.id),
        name: role
            .parsed
            .display_name
            .clone()
            .unwrap_or_else(|| role.parsed.id.clone()),
        role_type: RoleType::ApiRole,
        permissions: role.parsed.privileges.clone(),
        remote_data: RemoteData::new(&Value::Object(Map::from_iter([(
            "api_role".to_owned(),
            role.raw.clone(),
        )]))),
    });
    let mut roles: Vec<Role> = privilege_sets.into_values().chain(api).collect();
    roles.sort_by(|a, b| compare_ids(&a.id, &b.id));
    roles
}

/// For each built-in set's role id, the privilege names Jamf listed on accounts and groups
/// holding it (first-seen order, no repeats).
fn built_in_set_privileges(index: &Index<'_>) -> BTreeMap<String, Vec<String>> {
    let directory = index.directory;
    let accounts = directory
        .accounts
        .iter()
        .filter_map(|r| r.classic.as_ref())
        .filter_map(|c| {
            let own = c.parsed.access_level != Some(JamfAccessLevel::Group);
            let set = c.parsed.privilege_set.as_ref().filter(|_| own)?;
            Some((
                set,
                c.parsed
                    .privileges
                    .iter()
                    .map(|(_, name)| name)
                    .collect::<Vec<_>>(),
            ))
        });
    let groups = directory.groups.iter().filter_map(|record| {
        let id = record.id()?;
        let facts = index.group_facts(id, None);
        let grant = access::group_permissions(&facts);
        Some((facts.privilege_set?, grant.privileges))
    });
    let groups: Vec<_> = groups.collect();
    let group_names = groups.iter().map(|(set, privileges)| {
        let names = privileges
            .iter()
            .filter(|p| p.category.as_deref() != Some(access::PRIVILEGE_SET_CATEGORY))
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>();
        (*set, names)
    });
    let mut by_role: BTreeMap<String, (Vec<String>, HashSet<String>)> = BTreeMap::new();
    for (set, names) in accounts.chain(group_names) {
        if matches!(set, PrivilegeSet::Custom | PrivilegeSet::Other(_)) {
            continue;
        }
        let (kept, seen) = by_role
            .entry(fields::privilege_set_role(set).0)
            .or_default();
        for name in names {
            if seen.insert(name.to_owned()) {
                kept.push(name.to_owned());
            }
        }
    }
    by_role
        .into_iter()
        .map(|(role_id, (names, _))| (role_id, names))
        .collect()
}

/// The site list, plus any site a user or group names that the list lacked.
pub(super) fn workspaces(index: &Index<'_>, users: &[User], groups: &[Group]) -> Vec<Workspace> {
    let mut by_id: BTreeMap<String, Option<String>> = index
        .all_sites()
        .into_iter()
        .map(|site| (site.id, site.name))
        .collect();
    let cited = users
        .iter()
        .flat_map(|user| {
            user.workspaces
                .iter()
                .chain(user.roles.iter().filter_map(|role| role.workspace.as_ref()))
        })
        .chain(groups.iter().filter_map(|group| group.workspace.as_ref()));
    for site in cited {
        by_id
            .entry(site.id.clone())
            .or_insert_with(|| site.name.clone());
    }
    let mut workspaces: Vec<Workspace> = by_id
        .into_iter()
        .map(|(id, name)| Workspace {
            id,
            name,
            status: WorkspaceStatus::Active,
        })
        .collect();
    workspaces.sort_by(|a, b| compare_ids(&a.id, &b.id));
    workspaces
}
