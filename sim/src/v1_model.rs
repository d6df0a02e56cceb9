//! Jamf Pro API (v1) views of the dataset: string ids, camelCase, v1 enum spellings, and
//! the schema's mixed integer/string `siteId`/`ldapServerId`.

use serde::Serialize;

use super::data::{Account, ApiIntegration, ApiRole, Dataset, Group, InventoryUser};
use super::rsql::{Kind, Record, Value};

/// `UserAccount`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct V1Account<'a> {
    #[serde(skip)]
    num_id: i64,
    id: String,
    username: &'a str,
    realname: &'a str,
    email: &'a str,
    phone: &'a str,
    ldap_server_id: i64,
    distinguished_name: &'a str,
    site_id: i64,
    access_level: &'static str,
    privilege_level: &'static str,
    last_password_change: &'a str,
    change_password_on_next_login: bool,
    failed_login_attempts: u32,
    account_status: &'static str,
    /// Added in 11.25.
    #[serde(skip_serializing_if = "Option::is_none")]
    account_type: Option<&'static str>,
    /// Not a Jamf field: the `record_padding_bytes` quirk.
    #[serde(skip_serializing_if = "str::is_empty")]
    padding: &'a str,
}

pub const ACCOUNT_FIELDS: &[(&str, Kind)] = &[
    ("id", Kind::Num),
    ("lastPasswordChange", Kind::Str),
    ("failedLoginAttempts", Kind::Num),
    ("username", Kind::Str),
    ("realname", Kind::Str),
    ("email", Kind::Str),
    ("phone", Kind::Str),
    ("ldapServerId", Kind::Num),
    ("distinguishedName", Kind::Str),
    ("siteId", Kind::Num),
    ("privilegeLevel", Kind::Str),
    ("changePasswordOnNextLogin", Kind::Bool),
    ("accountStatus", Kind::Str),
];

impl<'a> V1Account<'a> {
    pub fn new(a: &'a Account, with_account_type: bool, padding: &'a str) -> Self {
        V1Account {
            num_id: a.id,
            id: a.id.to_string(),
            username: &a.username,
            realname: &a.full_name,
            // v1 has one email field; the populated Classic `email_address` (inferred).
            email: &a.email_address,
            phone: &a.phone,
            ldap_server_id: a.ldap_server_id.unwrap_or(-1),
            distinguished_name: &a.distinguished_name,
            site_id: a.site_id.unwrap_or(-1),
            access_level: a.access_level.v1(),
            privilege_level: a.privilege_set.v1(),
            last_password_change: &a.last_password_change,
            change_password_on_next_login: a.force_password_change,
            failed_login_attempts: a.failed_login_attempts,
            account_status: if a.enabled { "Enabled" } else { "Disabled" },
            account_type: with_account_type.then_some(if a.federated {
                "FEDERATED"
            } else {
                "DEFAULT"
            }),
            padding,
        }
    }
}

impl Record for V1Account<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        Some(match name {
            "id" => Value::Num(self.num_id),
            "lastPasswordChange" => Value::Str(self.last_password_change),
            "failedLoginAttempts" => Value::Num(i64::from(self.failed_login_attempts)),
            "username" => Value::Str(self.username),
            "realname" => Value::Str(self.realname),
            "email" => Value::Str(self.email),
            "phone" => Value::Str(self.phone),
            "ldapServerId" => Value::Num(self.ldap_server_id),
            "distinguishedName" => Value::Str(self.distinguished_name),
            "siteId" => Value::Num(self.site_id),
            "privilegeLevel" => Value::Str(self.privilege_level),
            "changePasswordOnNextLogin" => Value::Bool(self.change_password_on_next_login),
            "accountStatus" => Value::Str(self.account_status),
            _ => return None,
        })
    }
}

#[derive(Serialize)]
pub struct V1Member<'a> {
    id: String,
    username: &'a str,
    realname: &'a str,
    email: &'a str,
}

/// `AccountGroupV1`; `members` is filled (unlike Classic group detail) unless the
/// `v1_members_empty` quirk empties it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct V1Group<'a> {
    #[serde(skip)]
    num_id: i64,
    id: String,
    name: &'a str,
    access_level: &'static str,
    privilege_level: &'static str,
    site_id: String,
    ldap_server_id: String,
    directory_group_id: &'a str,
    members: Vec<V1Member<'a>>,
    privileges: Vec<String>,
}

pub const GROUP_FIELDS: &[(&str, Kind)] = &[
    ("id", Kind::Num),
    ("name", Kind::Str),
    ("siteId", Kind::Num),
    ("ldapServerId", Kind::Num),
];

