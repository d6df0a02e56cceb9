//! Inventory users (the people devices are assigned to, not console accounts) and their user
//! groups: Classic `/JSSResource/users`, `/JSSResource/usergroups`, and the Jamf Pro API's
//! `/api/v1/users` (whose record shape is inferred: the schema names only its envelope).

use serde::Deserialize;

use super::directory::IncompleteList;
use super::lenient;
use super::values::{JamfRef, WithRaw};

/// `GET /JSSResource/users`: ids and names, unpaged.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct ClassicUserList {
    #[serde(default, deserialize_with = "lenient::list")]
    pub users: Vec<ClassicUserEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClassicUserEntry {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
}

/// `GET /JSSResource/users/id/{id}` body: `{"user": {...}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClassicUserDetail {
    pub user: WithRaw<ClassicUser>,
}

/// A Classic inventory user. `ldap_server` is `{-1, "None"}` when it has none.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClassicUser {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email_address: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_record")]
    pub ldap_server: Option<JamfRef>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub sites: Vec<JamfRef>,
}

/// One result of `GET /api/v1/users` (envelope `{page, pageSize, totalCount, totalPages,
/// hasNext, hasPrevious, results}`; only `totalCount` and `results` are read).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct V1User {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub realname: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email_address: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub ldap_server_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub sites: Vec<JamfRef>,
}

/// `GET /JSSResource/usergroups`: ids and names, unpaged.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct ClassicUserGroupList {
    #[serde(default, deserialize_with = "lenient::list")]
    pub user_groups: Vec<ClassicUserGroupEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClassicUserGroupEntry {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_smart: Option<bool>,
}

/// `GET /JSSResource/usergroups/id/{id}` body: `{"user_group": {...}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClassicUserGroupDetail {
    pub user_group: ClassicUserGroup,
}

/// A static or smart group of inventory users, with its members.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClassicUserGroup {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub users: Vec<ClassicUserEntry>,
}

/// One inventory user as a plan read it: the Jamf Pro API record or the Classic detail.
#[derive(Debug, Clone, PartialEq)]
pub enum InventoryRecord {
    V1(WithRaw<V1User>),
    Classic(WithRaw<ClassicUser>),
}

/// What an inventory fetch read: users, their groups, and what could not be read (a 403 on
/// users or user groups leaves the list partial, never the admin directory).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JamfInventory {
    pub users: Vec<InventoryRecord>,
    pub groups: Vec<ClassicUserGroup>,
    pub incomplete: Vec<IncompleteList>,
}
