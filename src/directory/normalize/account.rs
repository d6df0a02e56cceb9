//! One Jamf Pro account (v1 record, Classic detail, or both) → one unified [`User`].
//!
//! Where both records carry a fact, the Jamf Pro API record wins (it is the newer source)
//! and Classic fills the gaps; privileges and account-side group memberships come only from
//! Classic. From either plan the same account therefore gives the same user, except for
//! what only one API reports: `remote_data`; `permissions` of built-in privilege sets
//! (Classic lists every privilege, v1 only names the set); `last_password_change_at`, the
//! lockout hint in `status_detail` and the `account_type` MFA evidence (v1 only). A Custom
//! account whose Classic detail was not read also lacks `failover_login_possible` evidence.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::directory::model::{Permissions, RemoteData, Shared, User, UserType, compare_ids};
use crate::jamf::records::{
    AccountRecord, ClassicAccount, JamfAccessLevel, PrivilegeSet, V1Account, is_assigned_id,
};

use super::access::{self, PRIVILEGE_SET_CATEGORY};
use super::fields;
use super::index::{GroupFacts, Index};
use super::mfa::{self, AccountLogin};

/// The privilege that keeps the SSO failover login open to a local account.
const UPDATE_SSO_SETTINGS: &str = "Update SSO Settings";

/// Normalizes one account; `None` when the record holds neither a v1 nor a Classic record.
pub(super) fn account_user(index: &Index<'_>, record: &AccountRecord) -> Option<User> {
    let v1 = record.v1.as_ref().map(|v1| &v1.parsed);
    let classic = record.classic.as_ref().map(|c| &c.parsed);
    let id = record.id()?;

    let access_level = v1
        .and_then(|v1| v1.access_level.as_ref())
        .or_else(|| classic.and_then(|c| c.access_level.as_ref()));
    let privilege_set = v1
        .and_then(|v1| v1.privilege_level.as_ref())
        .or_else(|| classic.and_then(|c| c.privilege_set.as_ref()));
    let site = v1
        .and_then(|v1| v1.site_id.as_deref())
        .and_then(|site_id| index.site(site_id, None))
        .or_else(|| {
            let cited = classic?.site.as_ref()?;
            index.site(cited.assigned_id()?, cited.name.as_deref())
        });
    let groups = group_facts(index, id, classic);

    // A built-in set's holder read only through the Jamf Pro API gets the set's privileges as
    // another holder's Classic detail lists them, so both plans report the same permissions.
    let classic_privileges = classic
        .map(|c| &c.privileges)
        .filter(|p| !p.is_empty())
        .or_else(|| {
            let built_in = privilege_set.and_then(|set| index.built_in_privileges(set));
            built_in.filter(|_| access_level != Some(&JamfAccessLevel::Group))
        });
    let own = access::own_permissions(id, access_level, privilege_set, classic_privileges);
    // Grantors differ (the account, then each group once), so repeats are within a grant.
    let permissions = Permissions::new(
        std::iter::once(own)
            .chain(groups.iter().map(access::group_permissions))
            .map(access::without_repeats),
    );

    let directory_user = directory_user(v1, classic);
    let (is_2fa_enabled, mfa) = mfa::account_mfa(
        &index.directory.sso,
        &AccountLogin {
            directory_user,
            account_type: v1.and_then(|v1| v1.account_type.as_ref()),
            may_update_sso: may_update_sso(&permissions),
        },
    );
    let (status, status_detail) = fields::status(
        v1.and_then(|v1| v1.account_status.as_ref())
            .or_else(|| classic.and_then(|c| c.enabled.as_ref())),
        v1.and_then(|v1| v1.failed_login_attempts),
    );
    let name = fields::full_name(
        v1.and_then(|v1| v1.realname.as_deref())
            .or_else(|| classic.and_then(|c| c.full_name.as_deref())),
    );
    let (first_name, last_name) = fields::split_name(name.as_deref());
    let emails = [
        v1.and_then(|v1| v1.email.as_deref()),
        classic.and_then(|c| c.email.as_deref()),
        classic.and_then(|c| c.email_address.as_deref()),
    ];

    Some(User {
        id: id.to_owned(),
        user_type: UserType::Admin,
        username: fields::full_name(
            v1.and_then(|v1| v1.username.as_deref())
                .or_else(|| classic.and_then(|c| c.name.as_deref())),
        ),
        name,
        first_name,
        last_name,
        emails: fields::normalize_emails(emails.into_iter().flatten()),
        status,
        status_detail,
        roles: Shared::new(access::account_roles(
            access_level,
            privilege_set,
            site.as_ref(),
            &groups,
        )),
        workspaces: Shared::new(access::account_workspaces(
            index,
            access_level,
            site.as_ref(),
            &groups,
        )),
        groups: Shared::new(groups.iter().map(GroupFacts::group_ref).collect()),
        access_level: fields::access_level(access_level),
        permissions,
        is_2fa_enabled,
        mfa: Shared::new(mfa),
        is_directory_user: directory_user,
        password_change_required: v1
            .and_then(|v1| v1.change_password_on_next_login)
            .or_else(|| classic.and_then(|c| c.force_password_change)),
        last_password_change_at: v1.and_then(|v1| v1.last_password_change),
        last_login_at: None,
        created_at: None,
        updated_at: None,
        remote_data: remote_data(record),
    })
}

