//! Simulator configuration: dataset size and seed, credentials, Jamf version, SSO posture,
//! quirks.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::privileges;

/// Everything that shapes one simulated Jamf Pro tenant.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Number of administrator accounts in the dataset.
    pub accounts: usize,
    /// Number of inventory users (people devices are assigned to), fixed edge cases
    /// included.
    pub inventory_users: usize,
    /// Seed of the generated filler data (the edge-case accounts and inventory users are
    /// seed-independent).
    pub seed: u64,
    /// Delay added to every request before it is handled.
    pub latency: Duration,
    /// OAuth client id of the API client the service under test uses.
    pub client_id: String,
    pub client_secret: String,
    /// Whether that API client is enabled (Jamf refuses tokens to disabled clients).
    pub client_enabled: bool,
    /// Whether "Old Provisioner" (API client 3, holding Create, Update and Delete Accounts) is
    /// enabled: an enabled API client with write privileges, a `privileged_api_client` finding.
    pub provisioner_enabled: bool,
    /// Privileges of the client's API role ("Sim Client Role", id 1).
    pub client_privileges: Vec<String>,
    /// Reported by `/api/v1/jamf-pro-version`; gates `/api/v3/sso` (11.10+; `/api/v2/sso` is
    /// served at every version), `/api/v1/accounts` (11.23+), `/api/v1/users` (11.26+) and
    /// `/api/v1/account-groups` (11.27+). A build suffix `-t<millis>` is added if absent.
    pub jamf_version: String,
    /// `accessTokenLifetimeSeconds` of the API client (OAuth tokens).
    pub token_lifetime_secs: u64,
    /// Lifetime of user bearer tokens from `/api/v1/auth/token` (Jamf: 30 minutes).
    pub user_token_lifetime_secs: u64,
    /// Local account allowed to use HTTP Basic on `/api/v1/auth/token`.
    pub basic_username: String,
    pub basic_password: String,
    /// What `GET /api/v3/sso` and `GET /api/v2/sso` report.
    pub sso: SsoConfig,
    /// Behaviours of some real tenants, off by default.
    pub quirks: Quirks,
}

/// The SSO posture reported by `GET /api/v3/sso` (and, without `configurationType`, by
/// `GET /api/v2/sso`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SsoConfig {
    pub sso_enabled: bool,
    pub sso_bypass_allowed: bool,
    /// `SAML`, `OIDC` or `OIDC_WITH_SAML`.
    pub configuration_type: String,
}

impl Default for SsoConfig {
    fn default() -> Self {
        // SSO on without bypass: the posture in which IdP MFA can be trusted (the demo's
        // interesting case). Jamf's own factory default is SSO off.
        SsoConfig {
            sso_enabled: true,
            sso_bypass_allowed: false,
            configuration_type: "SAML".to_owned(),
        }
    }
}

/// Deviations some real Jamf Pro instances show; `Quirks::default()` means none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Quirks {
    /// Silent cap on `page-size` of the paged v1 lists (accounts, account groups, API roles,
    /// API integrations, inventory users): a larger request is answered with pages of this
    /// size, `page` counts in pages of this size, and `totalCount` stays the true total
    /// (`/api/v1/users` echoes the capped size as `pageSize`). Values below 1 count as 1.
    pub page_size_clamp: Option<usize>,
    /// `/api/v1/account-groups` (list and detail) answer `members: []` for every group, as
    /// Classic group detail does for some; membership is then only on the account side.
    pub v1_members_empty: bool,
    /// Paged v1 lists report a `totalCount` this much above the records they hold (records
    /// deleted while a client pages, or a broken Jamf): a client cannot complete the list.
    pub total_count_surplus: usize,
    /// Every v1 account record carries a `padding` string of this many bytes: fat pages, as a
    /// hostile Jamf could send them.
    pub record_padding_bytes: usize,
    /// The first `n` accounts all list [`SHARED_MAILBOX`] as their email (a team mailbox):
    /// whoever checks that address matches every one of them.
    pub shared_email_accounts: usize,
}

/// The email of the `shared_email_accounts` quirk.
pub const SHARED_MAILBOX: &str = "shared-mailbox@example.com";

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            accounts: 50,
            inventory_users: 30,
            seed: 1,
            latency: Duration::ZERO,
            client_id: "sim-client".to_owned(),
            client_secret: "sim-secret".to_owned(),
            client_enabled: true,
            provisioner_enabled: false,
            client_privileges: privileges::default_client_privileges(),
            jamf_version: "11.30.1".to_owned(),
            token_lifetime_secs: 600,
            user_token_lifetime_secs: 1800,
            basic_username: "admin".to_owned(),
            basic_password: "jamf1234".to_owned(),
            sso: SsoConfig::default(),
            quirks: Quirks::default(),
        }
    }
}

impl SimConfig {
    /// The defaults with `accounts` directory accounts.
    pub fn with_accounts(accounts: usize) -> Self {
        SimConfig {
            accounts,
            ..SimConfig::default()
        }
    }

    /// The defaults with `inventory_users` inventory users.
    pub fn with_inventory_users(inventory_users: usize) -> Self {
        SimConfig {
            inventory_users,
            ..SimConfig::default()
        }
    }

    /// The defaults with `latency` added to every answer.
    pub fn with_latency(latency: Duration) -> Self {
        SimConfig {
            latency,
            ..SimConfig::default()
        }
    }
}

/// A parsed `major.minor.patch` Jamf Pro version, for feature gating.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct JamfVersion(pub u32, pub u32, pub u32);

impl JamfVersion {
    /// Parses "11.30.1", "11.30.1-t1784555528405" or "10.42"; `None` if not numeric.
    pub fn parse(text: &str) -> Option<JamfVersion> {
        let core = text.trim().split('-').next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u32>());
        let major = parts.next()?.ok()?;
        let minor = parts.next().unwrap_or(Ok(0)).ok()?;
        let patch = parts.next().unwrap_or(Ok(0)).ok()?;
        Some(JamfVersion(major, minor, patch))
    }

    pub fn at_least(self, major: u32, minor: u32) -> bool {
        self >= JamfVersion(major, minor, 0)
    }
}

/// The full version string Jamf reports: `<semver>-t<build epoch millis>`.
pub fn full_version_string(configured: &str) -> String {
    if configured.contains("-t") {
        configured.to_owned()
    } else {
        // The build stamp of the real 11.30.1 schema snapshot; any stamp parses the same way.
        format!("{configured}-t1784555528405")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions_with_and_without_build() {
        assert_eq!(JamfVersion::parse("11.30.1"), Some(JamfVersion(11, 30, 1)));
        assert_eq!(
            JamfVersion::parse("10.42.1-t1667311080"),
            Some(JamfVersion(10, 42, 1))
        );
        assert_eq!(JamfVersion::parse("11.27"), Some(JamfVersion(11, 27, 0)));
        assert_eq!(JamfVersion::parse("eleven"), None);
        assert!(JamfVersion(11, 27, 0).at_least(11, 27));
        assert!(!JamfVersion(11, 26, 9).at_least(11, 27));
    }

    #[test]
    fn full_version_keeps_existing_build() {
        assert_eq!(
            full_version_string("10.42.1-t1667311080"),
            "10.42.1-t1667311080"
        );
        assert!(full_version_string("11.30.1").starts_with("11.30.1-t"));
    }
}
