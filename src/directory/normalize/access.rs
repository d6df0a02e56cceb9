//! Roles, permissions and workspaces of accounts and groups.

use std::collections::HashSet;
use std::sync::Arc;

use crate::directory::model::{Grant, Privilege, RoleRef, Via, ViaKind, WorkspaceRef, compare_ids};
use crate::jamf::records::{JamfAccessLevel, PrivilegeSet, Privileges};

use super::fields::privilege_set_role;
use super::index::{GroupFacts, Index};

/// The category of a permission that names a whole privilege set because its individual
/// privileges were not read (Jamf Pro API records carry no privilege list).
pub(super) const PRIVILEGE_SET_CATEGORY: &str = "privilege_set";

/// A role reference for a privilege set, optionally scoped.
pub(super) fn set_role(
    set: &PrivilegeSet,
    group: Option<&GroupFacts<'_>>,
    workspace: Option<WorkspaceRef>,
) -> RoleRef {
    let (id, name) = privilege_set_role(set);
    RoleRef {
        id,
        name,
        group: group.map(GroupFacts::group_ref),
        workspace,
    }
}

/// An account's roles: its privilege set, scoped to its site for Site Access; for Group
/// Access one role per group (the group's set, else the account's, else `custom`).
pub(super) fn account_roles(
    access_level: Option<&JamfAccessLevel>,
    privilege_set: Option<&PrivilegeSet>,
    site: Option<&WorkspaceRef>,
    groups: &[GroupFacts<'_>],
) -> Vec<RoleRef> {
    match access_level {
        Some(JamfAccessLevel::Group) => groups
            .iter()
            .map(|group| {
                let set = group
                    .privilege_set
                    .or(privilege_set)
                    .unwrap_or(&PrivilegeSet::Custom);
                set_role(set, Some(group), group.site.clone())
            })
            .collect(),
        Some(JamfAccessLevel::Site) => privilege_set
            .map(|set| set_role(set, None, site.cloned()))
            .into_iter()
            .collect(),
        _ => privilege_set
            .map(|set| set_role(set, None, None))
            .into_iter()
            .collect(),
    }
}

/// Sites the account can act in: every site for Full Access, its site for Site Access, its
/// groups' sites (every site for a Full Access group) for Group Access.
pub(super) fn account_workspaces(
    index: &Index<'_>,
    access_level: Option<&JamfAccessLevel>,
    site: Option<&WorkspaceRef>,
    groups: &[GroupFacts<'_>],
) -> Vec<WorkspaceRef> {
    let mut workspaces: Vec<WorkspaceRef> = match access_level {
        Some(JamfAccessLevel::Full) => index.all_sites(),
        Some(JamfAccessLevel::Group) => groups
            .iter()
            .flat_map(|group| match group.access_level {
                Some(JamfAccessLevel::Full) => index.all_sites(),
                _ => group.site.iter().cloned().collect(),
            })
            .collect(),
        _ => site.into_iter().cloned().collect(),
    };
    workspaces.sort_by(|a, b| compare_ids(&a.id, &b.id));
    workspaces.dedup_by(|a, b| a.id == b.id);
    workspaces
}

/// The account's own privileges. Without a Classic privilege list, a built-in set (or a
/// Custom set whose Classic detail was not read) is one `privilege_set` entry; Group Access
/// accounts hold nothing of their own beyond what Classic lists.
pub(super) fn own_permissions(
    account_id: &str,
    access_level: Option<&JamfAccessLevel>,
    privilege_set: Option<&PrivilegeSet>,
    classic_privileges: Option<&Privileges>,
) -> Grant {
    let via = Via {
        kind: ViaKind::Account,
        id: account_id.to_owned(),
    };
    if let Some(privileges) = classic_privileges.filter(|p| !p.is_empty()) {
        return grant(via, categorized(privileges));
    }
    let custom_was_read =
        classic_privileges.is_some() && privilege_set == Some(&PrivilegeSet::Custom);
    let privileges = match (access_level, privilege_set) {
        (Some(JamfAccessLevel::Group), _) | (_, None) => Vec::new(),
        (_, Some(_)) if custom_was_read => Vec::new(),
        (_, Some(set)) => vec![set_privilege(set)],
    };
    grant(via, privileges)
}

/// The privileges a group grants: Classic's categorized list, else the v1 flat list, else a
/// `privilege_set` entry for a built-in set.
pub(super) fn group_permissions(group: &GroupFacts<'_>) -> Grant {
    let via = Via {
        kind: ViaKind::Group,
        id: group.id.to_owned(),
    };
    let privileges = if let Some(privileges) = group.classic_privileges {
        categorized(privileges)
    } else if !group.v1_privileges.is_empty() {
        uncategorized(group.v1_privileges)
    } else {
        match group.privilege_set {
            Some(PrivilegeSet::Custom) | None => Vec::new(),
            Some(set) => vec![set_privilege(set)],
        }
    };
    grant(via, privileges)
}

/// Privileges Jamf lists without categories (v1 groups, API roles).
pub(super) fn uncategorized(names: &[String]) -> Vec<Privilege> {
    names
        .iter()
        .map(|name| Privilege {
            name: name.clone(),
            category: None,
        })
        .collect()
}

pub(super) fn grant(via: Via, privileges: Vec<Privilege>) -> Grant {
    Grant {
        via,
        privileges: Arc::from(privileges),
    }
}

/// The grant without exact repeats (same privilege and category), keeping first occurrences.
pub(super) fn without_repeats(grant: Grant) -> Grant {
    let mut seen = HashSet::new();
    let kept: Vec<Privilege> = grant
        .privileges
        .iter()
        .filter(|privilege| seen.insert(*privilege))
        .cloned()
        .collect();
    if kept.len() == grant.privileges.len() {
        return grant;
    }
    self::grant(grant.via, kept)
}

fn categorized(privileges: &Privileges) -> Vec<Privilege> {
    privileges
        .iter()
        .map(|(category, name)| Privilege {
            name: name.to_owned(),
            category: Some(category.to_owned()),
        })
        .collect()
}

fn set_privilege(set: &PrivilegeSet) -> Privilege {
    Privilege {
        name: privilege_set_role(set).1,
        category: Some(PRIVILEGE_SET_CATEGORY.to_owned()),
    }
}
