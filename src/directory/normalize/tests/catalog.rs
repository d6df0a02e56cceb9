//! Snapshot assembly: service accounts, groups, roles, workspaces, order, lookups, gaps.

use serde_json::json;

use super::super::normalize_directory;
use super::*;
use crate::directory::model::{MfaStatus, RoleType, UserStatus, UserType, ViaKind};
use crate::jamf::records::{ApiIntegrationRecord, ApiRoleRecord, Paged};

fn api_directory(roles: SourceRead<Vec<ApiRoleRecord>>) -> JamfDirectory {
    let clients: Paged<ApiIntegrationRecord> = parse_json(fixtures::API_CLIENTS).expect("fixture");
    let mut directory = directory(vec![real_custom_account()], vec![]);
    directory.api_roles = roles;
    directory.api_clients = SourceRead::Ok(clients.results);
    directory
}

fn real_and_matching_roles() -> Vec<ApiRoleRecord> {
    let mut roles: Paged<ApiRoleRecord> = parse_json(fixtures::API_ROLES).expect("fixture");
    roles.results.push(with_raw(json!({"id": "2", "displayName": "Tootsie Roal", "privileges": ["Read Computers", "Read Accounts"]})));
    roles.results
}

#[test]
fn api_clients_are_service_accounts() {
    let snapshot = normalize_directory(&api_directory(SourceRead::Ok(real_and_matching_roles())));
    let ids: Vec<&str> = snapshot.users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(
        ids,
        ["16", "api-client-1"],
        "service accounts sort after admin ids"
    );
    let client = snapshot.user("api-client-1").expect("client");
    assert_eq!(
        (client.user_type, client.username.as_deref()),
        (UserType::ServiceAccount, Some("My API Integration"))
    );
    assert_eq!(
        (
            client.status.clone(),
            client.is_2fa_enabled,
            client.mfa.status
        ),
        (UserStatus::Active, None, MfaStatus::Unknown)
    );
    let roles: Vec<(&str, &str)> = client
        .roles
        .iter()
        .map(|r| (r.id.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(
        roles,
        [
            ("api-role-2", "Tootsie Roal"),
            ("api-role-name-Jamf Reset", "Jamf Reset")
        ],
        "unmatched scopes stay visible"
    );
    let permissions: Vec<_> = client
        .permissions
        .iter()
        .map(|p| (p.name, p.via.kind, p.via.id.as_str()))
        .collect();
    assert_eq!(
        permissions,
        [
            ("Read Computers", ViaKind::ApiRole, "api-role-2"),
            ("Read Accounts", ViaKind::ApiRole, "api-role-2")
        ]
    );
    assert_eq!(
        remote(&client.remote_data)["api_integration"]["clientId"],
        "538878d4-9744-43ed-8732-3df99d502bd6"
    );
    assert!(snapshot.missing.is_empty() && !snapshot.is_partial());
}

#[test]
fn unreadable_parts_are_reported_not_fatal() {
    let mut directory = api_directory(SourceRead::Forbidden {
        privilege: Some("Read API Roles".into()),
    });
    directory.sso = SourceRead::Unavailable {
        reason: "HTTP 503".into(),
    };
    let snapshot = normalize_directory(&directory);
    let client = snapshot.user("api-client-1").expect("client still listed");
    assert!(
        client
            .roles
            .iter()
            .all(|r| r.id.starts_with("api-role-name-"))
    );
    assert!(client.permissions.is_empty());
    let missing: Vec<&str> = snapshot.missing.iter().map(|m| m.source.as_ref()).collect();
    assert_eq!(missing, ["sso_settings", "api_roles"]);
    assert!(snapshot.missing[1].reason.contains("Read API Roles"));
    assert_eq!(snapshot.user("16").and_then(|u| u.is_2fa_enabled), None);
}

#[test]
fn roles_groups_workspaces() {
    let group_member = classic_admin(
        7,
        json!({"access_level": "Group Access", "privilege_set": "Custom", "privileges": {}, "groups": [{"id": 1, "name": "Test Group"}]}),
    );
    let admin = classic_admin(
        3,
        json!({"site": {"id": 9, "name": "Unlisted"}, "access_level": "Site Access"}),
    );
    let mut directory = directory(
        vec![classic_account(group_member), classic_account(admin)],
        vec![real_group()],
    );
    directory.api_roles = SourceRead::Ok(real_and_matching_roles());
    let snapshot = normalize_directory(&directory);

    let roles: Vec<(&str, RoleType)> = snapshot
        .roles
        .iter()
        .map(|r| (r.id.as_str(), r.role_type))
        .collect();
    assert_eq!(
        roles,
        [
            ("administrator", RoleType::PrivilegeSet),
            ("api-role-1", RoleType::ApiRole),
            ("api-role-2", RoleType::ApiRole),
            ("custom", RoleType::PrivilegeSet)
        ]
    );
    let administrator = snapshot.role("administrator").expect("in use");
    assert_eq!(
        administrator.permissions,
        ["Read Computers", "Update SSO Settings"]
    );
    assert!(
        snapshot
            .role("custom")
            .is_some_and(|r| r.permissions.is_empty())
    );
    assert_eq!(
        snapshot.role("api-role-1").map(|r| r.permissions.clone()),
        Some(vec!["View License Serial Numbers".to_owned()])
    );
    assert_eq!(snapshot.role("auditor"), None, "only sets in use");

    let group = snapshot.group("1").expect("group");
    assert_eq!(group.workspace.as_ref().map(|w| w.id.as_str()), Some("1"));
    assert_eq!(group.is_directory_group, Some(false));
    assert_eq!(
        remote(&group.remote_data)["classic_group"]["name"],
        "Test Group"
    );
    assert_eq!(
        group
            .members
            .iter()
            .map(|m| m.username.as_deref())
            .collect::<Vec<_>>(),
        [Some("admin7")]
    );

    let workspaces: Vec<(&str, Option<&str>)> = snapshot
        .workspaces
        .iter()
        .map(|w| (w.id.as_str(), w.name.as_deref()))
        .collect();
    assert_eq!(
        workspaces,
        [
            ("1", Some("Test site")),
            ("2", Some("Eau Claire")),
            ("9", Some("Unlisted"))
        ],
        "sites cited but unlisted are kept"
    );
}

#[test]
fn users_sorted_numerically_and_deduplicated() {
    let accounts = [100, 9, 16, 9, 2]
        .into_iter()
        .map(|id| classic_account(classic_admin(id, json!({}))))
        .collect();
    let snapshot = normalize_directory(&directory(accounts, vec![]));
    let ids: Vec<&str> = snapshot.users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["2", "9", "16", "100"]);
    assert!(snapshot.user("16").is_some() && snapshot.user("17").is_none());
    assert_eq!(snapshot.jamf_version, None);
}

#[test]
fn wire_shape_and_schema() {
    let snapshot = normalize_directory(&api_directory(SourceRead::Ok(real_and_matching_roles())));
    let client = serde_json::to_value(snapshot.user("api-client-1")).expect("serializes");
    assert_eq!(client["type"], "service-account");
    assert_eq!(
        (client["status"].clone(), client["is_2fa_enabled"].clone()),
        (json!("active"), Value::Null)
    );
    assert_eq!(
        client["roles"][0],
        json!({"id": "api-role-2", "name": "Tootsie Roal"}),
        "unscoped roles carry no group/workspace keys"
    );
    assert_eq!(
        client["permissions"][0]["via"],
        json!({"kind": "api_role", "id": "api-role-2"})
    );
    assert_eq!(client["mfa"]["status"], "unknown");
    let admin = serde_json::to_value(snapshot.user("16")).expect("serializes");
    assert_eq!(
        (admin["type"].clone(), admin["access_level"].clone()),
        (json!("admin"), json!("full_access"))
    );
    assert_eq!(
        admin["emails"][0],
        json!({"email": "paul.ilaga@creativice.com", "type": "work", "is_primary": true})
    );

    let schema =
        serde_json::to_value(<crate::directory::model::User as utoipa::PartialSchema>::schema())
            .expect("schema");
    assert_eq!(
        schema["properties"]["type"]["$ref"],
        "#/components/schemas/UserType"
    );
    assert_eq!(schema["properties"]["status"]["type"], "string");
}
