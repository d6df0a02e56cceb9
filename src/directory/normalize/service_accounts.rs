//! Jamf API clients → `service-account` users. They hold admin power through API roles, so
//! an access review must see them.

use serde_json::{Map, Value};

use crate::directory::model::{
    Permissions, RemoteData, RoleRef, Shared, User, UserStatus, UserType, Via, ViaKind,
};
use crate::jamf::records::{ApiIntegrationRecord, ApiRoleRecord};

use super::access::{grant, uncategorized};
use super::mfa;

/// API client user ids: `api-client-<Jamf id>`, so they never collide with the numeric ids
/// of Jamf Pro accounts and sort after them.
pub(super) fn api_client_user_id(jamf_id: &str) -> String {
    format!("api-client-{jamf_id}")
}

/// API role ids: `api-role-<Jamf id>`, distinct from privilege-set role ids.
pub(super) fn api_role_id(jamf_id: &str) -> String {
    format!("api-role-{jamf_id}")
}

/// An API client as a user. Its `authorizationScopes` are role display names; each is
/// matched to an API role by display name. When roles could not be read (or a name matches
/// none), the role is still listed, with id `api-role-name-<display name>` and no
/// permissions, rather than hidden.
pub(super) fn api_client_user(client: &ApiIntegrationRecord, roles: &[ApiRoleRecord]) -> User {
    let parsed = &client.parsed;
    let mut role_refs = Vec::new();
    let mut grants = Vec::new();
    for scope in &parsed.authorization_scopes {
        let matched = roles
            .iter()
            .find(|role| role.parsed.display_name.as_deref().map(str::trim) == Some(scope.trim()));
        let id = match matched {
            Some(role) => api_role_id(&role.parsed.id),
            None => format!("api-role-name-{}", scope.trim()),
        };
        if let Some(role) = matched {
            let via = Via {
                kind: ViaKind::ApiRole,
                id: id.clone(),
            };
            grants.push(grant(via, uncategorized(&role.parsed.privileges)));
        }
        role_refs.push(RoleRef {
            id,
            name: scope.trim().to_owned(),
            group: None,
            workspace: None,
        });
    }
    let (status, status_detail) = match parsed.enabled {
        Some(true) => (UserStatus::Active, None),
        Some(false) => (
            UserStatus::Inactive,
            Some("API client disabled in Jamf Pro".to_owned()),
        ),
        None => (
            UserStatus::Unknown,
            Some("Jamf Pro did not say whether the API client is enabled".to_owned()),
        ),
    };
    let display_name = parsed
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned);
    User {
        id: api_client_user_id(&parsed.id),
        user_type: UserType::ServiceAccount,
        username: display_name.clone(),
        name: display_name,
        first_name: None,
        last_name: None,
        emails: Vec::new(),
        status,
        status_detail,
        roles: Shared::new(role_refs),
        groups: Shared::new(Vec::new()),
        workspaces: Shared::new(Vec::new()),
        access_level: None,
        permissions: Permissions::new(grants),
        is_2fa_enabled: None,
        mfa: Shared::new(mfa::api_client_mfa()),
        is_directory_user: None,
        password_change_required: None,
        last_password_change_at: None,
        last_login_at: None,
        created_at: None,
        updated_at: None,
        remote_data: RemoteData::new(&Value::Object(Map::from_iter([(
            "api_integration".to_owned(),
            client.raw.clone(),
        )]))),
    }
}
