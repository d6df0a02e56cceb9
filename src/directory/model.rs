//! The unified user-directory records (Truto's shapes, snake_case), as served to callers
//! and documented in the OpenAPI description.

mod access;
mod catalog;
mod order;
mod permissions;
mod remote;
mod shared;
mod snapshot;
#[cfg(test)]
pub(crate) mod test_users;

pub use access::{
    AccessLevel, GroupRef, Mfa, MfaEvidence, MfaStatus, Permission, RoleRef, Via, ViaKind,
    WorkspaceRef,
};
pub use catalog::{Group, GroupMember, GroupType, Role, RoleType, Workspace, WorkspaceStatus};
pub use order::compare_ids;
pub use permissions::{Grant, Permissions, Privilege};
pub use remote::RemoteData;
pub use shared::Shared;
pub use snapshot::{DirectorySnapshot, JamfRead, MissingSource};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

/// A Jamf Pro administrator account (`type: "admin"`) or API client
/// (`type: "service-account"`), normalized.
// Snapshots hold a hundred thousand of these, so what users of one snapshot have in common
// (the MFA verdict, site, role and group lists, privilege lists) is shared, not copied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// The Jamf account id as a string; API clients are `api-client-<Jamf client id>` so the
    /// two id spaces cannot collide.
    #[schema(example = "16")]
    pub id: String,
    /// `admin` for a Jamf Pro user account, `service-account` for an API client.
    #[serde(rename = "type")]
    pub user_type: UserType,
    /// Login name (Classic `name`, Jamf Pro API `username`); an API client's display name.
    #[schema(example = "jdoe")]
    pub username: Option<String>,
    /// Full name as Jamf holds it (Classic `full_name`, Jamf Pro API `realname`).
    #[schema(example = "Jane Doe")]
    pub name: Option<String>,
    /// Given name, only when the full name is exactly two words; otherwise null (no guessing).
    #[schema(example = "Jane")]
    pub first_name: Option<String>,
    /// Family name, only when the full name is exactly two words; otherwise null.
    #[schema(example = "Doe")]
    pub last_name: Option<String>,
    /// Email addresses from `email` then `email_address`: trimmed, empty ones dropped,
    /// lowercased, duplicates removed; the first is primary.
    pub emails: Vec<Email>,
    /// `active` (Jamf `Enabled`), `inactive` (Jamf `Disabled`, which also covers accounts
    /// locked out by the password policy), `unknown` when Jamf did not say, or Jamf's own
    /// value verbatim when it is none of these.
    #[schema(value_type = String, example = "active")]
    pub status: UserStatus,
    /// Why the status is what it is, when that needs saying (e.g. a probable lockout).
    #[schema(example = "Disabled in Jamf Pro; 5 failed login attempts suggest a lockout")]
    pub status_detail: Option<String>,
    /// Roles: the privilege set (scoped to a workspace for Site Access, one per group for
    /// Group Access), or an API client's API roles.
    #[schema(value_type = Vec<RoleRef>)]
    pub roles: Shared<Vec<RoleRef>>,
    /// Jamf account groups the account belongs to.
    #[schema(value_type = Vec<GroupRef>)]
    pub groups: Shared<Vec<GroupRef>>,
    /// Sites the account can act in (every known site for Full Access).
    #[schema(value_type = Vec<WorkspaceRef>)]
    pub workspaces: Shared<Vec<WorkspaceRef>>,
    /// How far the account's administration reaches; null for API clients.
    pub access_level: Option<AccessLevel>,
    /// Effective privileges with provenance: the account's own plus every group's (or an API
    /// client's roles'). Lists include it only with `include=permissions`.
    #[schema(value_type = Vec<Permission>, required = false)]
    pub permissions: Permissions,
    /// True only when console logins must pass the SSO identity provider (whose MFA is then
    /// trusted); false when a local password alone can sign in; null when unknown.
    #[schema(example = true)]
    pub is_2fa_enabled: Option<bool>,
    /// The MFA verdict with the facts it rests on.
    #[schema(value_type = Mfa)]
    pub mfa: Shared<Mfa>,
    /// True for an LDAP-backed account.
    pub is_directory_user: Option<bool>,
    /// Jamf will force a password change at next login.
    pub password_change_required: Option<bool>,
    /// Last password change (Jamf Pro API only).
    #[schema(example = "2017-07-21T17:32:28Z")]
    #[serde(serialize_with = "rfc3339")]
    pub last_password_change_at: Option<DateTime<Utc>>,
    /// Jamf exposes no per-account last login; always null.
    #[serde(serialize_with = "rfc3339")]
    pub last_login_at: Option<DateTime<Utc>>,
    /// Jamf exposes no creation time; always null.
    #[serde(serialize_with = "rfc3339")]
    pub created_at: Option<DateTime<Utc>>,
    /// Jamf exposes no modification time; always null.
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: Option<DateTime<Utc>>,
    /// The raw Jamf records used, keyed by source: `v1_account`, `classic_account`,
    /// `api_integration`. Absent with `truto_ignore_remote_data=true`.
    #[schema(value_type = Object, required = false)]
    pub remote_data: RemoteData,
}

/// The text chrono's own `Serialize` writes (RFC 3339, `Z`, fractions only when present),
/// formatted in one piece: chrono's path feeds serde's `collect_str` a character at a time,
/// which cost a fifth of a user's serialization on warm lists.
fn rfc3339<S: Serializer>(at: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        None => serializer.serialize_none(),
    }
}

/// The kind of principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum UserType {
    /// A Jamf Pro user account (console administrator).
    #[serde(rename = "admin")]
    Admin,
    /// A Jamf Pro API client (OAuth client credentials).
    #[serde(rename = "service-account")]
    ServiceAccount,
    /// A Jamf Pro inventory user: a person devices are assigned to, with no console access
    /// (listed only with `type=end-user`).
    #[serde(rename = "end-user")]
    EndUser,
}

impl UserType {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::ServiceAccount => "service-account",
            Self::EndUser => "end-user",
        }
    }
}

/// An email address of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Email {
    #[schema(example = "jane.doe@example.com")]
    pub email: String,
    /// Always `work`: Jamf holds administrators' work addresses.
    #[serde(rename = "type")]
    #[schema(example = "work")]
    pub email_type: String,
    /// True for the first address.
    pub is_primary: bool,
}

/// Unified user status; serialized as a plain string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserStatus {
    Active,
    Inactive,
    /// Jamf did not report a status.
    Unknown,
    /// A status spelling Jamf sent that has no unified mapping, verbatim.
    Other(String),
}

impl UserStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Unknown => "unknown",
            Self::Other(raw) => raw,
        }
    }
}

impl Serialize for UserStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for UserStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.as_str() {
            "active" => Self::Active,
            "inactive" => Self::Inactive,
            "unknown" => Self::Unknown,
            _ => Self::Other(text),
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn timestamps_read_as_chrono_writes_them() {
        let whole = Utc.with_ymd_and_hms(2017, 7, 21, 17, 32, 28).unwrap();
        for at in [
            whole,
            whole + chrono::Duration::milliseconds(120),
            whole + chrono::Duration::nanoseconds(7),
        ] {
            let mut ours = serde_json::Serializer::new(Vec::new());
            rfc3339(&Some(at), &mut ours).unwrap();
            assert_eq!(ours.into_inner(), serde_json::to_vec(&at).unwrap());
        }
    }
}
