//! Inventory users (the people devices are assigned to, not console accounts) and their user
//! groups: Classic `/JSSResource/users`, `/JSSResource/usergroups`, and the Jamf Pro API's
//! `/api/v1/users` (11.26+), whose `User` record carries username, real name and one email
//! but no LDAP server and no sites (schemas 11.26.1 to 11.30.1). A record is built from the
//! facts both carry, so both plans yield the same one.

use serde::Deserialize;

use super::directory::IncompleteList;
use super::lenient;
use super::values::WithRaw;

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

/// A Classic inventory user (its LDAP server and sites stay in the raw record only).
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
}

/// One result of `GET /api/v1/users` (envelope `{page, pageSize, totalCount, totalPages,
/// hasNext, hasPrevious, results}`; only `totalCount` and `results` are read). Its `email` is
/// Classic's `email_address`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct V1User {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub realname: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
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

/// One inventory user as a plan read it: a page entry of `/api/v1/users` (11.26+), or a
/// Classic detail (before).
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
