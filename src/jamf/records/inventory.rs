//! Inventory users (the people devices are assigned to, not console accounts) and their user
//! groups: Classic `/JSSResource/users`, `/JSSResource/usergroups`, and the Jamf Pro API's
//! `/api/v1/users`, whose `User` record has one email, no LDAP server and no sites (schemas
//! 11.26.1 to 11.30.1): the Classic detail is what carries a user's facts on both plans.

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
/// hasNext, hasPrevious, results}`; only `totalCount` and `results` are read). Only its id is
/// used; the record itself is kept for `remote_data`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct V1User {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
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

/// One inventory user as a plan read it: its Classic detail, and the Jamf Pro API record it
/// was listed by on 11.26+.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryRecord {
    pub v1: Option<WithRaw<V1User>>,
    pub classic: WithRaw<ClassicUser>,
}

/// What an inventory fetch read: users, their groups, and what could not be read (a 403 on
/// users or user groups leaves the list partial, never the admin directory).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JamfInventory {
    pub users: Vec<InventoryRecord>,
    pub groups: Vec<ClassicUserGroup>,
    pub incomplete: Vec<IncompleteList>,
}
