//! Effective privileges, stored by grantor so that records can share them.
//!
//! Most of a user's privileges come from a group (every member holds the same list), and
//! Classic expands a built-in set to the same few hundred names for every holder. Keeping one
//! `Arc` list per grantor, shared by every record of a snapshot holding the same list (see
//! `normalize::share`), costs a pointer per user instead of a copy of every name.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::access::{Permission, Via};

/// A privilege without its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Privilege {
    pub name: String,
    pub category: Option<String>,
}

/// The privileges one grantor (the account, a group, an API role) gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub via: Via,
    pub privileges: Arc<[Privilege]>,
}

/// Effective privileges in served order: grant by grant, each grant's privileges in order.
/// Serialized as a flat array of [`Permission`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions(Vec<Grant>);

impl Permissions {
    /// Grants in order; grants without privileges are dropped (they serve nothing).
    pub fn new(grants: impl IntoIterator<Item = Grant>) -> Self {
        Self(
            grants
                .into_iter()
                .filter(|grant| !grant.privileges.is_empty())
                .collect(),
        )
    }

    pub fn grants_mut(&mut self) -> &mut [Grant] {
        &mut self.0
    }

    pub fn iter(&self) -> impl Iterator<Item = Permission<'_>> {
        self.0.iter().flat_map(|grant| {
            grant.privileges.iter().map(|privilege| Permission {
                name: &privilege.name,
                category: privilege.category.as_deref(),
                via: &grant.via,
            })
        })
    }

    pub fn len(&self) -> usize {
        self.0.iter().map(|grant| grant.privileges.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Permissions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// A served permission read back (from a snapshot another replica stored).
#[derive(Deserialize)]
struct StoredPermission {
    name: String,
    category: Option<String>,
    via: Via,
}

impl<'de> Deserialize<'de> for Permissions {
    /// Reads the flat array back into grants: consecutive permissions of one grantor are one
    /// grant, as they were written.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let flat = Vec::<StoredPermission>::deserialize(deserializer)?;
        let mut grants: Vec<(Via, Vec<Privilege>)> = Vec::new();
        for permission in flat {
            let privilege = Privilege {
                name: permission.name,
                category: permission.category,
            };
            match grants.last_mut() {
                Some((via, privileges)) if *via == permission.via => privileges.push(privilege),
                _ => grants.push((permission.via, vec![privilege])),
            }
        }
        Ok(Self::new(grants.into_iter().map(|(via, privileges)| {
            Grant {
                via,
                privileges: privileges.into(),
            }
        })))
    }
}
