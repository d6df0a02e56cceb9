//! The simulator's own data model: one seeded Jamf Pro tenant, rendered by both the Classic
//! and the Jamf Pro API views (same ids, names and statuses in both).

use std::collections::HashMap;
use std::sync::Arc;

use super::config::SimConfig;
use super::privileges::Privileges;
use super::{fixtures, generate};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessLevel {
    Full,
    Site,
    Group,
}

impl AccessLevel {
    pub fn classic(self) -> &'static str {
        match self {
            AccessLevel::Full => "Full Access",
            AccessLevel::Site => "Site Access",
            AccessLevel::Group => "Group Access",
        }
    }

    pub fn v1(self) -> &'static str {
        match self {
            AccessLevel::Full => "FullAccess",
            AccessLevel::Site => "SiteAccess",
            AccessLevel::Group => "GroupBasedAccess",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivilegeSet {
    Administrator,
    Auditor,
    EnrollmentOnly,
    Custom,
}

impl PrivilegeSet {
    pub fn classic(self) -> &'static str {
        match self {
            PrivilegeSet::Administrator => "Administrator",
            PrivilegeSet::Auditor => "Auditor",
            PrivilegeSet::EnrollmentOnly => "Enrollment Only",
            PrivilegeSet::Custom => "Custom",
        }
    }

    pub fn v1(self) -> &'static str {
        match self {
            PrivilegeSet::Administrator => "ADMINISTRATOR",
            PrivilegeSet::Auditor => "AUDITOR",
            PrivilegeSet::EnrollmentOnly => "ENROLLMENT",
            PrivilegeSet::Custom => "CUSTOM",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdapServer {
    pub id: i64,
    pub name: String,
}

/// A Jamf Pro administrator account ("Jamf Pro User Account").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    /// Classic `email`; may be empty, padded or differ in case from `email_address`.
    pub email: String,
    /// Classic `email_address`; the v1 `email` (inferred: the populated field).
    pub email_address: String,
    pub phone: String,
    pub enabled: bool,
    pub failed_login_attempts: u32,
    pub force_password_change: bool,
    pub last_password_change: String,
    pub access_level: AccessLevel,
    pub privilege_set: PrivilegeSet,
    /// Only for Site Access accounts.
    pub site_id: Option<i64>,
    /// Directory (LDAP) accounts only.
    pub ldap_server_id: Option<i64>,
    pub distinguished_name: String,
    /// v1 `accountType: FEDERATED` (11.25+).
    pub federated: bool,
    /// Own privileges (empty for Group Access: theirs come through `groups`).
    pub privileges: Arc<Privileges>,
    /// Group memberships (Group Access accounts only).
    pub group_ids: Vec<i64>,
    /// Render empty privilege categories as `[]` (real Custom account) instead of omitting
    /// them (real group detail, and the common case).
    pub render_empty_categories: bool,
}

/// A Jamf Pro account group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub access_level: AccessLevel,
    pub privilege_set: PrivilegeSet,
    pub site_id: Option<i64>,
    pub ldap_server_id: Option<i64>,
    pub directory_group_id: String,
    pub privileges: Arc<Privileges>,
    /// Jamf's Classic group detail often returns `members: []` although accounts list the
    /// group; v1 `members` is always filled.
    pub classic_members_empty: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRole {
    pub id: i64,
    pub display_name: String,
    pub privileges: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiIntegration {
    pub id: i64,
    pub display_name: String,
    pub client_id: String,
    pub enabled: bool,
    /// API role display names.
    pub authorization_scopes: Vec<String>,
    pub access_token_lifetime_seconds: u64,
}

/// A Jamf Pro *user*: a person devices are assigned to (inventory; Classic `/users`, Jamf
/// Pro API `/v1/users`), not a console account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InventoryUser {
    pub id: i64,
    /// Classic `name`, Jamf Pro API `username`.
    pub username: String,
    /// Classic `full_name`, Jamf Pro API `realname`; may be empty.
    pub full_name: String,
    /// Classic `email`; may be empty, padded or differ in case from `email_address`.
    pub email: String,
    /// Classic `email_address`; the Jamf Pro API `email` (inferred, as for accounts).
    pub email_address: String,
    /// Classic `phone_number`, Jamf Pro API `phone`.
    pub phone_number: String,
    pub position: String,
    /// An LDAP server of the dataset, for users looked up in a directory.
    pub ldap_server_id: Option<i64>,
    /// Sites of the dataset; none, one or several.
    pub site_ids: Vec<i64>,
}

/// A smart or static group of inventory users (not an account group).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserGroup {
    pub id: i64,
    pub name: String,
    pub is_smart: bool,
    pub site_id: Option<i64>,
    /// Inventory user ids, ascending (for a smart group: its current members).
    pub member_ids: Vec<i64>,
}