/// The account's groups: those its Classic detail lists, united with those whose own member
/// lists name it (Jamf's group `members` is often empty, so neither side alone is enough).
fn group_facts<'a>(
    index: &Index<'a>,
    id: &str,
    classic: Option<&'a ClassicAccount>,
) -> Vec<GroupFacts<'a>> {
    let account_side = classic.map_or(&[][..], |c| c.groups.as_slice());
    let ids: BTreeSet<&'a str> = account_side
        .iter()
        .map(|group| group.id.as_str())
        .chain(index.listed_groups_of(id))
        .collect();
    let mut ids: Vec<&'a str> = ids.into_iter().collect();
    ids.sort_by(|a, b| compare_ids(a, b));
    ids.into_iter()
        .map(|group_id| {
            let entry = account_side.iter().find(|group| group.id == group_id);
            index.group_facts(group_id, entry)
        })
        .collect()
}

/// LDAP-backed: v1 `ldapServerId` other than -1, else Classic `directory_user`, else a
/// Classic `ldap_server` reference.
fn directory_user(v1: Option<&V1Account>, classic: Option<&ClassicAccount>) -> Option<bool> {
    v1.and_then(|v1| v1.ldap_server_id.as_deref())
        .map(is_assigned_id)
        .or_else(|| classic.and_then(|c| c.directory_user))
        .or_else(|| {
            classic
                .and_then(|c| c.ldap_server.as_ref())
                .map(|ldap| ldap.assigned_id().is_some())
        })
}

/// True when the effective permissions include updating SSO settings (Administrator does);
/// `None` when a permission only names a set whose privileges are unknown.
fn may_update_sso(permissions: &Permissions) -> Option<bool> {
    let mut unknown = false;
    for permission in permissions.iter() {
        let names_set = permission.category == Some(PRIVILEGE_SET_CATEGORY);
        if permission.name.eq_ignore_ascii_case(UPDATE_SSO_SETTINGS)
            || (names_set && PrivilegeSet::parse(permission.name) == PrivilegeSet::Administrator)
        {
            return Some(true);
        }
        unknown |= names_set
            && !matches!(
                PrivilegeSet::parse(permission.name),
                PrivilegeSet::Auditor | PrivilegeSet::EnrollmentOnly
            );
    }
    (!unknown).then_some(false)
}

fn remote_data(record: &AccountRecord) -> RemoteData {
    let mut sources = Map::new();
    if let Some(v1) = &record.v1 {
        sources.insert("v1_account".to_owned(), v1.raw.clone());
    }
    if let Some(classic) = &record.classic {
        sources.insert("classic_account".to_owned(), classic.raw.clone());
    }
    RemoteData::new(&Value::Object(sources))
}
