//! Account → user rules: fields, roles, groups, workspaces, permissions with provenance.

use serde_json::json;

use super::super::normalize_directory;
use super::*;
use crate::directory::model::{
    AccessLevel, GroupRef, Permissions, RoleRef, User, UserStatus, ViaKind, WorkspaceRef,
};

fn only_user(directory: &JamfDirectory) -> User {
    let snapshot = normalize_directory(directory);
    assert_eq!(snapshot.users.len(), 1);
    snapshot.users.into_iter().next().expect("one user")
}

fn workspace(id: &str, name: &str) -> WorkspaceRef {
    WorkspaceRef {
        id: id.into(),
        name: Some(name.into()),
    }
}

fn via(permissions: &Permissions) -> Vec<(&str, Option<&str>, ViaKind, &str)> {
    permissions
        .iter()
        .map(|p| (p.name, p.category, p.via.kind, p.via.id.as_str()))
        .collect()
}

#[test]
fn real_custom_full_access_account() {
    let user = only_user(&directory(vec![real_custom_account()], vec![]));
    assert_eq!(
        (user.id.as_str(), user.username.as_deref()),
        ("16", Some("Wrong_Permissions"))
    );
    assert_eq!(
        (user.first_name.as_deref(), user.last_name.as_deref()),
        (Some("John"), Some("Doe"))
    );
    assert_eq!(
        user.emails.len(),
        1,
        "email and email_address are the same address"
    );
    assert_eq!(user.status, UserStatus::Active);
    assert_eq!(user.access_level, Some(AccessLevel::FullAccess));
    assert_eq!(
        *user.roles,
        [RoleRef {
            id: "custom".into(),
            name: "Custom".into(),
            group: None,
            workspace: None
        }]
    );
    assert_eq!(
        *user.workspaces,
        [workspace("1", "Test site"), workspace("2", "Eau Claire")],
        "Full Access acts in every site"
    );
    assert_eq!(user.permissions.len(), 6);
    assert_eq!(
        via(&user.permissions)[3],
        ("Read Accounts", Some("jss_objects"), ViaKind::Account, "16")
    );
    assert_eq!(
        (user.is_directory_user, user.password_change_required),
        (Some(false), Some(false))
    );
    assert_eq!(remote(&user.remote_data)["classic_account"]["id"], 16);
    assert!(user.groups.is_empty());
}

#[test]
fn roles_by_access_level() {
    let site_admin = classic_admin(
        3,
        json!({"access_level": "Site Access", "site": {"id": 1, "name": "Test site"}}),
    );
    let auditor = classic_admin(
        4,
        json!({"privilege_set": "Auditor", "enabled": "Disabled"}),
    );
    let enrollment = classic_admin(
        5,
        json!({"privilege_set": "Enrollment Only", "access_level": "Tenant"}),
    );
    let cases = [
        (
            site_admin,
            Some(AccessLevel::SiteAccess),
            "administrator",
            Some(workspace("1", "Test site")),
            vec![workspace("1", "Test site")],
        ),
        (
            auditor,
            Some(AccessLevel::FullAccess),
            "auditor",
            None,
            vec![workspace("1", "Test site"), workspace("2", "Eau Claire")],
        ),
        (enrollment, None, "enrollment_only", None, vec![]),
    ];
    for (account, level, role_id, role_workspace, workspaces) in cases {
        let user = only_user(&directory(vec![classic_account(account)], vec![]));
        assert_eq!(user.access_level, level, "{}", user.id);
        assert_eq!(user.roles.len(), 1);
        assert_eq!(
            (user.roles[0].id.as_str(), user.roles[0].workspace.clone()),
            (role_id, role_workspace)
        );
        assert_eq!(*user.workspaces, workspaces, "{}", user.id);
    }
}

#[test]
fn group_access_one_role_per_group_and_membership_despite_empty_members() {
    let account = classic_admin(
        7,
        json!({
            "access_level": "Group Access", "privilege_set": "Custom", "privileges": {},
            "groups": [{"id": 1, "name": "Test Group", "privileges": {"jss_objects": ["Read Computers"]}}]
        }),
    );
    let snapshot = normalize_directory(&directory(
        vec![classic_account(account)],
        vec![real_group()],
    ));
    let user = &snapshot.users[0];
    assert_eq!(
        *user.groups,
        [GroupRef {
            id: "1".into(),
            name: Some("Test Group".into())
        }]
    );
    assert_eq!(
        *user.roles,
        [RoleRef {
            id: "custom".into(),
            name: "Custom".into(),
            group: Some(user.groups[0].clone()),
            workspace: Some(workspace("1", "Test site"))
        }]
    );
    assert_eq!(
        via(&user.permissions),
        [("Read Computers", Some("jss_objects"), ViaKind::Group, "1")],
        "the account-side group privileges, since the group detail listed none"
    );
    assert_eq!(*user.workspaces, [workspace("1", "Test site")]);
    let group = snapshot.group("1").expect("group 1");
    assert_eq!(
        group
            .members
            .iter()
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>(),
        ["7"],
        "members computed from accounts"
    );
}

#[test]
fn groups_are_the_union_of_account_side_and_member_lists() {
    let account = classic_admin(7, json!({"groups": [{"id": 1, "name": "Test Group"}]}));
    let v1_group = GroupRecord {
        v1: Some(with_raw(
            json!({"id": "5", "name": "Helpdesk", "accessLevel": "FullAccess", "privilegeLevel": "CUSTOM", "siteId": "-1", "members": [{"id": "7"}], "privileges": ["Read Computers", "Update Computers"]}),
        )),
        classic: None,
    };
    let user = only_user(&directory(
        vec![classic_account(account)],
        vec![real_group(), v1_group],
    ));
    let ids: Vec<&str> = user.groups.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids, ["1", "5"]);
    assert_eq!(
        user.roles.len(),
        1,
        "Full Access: only the account's own set is a role"
    );
    let from_groups: Vec<_> = via(&user.permissions)
        .into_iter()
        .filter(|p| p.2 == ViaKind::Group)
        .collect();
    assert_eq!(
        from_groups,
        [
            ("Read Computers", None, ViaKind::Group, "5"),
            ("Update Computers", None, ViaKind::Group, "5")
        ]
    );
    assert_eq!(
        user.permissions
            .iter()
            .filter(|p| p.via.kind == ViaKind::Account)
            .count(),
        2
    );
}

#[test]
fn directory_user_and_email_quirks() {
    let cases = [
        (
            json!({"directory_user": true, "ldap_server": {"id": 2, "name": "AD"}}),
            Some(true),
            vec!["jane@example.com"],
        ),
        (
            json!({"directory_user": null, "ldap_server": {"id": -1, "name": "None"}}),
            Some(false),
            vec!["jane@example.com"],
        ),
        (
            json!({"email": "", "email_address": "ops@example.com"}),
            Some(false),
            vec!["ops@example.com"],
        ),
        (
            json!({"email": "Ops@Example.com", "email_address": "ops@example.com"}),
            Some(false),
            vec!["ops@example.com"],
        ),
        (
            json!({"email": null, "email_address": " "}),
            Some(false),
            vec![],
        ),
    ];
    for (overrides, directory_user, emails) in cases {
        let user = only_user(&directory(
            vec![classic_account(classic_admin(9, overrides.clone()))],
            vec![],
        ));
        assert_eq!(user.is_directory_user, directory_user, "{overrides}");
        assert_eq!(
            user.emails
                .iter()
                .map(|e| e.email.as_str())
                .collect::<Vec<_>>(),
            emails,
            "{overrides}"
        );
    }
}
