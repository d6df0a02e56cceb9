//! Instance-wide records: version, sites, SSO settings, API roles and API clients.

use std::fmt;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::lenient;
use super::values::WithRaw;

/// `GET /api/v1/jamf-pro-version` body, e.g. `{"version": "11.30.1-t1784555528405"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct JamfProVersionResponse {
    #[serde(deserialize_with = "lenient::id")]
    pub version: String,
}

impl JamfProVersionResponse {
    pub fn parsed(&self) -> Option<JamfVersion> {
        JamfVersion::parse(&self.version)
    }
}

/// A comparable Jamf Pro version (`major.minor.patch`; the `-t<build>` suffix is ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JamfVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl JamfVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// Parses `11.30.1-t1784555528405`, `10.42.1`, `11.27` (patch 0). `None` when the
    /// major or minor part is not a number.
    pub fn parse(text: &str) -> Option<Self> {
        let release = text.trim().split(['-', ' ']).next()?;
        let mut parts = release.split('.').map(|part| part.parse::<u32>());
        let major = parts.next()?.ok()?;
        let minor = parts.next()?.ok()?;
        let patch = parts.next().and_then(Result::ok).unwrap_or(0);
        Some(Self::new(major, minor, patch))
    }

    /// `GET /api/v1/accounts` exists (first seen in the 11.23.2 schema).
    pub fn supports_v1_accounts(&self) -> bool {
        *self >= Self::new(11, 23, 0)
    }

    /// `GET /api/v1/users` (inventory users) exists (first seen in the 11.26.1 schema).
    pub fn supports_v1_users(&self) -> bool {
        *self >= Self::new(11, 26, 0)
    }

    /// `GET /api/v3/sso` exists; before it, `/api/v2/sso` serves the SAML-only settings.
    pub fn supports_sso_v3(&self) -> bool {
        *self >= Self::new(11, 10, 0)
    }

    /// `GET /api/v1/account-groups` exists (first seen in the 11.27.0 schema).
    pub fn supports_v1_account_groups(&self) -> bool {
        *self >= Self::new(11, 27, 0)
    }
}

impl fmt::Display for JamfVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A site (`V1Site` or a Classic site): `id -1` never appears in lists.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Site {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub division_id: Option<String>,
}

/// Sites from `GET /api/v1/sites` (a bare array with string ids) or Classic
/// `GET /JSSResource/sites` (`{"sites": [...]}` with int ids).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SiteList {
    pub sites: Vec<Site>,
}

impl<'de> Deserialize<'de> for SiteList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut body = Value::deserialize(deserializer)?;
        let list = match body.get_mut("sites") {
            Some(inner) => inner.take(),
            None => body,
        };
        let sites = lenient::list_items(list)
            .into_iter()
            .filter_map(|item| Site::deserialize(item).ok())
            .collect();
        Ok(Self { sites })
    }
}

/// `GET /api/v3/sso` (`SsoSettingsV3`); [`SsoSettingsV2`] converts into it.
/// Every field is optional: an absent flag stays unknown rather than becoming `false`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsoSettings {
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub sso_enabled: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub sso_bypass_allowed: Option<bool>,
    /// `SAML`, `OIDC` or `OIDC_WITH_SAML`, verbatim.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub configuration_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_record")]
    pub oidc_settings: Option<OidcSettings>,
    #[serde(default, deserialize_with = "lenient::opt_record")]
    pub saml_settings: Option<SamlSettings>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OidcSettings {
    /// `USERNAME` or `EMAIL`: how IdP identities map to Jamf Pro accounts.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub user_mapping: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub jamf_id_authentication_enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SamlSettings {
    /// `ADFS`, `OKTA`, `GOOGLE`, `SHIBBOLETH`, `ONELOGIN`, `PING`, `CENTRIFY`, `AZURE`, `OTHER`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub idp_provider_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub user_mapping: Option<String>,
}

/// `GET /api/v2/sso`, the SAML-only settings of Jamf Pro before `/api/v3/sso` (11.10): the
/// same facts, flat at the top level.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsoSettingsV2 {
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub sso_enabled: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub sso_bypass_allowed: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub idp_provider_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub user_mapping: Option<String>,
}

impl From<SsoSettingsV2> for SsoSettings {
    fn from(v2: SsoSettingsV2) -> Self {
        Self {
            sso_enabled: v2.sso_enabled,
            sso_bypass_allowed: v2.sso_bypass_allowed,
            configuration_type: Some("SAML".to_owned()),
            oidc_settings: None,
            saml_settings: Some(SamlSettings {
                idp_provider_type: v2.idp_provider_type,
                user_mapping: v2.user_mapping,
            }),
        }
    }
}

/// An API role (`GET /api/v1/api-roles` results): `id` is a string there.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiRole {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::privilege_list")]
    pub privileges: Vec<String>,
}

/// An API client (`GET /api/v1/api-integrations` results): `id` is an int there, and
/// `authorizationScopes` holds API role **display names**.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiIntegration {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string_list")]
    pub authorization_scopes: Vec<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub client_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub access_token_lifetime_seconds: Option<i64>,
    /// `CLIENT_CREDENTIALS`, `NATIVE_APP_OAUTH` or `NONE`, verbatim.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub app_type: Option<String>,
}

/// An API role with its raw JSON.
pub type ApiRoleRecord = WithRaw<ApiRole>;
/// An API client with its raw JSON.
pub type ApiIntegrationRecord = WithRaw<ApiIntegration>;
