//! Users and snapshots for table tests (the access review's, the cache's), built directly
//! rather than normalized from Jamf records, so each test states only the fields it is about.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::directory::model::{
    DirectorySnapshot, Email, Grant, Mfa, MfaEvidence, MfaStatus, Permissions, Privilege,
    RemoteData, RoleRef, Shared, User, UserStatus, UserType, Via, ViaKind,
};

/// An active local Full Access admin, SSO enforced, no other facts.
pub fn admin(id: &str, username: &str, email: &str) -> User {
    User {
        id: id.to_owned(),
        user_type: UserType::Admin,
        username: Some(username.to_owned()),
        name: None,
        first_name: None,
        last_name: None,
        emails: emails(&[email]),
        status: UserStatus::Active,
        status_detail: None,
        roles: Shared::new(vec![role("administrator", "Administrator")]),
        groups: Shared::new(Vec::new()),
        workspaces: Shared::new(Vec::new()),
        access_level: None,
        permissions: Permissions::default(),
        is_2fa_enabled: Some(true),
        mfa: Shared::new(mfa(MfaStatus::EnforcedByIdp, vec![])),
        is_directory_user: Some(false),
        password_change_required: None,
        last_password_change_at: None,
        last_login_at: None,
        created_at: None,
        updated_at: None,
        remote_data: RemoteData::new(&Value::Null),
    }
}

/// An API client holding `privileges` through one API role.
pub fn api_client(id: &str, name: &str, enabled: bool, privileges: &[&str]) -> User {
    let mut user = admin(&format!("api-client-{id}"), name, "");
    user.user_type = UserType::ServiceAccount;
    user.is_directory_user = None;
    user.is_2fa_enabled = None;
    user.mfa = Shared::new(mfa(
        MfaStatus::Unknown,
        vec![MfaEvidence::ClientCredentials(true)],
    ));
    user.roles = Shared::new(vec![role("api-role-1", "Role")]);
    user.status = if enabled {
        UserStatus::Active
    } else {
        UserStatus::Inactive
    };
    let privileges = privileges
        .iter()
        .map(|name| Privilege {
            name: (*name).to_owned(),
            category: None,
        })
        .collect();
    user.permissions = Permissions::new([Grant {
        via: Via {
            kind: ViaKind::ApiRole,
            id: "api-role-1".to_owned(),
        },
        privileges,
    }]);
    user
}

pub fn emails(addresses: &[&str]) -> Vec<Email> {
    addresses
        .iter()
        .filter(|a| !a.is_empty())
        .enumerate()
        .map(|(i, a)| Email {
            email: (*a).to_owned(),
            email_type: "work".to_owned(),
            is_primary: i == 0,
        })
        .collect()
}

pub fn role(id: &str, name: &str) -> RoleRef {
    RoleRef {
        id: id.to_owned(),
        name: name.to_owned(),
        group: None,
        workspace: None,
    }
}

pub fn mfa(status: MfaStatus, evidence: Vec<MfaEvidence>) -> Mfa {
    Mfa {
        status,
        summary: format!("{status:?}"),
        evidence,
    }
}

pub fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 time")
}

pub fn snapshot(users: Vec<User>) -> DirectorySnapshot {
    DirectorySnapshot {
        jamf_version: Some("11.30.1".to_owned()),
        users,
        groups: Vec::new(),
        roles: Vec::new(),
        workspaces: Vec::new(),
        missing: Vec::new(),
        reads: Vec::new(),
    }
}
