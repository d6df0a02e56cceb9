//! The Jamf endpoints this client calls, as path templates (the `endpoint` metric label) with
//! the privilege each needs, so a 403 can name what the API role is missing.

/// One Jamf endpoint: its path template and the API-role privilege that reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub template: &'static str,
    pub privilege: Option<&'static str>,
}

const fn endpoint(template: &'static str, privilege: Option<&'static str>) -> Endpoint {
    Endpoint {
        template,
        privilege,
    }
}

pub const OAUTH_TOKEN: Endpoint = endpoint("/api/v1/oauth/token", None);
/// The pre-11 token path; used when the v1 path answers 404.
pub const OAUTH_TOKEN_LEGACY: Endpoint = endpoint("/api/oauth/token", None);
pub const BASIC_TOKEN: Endpoint = endpoint("/api/v1/auth/token", None);
pub const KEEP_ALIVE: Endpoint = endpoint("/api/v1/auth/keep-alive", None);
pub const VERSION: Endpoint = endpoint("/api/v1/jamf-pro-version", None);
/// Jamf Cloud's accepted share of requests; absent (404) on premises.
pub const HEALTH_STATUS: Endpoint = endpoint("/api/v1/health-status", None);

pub const V1_ACCOUNTS: Endpoint = endpoint("/api/v1/accounts", Some("Read Accounts"));
pub const V1_GROUPS: Endpoint = endpoint("/api/v1/account-groups", Some("Read Account Groups"));
pub const CLASSIC_ACCOUNTS: Endpoint = endpoint("/JSSResource/accounts", Some("Read Accounts"));
pub const CLASSIC_ACCOUNT: Endpoint =
    endpoint("/JSSResource/accounts/userid/{id}", Some("Read Accounts"));
pub const CLASSIC_GROUP: Endpoint =
    endpoint("/JSSResource/accounts/groupid/{id}", Some("Read Accounts"));

pub const SITES: Endpoint = endpoint("/api/v1/sites", Some("Read Sites"));
pub const SSO: Endpoint = endpoint("/api/v3/sso", Some("Read SSO Settings"));
/// Before Jamf Pro 11.10 (no `/api/v3/sso`).
pub const SSO_V2: Endpoint = endpoint("/api/v2/sso", Some("Read SSO Settings"));
pub const API_ROLES: Endpoint = endpoint("/api/v1/api-roles", Some("Read API Roles"));
pub const API_CLIENTS: Endpoint =
    endpoint("/api/v1/api-integrations", Some("Read API Integrations"));

/// Inventory users (Jamf Pro API from 11.26) and their groups (Classic only).
pub const V1_USERS: Endpoint = endpoint("/api/v1/users", Some("Read User"));
pub const CLASSIC_USERS: Endpoint = endpoint("/JSSResource/users", Some("Read User"));
pub const CLASSIC_USER: Endpoint = endpoint("/JSSResource/users/id/{id}", Some("Read User"));
pub const USER_GROUPS: Endpoint =
    endpoint("/JSSResource/usergroups", Some("Read Static User Groups"));
/// A smart group needs "Read Smart User Groups", a static one "Read Static User Groups".
pub const USER_GROUP: Endpoint = endpoint(
    "/JSSResource/usergroups/id/{id}",
    Some("Read Static User Groups / Read Smart User Groups"),
);

/// Every endpoint above: a template or privilege read back from elsewhere (a failure another
/// replica shared) is matched to its `'static` text here.
pub const ALL: [Endpoint; 22] = [
    OAUTH_TOKEN,
    OAUTH_TOKEN_LEGACY,
    BASIC_TOKEN,
    KEEP_ALIVE,
    VERSION,
    HEALTH_STATUS,
    V1_ACCOUNTS,
    V1_GROUPS,
    CLASSIC_ACCOUNTS,
    CLASSIC_ACCOUNT,
    CLASSIC_GROUP,
    SITES,
    SSO,
    SSO_V2,
    API_ROLES,
    API_CLIENTS,
    V1_USERS,
    CLASSIC_USERS,
    CLASSIC_USER,
    USER_GROUPS,
    USER_GROUP,
    endpoint("(a Jamf endpoint)", None),
];
