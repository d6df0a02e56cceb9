//! Classic API (`/JSSResource/accounts…`) records, as JSON (`Accept: application/json`).

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::lenient;
use super::values::{
    JamfAccessLevel, JamfAccountStatus, JamfRef, PrivilegeSet, Privileges, WithRaw,
};

/// `GET /JSSResource/accounts`: ids and names only, unpaged.
///
/// Reads `{"accounts": {"users": [..], "groups": [..]}}`, the older
/// `{"users": {"user": [..]}, "groups": {"group": [..]}}` (with or without the `accounts`
/// wrapper), and an absent or empty side as an empty list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClassicAccountList {
    pub users: Vec<ClassicListEntry>,
    pub groups: Vec<ClassicListEntry>,
}

impl<'de> Deserialize<'de> for ClassicAccountList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Sides {
            #[serde(default, deserialize_with = "lenient::list")]
            users: Vec<ClassicListEntry>,
            #[serde(default, deserialize_with = "lenient::list")]
            groups: Vec<ClassicListEntry>,
        }
        let mut body = Value::deserialize(deserializer)?;
        let sides = match body.get_mut("accounts") {
            Some(inner) if inner.is_object() => inner.take(),
            _ => body,
        };
        let Sides { users, groups } =
            Sides::deserialize(sides).map_err(serde::de::Error::custom)?;
        Ok(Self { users, groups })
    }
}

/// One entry of the Classic account list. Groups carry their `site`; users do not.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClassicListEntry {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_record")]
    pub site: Option<JamfRef>,
}

/// `GET /JSSResource/accounts/userid/{id}` body: `{"account": {...}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClassicAccountDetail {
    pub account: WithRaw<ClassicAccount>,
}

/// A Classic account. Full Access accounts have no `site` key; local accounts often have
/// no `ldap_server`; Group Access accounts get their privileges through `groups`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClassicAccount {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub directory_user: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email_address: Option<String>,
    #[serde(default)]
    pub enabled: Option<JamfAccountStatus>,
    #[serde(default, deserialize_with = "lenient::opt_record")]
    pub ldap_server: Option<JamfRef>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub force_password_change: Option<bool>,
    #[serde(default)]
    pub access_level: Option<JamfAccessLevel>,
    #[serde(default)]
    pub privilege_set: Option<PrivilegeSet>,
    #[serde(default, deserialize_with = "lenient::opt_record")]
    pub site: Option<JamfRef>,
    #[serde(default)]
    pub privileges: Privileges,
    #[serde(default, deserialize_with = "lenient::list")]
    pub groups: Vec<ClassicAccountGroup>,
}

/// A group as listed inside a Classic account (the account-side membership, which Jamf
/// reports reliably even when the group's own `members` list comes back empty).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClassicAccountGroup {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_record")]
    pub site: Option<JamfRef>,
    #[serde(default)]
    pub privileges: Privileges,
}

/// `GET /JSSResource/accounts/groupid/{id}` body: `{"group": {...}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClassicGroupDetail {
    pub group: WithRaw<ClassicGroup>,
}

/// A Classic account group. `members` is known to come back empty.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClassicGroup {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default)]
    pub access_level: Option<JamfAccessLevel>,
    #[serde(default)]
    pub privilege_set: Option<PrivilegeSet>,
    #[serde(default, deserialize_with = "lenient::opt_record")]
    pub site: Option<JamfRef>,
    #[serde(default, deserialize_with = "lenient::opt_record")]
    pub ldap_server: Option<JamfRef>,
    #[serde(default)]
    pub privileges: Privileges,
    #[serde(default, deserialize_with = "lenient::list")]
    pub members: Vec<ClassicMember>,
}

/// A member of a Classic group: `{id, name}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClassicMember {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
}
