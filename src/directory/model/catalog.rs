//! The directory's non-user records: groups, roles and workspaces.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{AccessLevel, Permission, RoleRef, WorkspaceRef};
use super::{Permissions, RemoteData};

/// A Jamf Pro account group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Group {
    #[schema(example = "3")]
    pub id: String,
    #[schema(example = "Helpdesk")]
    pub name: Option<String>,
    pub group_type: GroupType,
    /// The access level the group grants its members.
    pub access_level: Option<AccessLevel>,
    /// The group's privilege set, scoped to its site when it has one.
    pub roles: Vec<RoleRef>,
    /// The group's site, if it is site-scoped.
    pub workspace: Option<WorkspaceRef>,
    /// True for a group backed by an LDAP/directory group.
    pub is_directory_group: Option<bool>,
    /// Members, computed from the accounts' side as well as the group's own list (which
    /// Jamf is known to return empty).
    pub members: Vec<GroupMember>,
    /// The privileges the group grants its members. Lists include it only with
    /// `include=permissions`.
    #[schema(value_type = Vec<Permission>, required = false)]
    pub permissions: Permissions,
    /// The raw Jamf records used, keyed by source: `v1_account_group`, `classic_group`.
    /// Absent with `truto_ignore_remote_data=true`.
    #[schema(value_type = Object, required = false)]
    pub remote_data: RemoteData,
}

/// Always `group`: Jamf account groups are plain groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupType {
    Group,
}

/// A member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupMember {
    #[schema(example = "16")]
    pub id: String,
    #[schema(example = "jdoe")]
    pub username: Option<String>,
}

/// A Jamf privilege set in use, or an API role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Role {
    /// `administrator`, `auditor`, `enrollment_only`, `custom`, or `api-role-<Jamf id>`.
    #[schema(example = "auditor")]
    pub id: String,
    #[schema(example = "Auditor")]
    pub name: String,
    #[serde(rename = "type")]
    pub role_type: RoleType,
    /// Privilege names. For a built-in set, those Jamf listed for its holders (empty when
    /// only the Jamf Pro API was read); for `custom`, empty, because each holder's
    /// privileges differ (see the user's `permissions`); for an API role, its privileges.
    /// Lists include it only with `include=permissions`.
    #[schema(required = false)]
    pub permissions: Vec<String>,
    /// The raw Jamf API role (`api_role`); empty for privilege sets, which are not records.
    /// Absent with `truto_ignore_remote_data=true`.
    #[schema(value_type = Object, required = false)]
    pub remote_data: RemoteData,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleType {
    /// A Jamf privilege set held by accounts and groups.
    PrivilegeSet,
    /// A Jamf API role held by API clients.
    ApiRole,
}

/// A Jamf site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Workspace {
    #[schema(example = "1")]
    pub id: String,
    #[schema(example = "Eau Claire")]
    pub name: Option<String>,
    pub status: WorkspaceStatus,
}

/// Jamf sites have no lifecycle state: always `active`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceStatus {
    Active,
}
