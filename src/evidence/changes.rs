//! The changes between two record sets of one account: who joined, who left, what changed for
//! whom, and which of those changes raise someone's access (an `escalation`, what a reviewer
//! looks at first). Pure: both sets are in memory, sorted by id as snapshots are.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::directory::model::{AccessLevel, RoleRef, User, UserStatus, compare_ids};

/// How a user's presence changed between the two sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// In the later set only.
    Joined,
    /// In the earlier set only.
    Left,
    /// In both, with at least one compared field different.
    Changed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Joined => "joined",
            Self::Left => "left",
            Self::Changed => "changed",
        }
    }
}

/// One compared field that differs. For `permissions`, `before` lists the names lost and
/// `after` the names gained; every other field shows its whole value on each side.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FieldChange {
    #[schema(example = "status")]
    pub field: &'static str,
    #[schema(value_type = Object, example = "inactive")]
    pub before: Value,
    #[schema(value_type = Object, example = "active")]
    pub after: Value,
}

/// The change of one user.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UserChange {
    #[schema(example = "16")]
    pub user_id: String,
    #[schema(example = "jdoe")]
    pub username: Option<String>,
    pub change: ChangeKind,
    /// Empty for joiners and leavers.
    pub changes: Vec<FieldChange>,
    /// True when the user joined active, became active, gained a role or a permission, or rose
    /// in `access_level`.
    pub escalation: bool,
}

/// Counts over a list of changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChangeSummary {
    pub joined: usize,
    pub left: usize,
    pub changed: usize,
    pub escalations: usize,
}

impl ChangeSummary {
    pub fn of(changes: &[UserChange]) -> Self {
        let mut summary = Self::default();
        for change in changes {
            match change.change {
                ChangeKind::Joined => summary.joined += 1,
                ChangeKind::Left => summary.left += 1,
                ChangeKind::Changed => summary.changed += 1,
            }
            summary.escalations += usize::from(change.escalation);
        }
        summary
    }
}

/// The per-user changes from `before` to `after`, in id order. Both must be sorted by
/// [`compare_ids`] on the user id (snapshots are).
pub fn diff(before: &[User], after: &[User]) -> Vec<UserChange> {
    let mut changes = Vec::new();
    let (mut old, mut new) = (before.iter().peekable(), after.iter().peekable());
    loop {
        let order = match (old.peek(), new.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(o), Some(n)) => compare_ids(&o.id, &n.id),
        };
        match order {
            Ordering::Less => {
                let gone = old.next().expect("peeked");
                changes.push(presence(gone, ChangeKind::Left, false));
            }
            Ordering::Greater => {
                let came = new.next().expect("peeked");
                let active = came.status == UserStatus::Active;
                changes.push(presence(came, ChangeKind::Joined, active));
            }
            Ordering::Equal => {
                let (o, n) = (old.next().expect("peeked"), new.next().expect("peeked"));
                if let Some(change) = compare(o, n) {
                    changes.push(change);
                }
            }
        }
    }
    changes
}

fn presence(user: &User, change: ChangeKind, escalation: bool) -> UserChange {
    UserChange {
        user_id: user.id.clone(),
        username: user.username.clone(),
        change,
        changes: Vec::new(),
        escalation,
    }
}

fn compare(old: &User, new: &User) -> Option<UserChange> {
    let mut fields = Vec::new();
    let mut escalation = false;
    let mut field = |name: &'static str, before: Value, after: Value| {
        if before != after {
            fields.push(FieldChange {
                field: name,
                before,
                after,
            });
        }
    };
    field(
        "status",
        json!(old.status.as_str()),
        json!(new.status.as_str()),
    );
    escalation |= old.status != UserStatus::Active && new.status == UserStatus::Active;

    let (old_roles, new_roles) = (role_names(&old.roles), role_names(&new.roles));
    escalation |= !new_roles.is_subset(&old_roles);
    field("roles", json!(old_roles), json!(new_roles));

    let old_permissions: BTreeSet<&str> = old.permissions.iter().map(|p| p.name).collect();
    let new_permissions: BTreeSet<&str> = new.permissions.iter().map(|p| p.name).collect();
    let lost: Vec<&str> = old_permissions
        .difference(&new_permissions)
        .copied()
        .collect();
    let gained: Vec<&str> = new_permissions
        .difference(&old_permissions)
        .copied()
        .collect();
    escalation |= !gained.is_empty();
    field("permissions", json!(lost), json!(gained));

    escalation |= reach(new.access_level) > reach(old.access_level);
    field(
        "access_level",
        json!(old.access_level),
        json!(new.access_level),
    );

    let names = |refs: &mut dyn Iterator<Item = (&String, &Option<String>)>| -> BTreeSet<String> {
        refs.map(|(id, name)| labelled(id, name.as_deref()))
            .collect()
    };
    field(
        "groups",
        json!(names(&mut old.groups.iter().map(|g| (&g.id, &g.name)))),
        json!(names(&mut new.groups.iter().map(|g| (&g.id, &g.name)))),
    );
    field(
        "workspaces",
        json!(names(&mut old.workspaces.iter().map(|w| (&w.id, &w.name)))),
        json!(names(&mut new.workspaces.iter().map(|w| (&w.id, &w.name)))),
    );
    let emails =
        |user: &User| -> Vec<String> { user.emails.iter().map(|e| e.email.clone()).collect() };
    field("emails", json!(emails(old)), json!(emails(new)));
    field(
        "is_2fa_enabled",
        json!(old.is_2fa_enabled),
        json!(new.is_2fa_enabled),
    );
    field("mfa.status", json!(old.mfa.status), json!(new.mfa.status));

    (!fields.is_empty()).then(|| UserChange {
        user_id: new.id.clone(),
        username: new.username.clone(),
        change: ChangeKind::Changed,
        changes: fields,
        escalation,
    })
}

/// A role as a reviewer reads it: its name, and the group or site it is held through.
fn role_names(roles: &[RoleRef]) -> BTreeSet<String> {
    roles
        .iter()
        .map(|role| {
            let mut text = role.name.clone();
            if let Some(group) = &role.group {
                text += &format!(" via group {}", labelled(&group.id, group.name.as_deref()));
            }
            if let Some(site) = &role.workspace {
                text += &format!(" on site {}", labelled(&site.id, site.name.as_deref()));
            }
            text
        })
        .collect()
}

fn labelled(id: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{name} ({id})"),
        None => id.to_owned(),
    }
}

/// How far an access level reaches: none, one site or the groups' grants, the whole instance.
fn reach(level: Option<AccessLevel>) -> u8 {
    match level {
        None => 0,
        Some(AccessLevel::SiteAccess | AccessLevel::GroupAccess) => 1,
        Some(AccessLevel::FullAccess) => 2,
    }
}

#[cfg(test)]
mod tests;