/// The whole tenant. Id 1 of `api_roles` and `api_integrations` is the simulated client
/// (its privileges and enabled flag can change at run time; see `SimControl`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    pub sites: Vec<Site>,
    pub ldap_servers: Vec<LdapServer>,
    pub accounts: Vec<Account>,
    pub groups: Vec<Group>,
    pub api_roles: Vec<ApiRole>,
    pub api_integrations: Vec<ApiIntegration>,
    /// Inventory users (`SimConfig::inventory_users` of them), in id order.
    pub inventory_users: Vec<InventoryUser>,
    /// Groups of inventory users, in id order.
    pub user_groups: Vec<UserGroup>,
    account_index: HashMap<i64, usize>,
    group_index: HashMap<i64, usize>,
    inventory_user_index: HashMap<i64, usize>,
}

/// Id of the simulated client's API role and API integration.
pub const CLIENT_ROLE_ID: i64 = 1;

impl Dataset {
    /// Builds the tenant for `config` (deterministic in `accounts`, `inventory_users`, `seed`
    /// and credentials).
    pub fn build(config: &SimConfig) -> Dataset {
        let sites = generate::sites(config.accounts);
        let ldap_servers = fixtures::ldap_servers();
        let groups = generate::groups(config.accounts, &sites);
        let accounts = generate::accounts(config.accounts, config.seed, &sites, &groups);
        let (api_roles, api_integrations) = fixtures::api_clients(config);
        let (inventory_users, user_groups) =
            generate::inventory(config.inventory_users, config.seed, &sites);
        let mut dataset = Dataset {
            sites,
            ldap_servers,
            accounts,
            groups,
            api_roles,
            api_integrations,
            inventory_users,
            user_groups,
            account_index: HashMap::new(),
            group_index: HashMap::new(),
            inventory_user_index: HashMap::new(),
        };
        dataset.reindex();
        dataset
    }

    /// Rebuilds the id lookups after the lists changed (accounts kept in id order).
    pub(crate) fn reindex(&mut self) {
        self.accounts.sort_by_key(|a| a.id);
        self.account_index = index(self.accounts.iter().map(|a| a.id));
        self.group_index = index(self.groups.iter().map(|g| g.id));
        self.inventory_user_index = index(self.inventory_users.iter().map(|u| u.id));
    }

    pub fn account(&self, id: i64) -> Option<&Account> {
        self.account_index.get(&id).map(|&i| &self.accounts[i])
    }

    /// Jamf's database collation compares names case-insensitively (inferred).
    pub fn account_by_name(&self, name: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|a| a.username.eq_ignore_ascii_case(name))
    }

    pub fn group(&self, id: i64) -> Option<&Group> {
        self.group_index.get(&id).map(|&i| &self.groups[i])
    }

    pub fn group_by_name(&self, name: &str) -> Option<&Group> {
        self.groups
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(name))
    }

    pub fn site(&self, id: i64) -> Option<&Site> {
        self.sites.iter().find(|s| s.id == id)
    }

    pub fn ldap_server(&self, id: i64) -> Option<&LdapServer> {
        self.ldap_servers.iter().find(|s| s.id == id)
    }

    /// Accounts that list `group_id` among their groups.
    pub fn group_members(&self, group_id: i64) -> impl Iterator<Item = &Account> {
        self.accounts
            .iter()
            .filter(move |a| a.group_ids.contains(&group_id))
    }

    pub fn inventory_user(&self, id: i64) -> Option<&InventoryUser> {
        self.inventory_user_index
            .get(&id)
            .map(|&i| &self.inventory_users[i])
    }

    pub fn user_group(&self, id: i64) -> Option<&UserGroup> {
        self.user_groups.iter().find(|g| g.id == id)
    }

    /// Groups that list inventory user `user_id` among their members.
    pub fn user_groups_of(&self, user_id: i64) -> impl Iterator<Item = &UserGroup> {
        self.user_groups
            .iter()
            .filter(move |g| g.member_ids.contains(&user_id))
    }
}

fn index(ids: impl Iterator<Item = i64>) -> HashMap<i64, usize> {
    ids.enumerate().map(|(i, id)| (id, i)).collect()
}

/// The dataset a running simulator serves. It starts as built from the configuration; a
/// test may edit it at run time ([`crate::SimControl::edit_dataset`]: an admin disabled, added,
/// removed, given a role). Handlers read it as a plain `&Dataset`: an edit publishes a new
/// version, and earlier versions are leaked so that no reference ever dangles (a test edits a
/// handful of times; the built dataset itself is owned and freed).
pub struct DataCell {
    built: Dataset,
    edited: std::sync::RwLock<Option<&'static Dataset>>,
}

impl DataCell {
    pub fn new(built: Dataset) -> Self {
        Self {
            built,
            edited: std::sync::RwLock::new(None),
        }
    }

    /// Applies `edit` to a copy of the current version and publishes it.
    pub fn edit(&self, edit: impl FnOnce(&mut Dataset)) {
        let mut edited = self.edited.write().unwrap_or_else(|e| e.into_inner());
        let mut next = edited.unwrap_or(&self.built).clone();
        edit(&mut next);
        next.reindex();
        *edited = Some(Box::leak(Box::new(next)));
    }
}

impl std::ops::Deref for DataCell {
    type Target = Dataset;

    fn deref(&self) -> &Dataset {
        let edited = *self.edited.read().unwrap_or_else(|e| e.into_inner());
        edited.unwrap_or(&self.built)
    }
}
