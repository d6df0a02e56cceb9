//! One copy of what a snapshot's records have in common. Normalization builds each user on
//! its own; this pass then points equal MFA verdicts, role, group and site lists and privilege
//! lists at one shared `Arc`, so a cached snapshot holds each distinct value once (a hundred
//! users in a group share its privileges; every Full Access user shares the site list and,
//! usually, the MFA verdict).

use std::collections::HashSet;
use std::hash::Hash;

use crate::directory::model::{Group, User};

/// Replaces `value` with the first equal one in `seen` (a clone of an `Arc`), or adds it.
fn share<V: Clone + Eq + Hash>(seen: &mut HashSet<V>, value: &mut V) {
    match seen.get(value) {
        Some(first) => *value = first.clone(),
        None => {
            seen.insert(value.clone());
        }
    }
}

pub(super) fn share_alike(users: &mut [User], groups: &mut [Group]) {
    let (mut verdicts, mut roles, mut memberships, mut sites, mut privileges) = Default::default();
    for user in users.iter_mut() {
        share(&mut verdicts, &mut user.mfa);
        share(&mut roles, &mut user.roles);
        share(&mut memberships, &mut user.groups);
        share(&mut sites, &mut user.workspaces);
        for grant in user.permissions.grants_mut() {
            share(&mut privileges, &mut grant.privileges);
        }
    }
    for group in groups {
        for grant in group.permissions.grants_mut() {
            share(&mut privileges, &mut grant.privileges);
        }
    }
}
