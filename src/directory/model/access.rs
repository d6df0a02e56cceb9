//! What a user can do and how strongly their login is protected: role, group and workspace
//! references, permissions with provenance, access level, and the MFA verdict.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A role held by a user, possibly scoped to a group or workspace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct RoleRef {
    /// `administrator`, `auditor`, `enrollment_only`, `custom` (privilege sets) or
    /// `api-role-<Jamf id>` (API roles).
    #[schema(example = "administrator")]
    pub id: String,
    #[schema(example = "Administrator")]
    pub name: String,
    /// For Group Access: the group that grants this role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupRef>,
    /// For Site Access (or a site-scoped group): the site the role applies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<WorkspaceRef>,
}

/// A reference to a Jamf account group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct GroupRef {
    #[schema(example = "3")]
    pub id: String,
    /// Null when Jamf did not give the group's name.
    #[schema(example = "Helpdesk")]
    pub name: Option<String>,
}

/// A reference to a Jamf site.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceRef {
    #[schema(example = "1")]
    pub id: String,
    /// Null when the site list could not be read and the record named only the id.
    #[schema(example = "Eau Claire")]
    pub name: Option<String>,
}

/// How far an account's administration reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessLevel {
    /// The whole instance (Jamf `Full Access`).
    FullAccess,
    /// One site (Jamf `Site Access`).
    SiteAccess,
    /// Whatever the account's groups grant (Jamf `Group Access`).
    GroupAccess,
}

/// One effective privilege and where it comes from.
// As served: a view into `Permissions`, which stores privileges by grantor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Permission<'a> {
    /// The Jamf privilege name, or, with category `privilege_set`, the name of a built-in
    /// privilege set whose individual privileges were not read.
    #[schema(example = "Read Computers")]
    pub name: &'a str,
    /// Classic privilege category (`jss_objects`, `jss_settings`, `jss_actions`, `recon`,
    /// `casper_admin`, …), `privilege_set`, or null when Jamf lists privileges uncategorized.
    #[schema(example = "jss_objects")]
    pub category: Option<&'a str>,
    pub via: &'a Via,
}

/// The provenance of a permission.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct Via {
    pub kind: ViaKind,
    /// The account id, group id or role id (`api-role-<id>`) that grants it.
    #[schema(example = "16")]
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ViaKind {
    /// Granted to the account itself.
    Account,
    /// Inherited from an account group.
    Group,
    /// Granted to an API client through an API role.
    ApiRole,
}

/// Whether logins are behind MFA, as far as Jamf's API can tell.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct Mfa {
    pub status: MfaStatus,
    /// One sentence explaining the verdict.
    #[schema(
        example = "Console logins must pass the SAML identity provider (SSO enabled, bypass not allowed); MFA is whatever that IdP enforces"
    )]
    pub summary: String,
    /// The facts the verdict rests on.
    pub evidence: Vec<MfaEvidence>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MfaStatus {
    /// SSO is on and cannot be bypassed: the IdP, and its MFA, gate every console login.
    EnforcedByIdp,
    /// A local password alone can sign in (SSO off, or bypass allowed).
    NotEnforced,
    /// Not determinable (SSO settings unreadable, or an API client).
    Unknown,
}

/// A fact behind an MFA verdict: `{"fact": "...", "value": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(tag = "fact", content = "value", rename_all = "snake_case")]
pub enum MfaEvidence {
    /// Jamf SSO settings `ssoEnabled`.
    SsoEnabled(bool),
    /// Jamf SSO settings `ssoBypassAllowed`.
    SsoBypassAllowed(bool),
    /// Jamf SSO settings `configurationType` (`SAML`, `OIDC`, `OIDC_WITH_SAML`).
    ConfigurationType(String),
    /// SAML identity provider type (`OKTA`, `AZURE`, …).
    IdpProviderType(String),
    /// Why the SSO settings could not be read.
    SsoSettingsUnavailable(String),
    /// The account is LDAP-backed.
    DirectoryUser(bool),
    /// Jamf Pro API `accountType` (`DEFAULT` = local password, `FEDERATED`).
    AccountType(String),
    /// A local account that may change SSO settings can still sign in with its password at
    /// the `?failover` URL while SSO is enforced.
    FailoverLoginPossible(bool),
    /// API clients authenticate with OAuth client credentials; SSO and MFA do not apply.
    ClientCredentials(bool),
    /// Whether the identity can sign in to the Jamf Pro console at all (inventory users
    /// cannot).
    ConsoleAccess(bool),
}