impl<'a> V1Group<'a> {
    pub fn new(data: &'a Dataset, g: &'a Group, with_members: bool) -> Self {
        V1Group {
            num_id: g.id,
            id: g.id.to_string(),
            name: &g.name,
            access_level: g.access_level.v1(),
            privilege_level: g.privilege_set.v1(),
            site_id: g.site_id.unwrap_or(-1).to_string(),
            ldap_server_id: g.ldap_server_id.unwrap_or(-1).to_string(),
            directory_group_id: &g.directory_group_id,
            members: if with_members {
                data.group_members(g.id)
                    .map(|a| V1Member {
                        id: a.id.to_string(),
                        username: &a.username,
                        realname: &a.full_name,
                        email: &a.email_address,
                    })
                    .collect()
            } else {
                Vec::new()
            },
            privileges: g.privileges.flat(),
        }
    }
}

impl Record for V1Group<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        // The string ids compare numerically, as the database columns are integers.
        let num = |s: &str| Value::Num(s.parse().unwrap_or(-1));
        Some(match name {
            "id" => Value::Num(self.num_id),
            "name" => Value::Str(self.name),
            "siteId" => num(&self.site_id),
            "ldapServerId" => num(&self.ldap_server_id),
            _ => return None,
        })
    }
}

/// `User` of `/v1/users` (an inventory user): exactly the schema's fields (11.26.1–11.30.1
/// `UserInventory` + `id`). The schema has one email, no LDAP server and no sites; `email`
/// carries Classic `email_address` (inferred, as for accounts). Managed Apple ID and custom
/// photo are not modelled: always empty.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct V1User<'a> {
    #[serde(skip)]
    num_id: i64,
    id: String,
    username: &'a str,
    realname: &'a str,
    email: &'a str,
    phone: &'a str,
    position: &'a str,
    enable_custom_photo_url: bool,
    custom_photo_url: &'static str,
    managed_apple_id: &'static str,
}

/// "Supports all user fields" (schema); the string ones compare case-insensitively.
pub const USER_FIELDS: &[(&str, Kind)] = &[
    ("id", Kind::Num),
    ("username", Kind::Str),
    ("realname", Kind::Str),
    ("email", Kind::Str),
    ("phone", Kind::Str),
    ("position", Kind::Str),
    ("managedAppleId", Kind::Str),
];

impl<'a> V1User<'a> {
    pub fn new(u: &'a InventoryUser) -> Self {
        V1User {
            num_id: u.id,
            id: u.id.to_string(),
            username: &u.username,
            realname: &u.full_name,
            email: &u.email_address,
            phone: &u.phone_number,
            position: &u.position,
            enable_custom_photo_url: false,
            custom_photo_url: "",
            managed_apple_id: "",
        }
    }
}

impl Record for V1User<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        Some(match name {
            "id" => Value::Num(self.num_id),
            "username" => Value::Str(self.username),
            "realname" => Value::Str(self.realname),
            "email" => Value::Str(self.email),
            "phone" => Value::Str(self.phone),
            "position" => Value::Str(self.position),
            "managedAppleId" => Value::Str(self.managed_apple_id),
            _ => return None,
        })
    }
}

/// `ApiRole`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct V1Role<'a> {
    #[serde(skip)]
    num_id: i64,
    id: String,
    display_name: &'a str,
    privileges: &'a [String],
}

pub const NAMED_FIELDS: &[(&str, Kind)] = &[("id", Kind::Num), ("displayName", Kind::Str)];

impl<'a> V1Role<'a> {
    pub fn new(r: &'a ApiRole, privileges: &'a [String]) -> Self {
        V1Role {
            num_id: r.id,
            id: r.id.to_string(),
            display_name: &r.display_name,
            privileges,
        }
    }
}

impl Record for V1Role<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        match name {
            "id" => Some(Value::Num(self.num_id)),
            "displayName" => Some(Value::Str(self.display_name)),
            _ => None,
        }
    }
}

/// `ApiIntegrationResponse` (integer id).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct V1Integration<'a> {
    id: i64,
    authorization_scopes: &'a [String],
    display_name: &'a str,
    enabled: bool,
    access_token_lifetime_seconds: u64,
    app_type: &'static str,
    client_id: &'a str,
}

impl<'a> V1Integration<'a> {
    pub fn new(i: &'a ApiIntegration, enabled: bool) -> Self {
        V1Integration {
            id: i.id,
            authorization_scopes: &i.authorization_scopes,
            display_name: &i.display_name,
            enabled,
            access_token_lifetime_seconds: i.access_token_lifetime_seconds,
            app_type: "CLIENT_CREDENTIALS",
            client_id: &i.client_id,
        }
    }
}

impl Record for V1Integration<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        match name {
            "id" => Some(Value::Num(self.id)),
            "displayName" => Some(Value::Str(self.display_name)),
            _ => None,
        }
    }
}
