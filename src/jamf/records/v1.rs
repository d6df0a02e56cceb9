//! Jamf Pro API (`/api/v1/accounts`, `/api/v1/account-groups`) records and the paged
//! envelope they come in.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::lenient;
use super::values::{AccountType, JamfAccessLevel, JamfAccountStatus, PrivilegeSet, WithRaw};

/// The Jamf Pro API page envelope `{totalCount, results}`. Results that are not records of
/// type `T` are skipped rather than failing the page.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
pub struct Paged<T> {
    #[serde(rename = "totalCount", default, deserialize_with = "lenient::opt_i64")]
    pub total_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub results: Vec<T>,
}

/// One page of `GET /api/v1/accounts`.
pub type V1AccountPage = Paged<WithRaw<V1Account>>;
/// One page of `GET /api/v1/account-groups`.
pub type V1AccountGroupPage = Paged<WithRaw<V1AccountGroup>>;

/// `UserAccount` (Jamf Pro 11.23+). No privilege list, no group membership, no MFA field.
/// `siteId`/`ldapServerId` are ints in the schema; text is accepted too.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct V1Account {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub username: Option<String>,
    #[serde(default, alias = "realName", deserialize_with = "lenient::opt_string")]
    pub realname: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub ldap_server_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub distinguished_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub site_id: Option<String>,
    #[serde(default)]
    pub access_level: Option<JamfAccessLevel>,
    #[serde(default)]
    pub privilege_level: Option<PrivilegeSet>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub last_password_change: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub change_password_on_next_login: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub failed_login_attempts: Option<i64>,
    #[serde(default)]
    pub account_status: Option<JamfAccountStatus>,
    #[serde(default)]
    pub account_type: Option<AccountType>,
}

/// `AccountGroupV1` (Jamf Pro 11.27+). `siteId`/`ldapServerId` are strings in the schema;
/// ints are accepted too.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct V1AccountGroup {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default)]
    pub access_level: Option<JamfAccessLevel>,
    #[serde(default)]
    pub privilege_level: Option<PrivilegeSet>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub site_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub ldap_server_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub directory_group_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub members: Vec<V1GroupMember>,
    #[serde(default, deserialize_with = "lenient::privilege_list")]
    pub privileges: Vec<String>,
}

/// A member of a v1 account group; every field but `id` is nullable.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct V1GroupMember {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub username: Option<String>,
    #[serde(default, alias = "realName", deserialize_with = "lenient::opt_string")]
    pub realname: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
}
