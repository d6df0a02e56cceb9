//! Lookups over one [`JamfDirectory`]: sites and groups by id, and group membership as the
//! groups' own member lists state it.

use std::collections::{BTreeMap, BTreeSet};

use crate::directory::model::{GroupRef, WorkspaceRef};
use crate::jamf::records::{
    ClassicAccountGroup, GroupRecord, JamfAccessLevel, JamfDirectory, PrivilegeSet, Privileges,
    is_assigned_id,
};

pub(super) struct Index<'a> {
    pub(super) directory: &'a JamfDirectory,
    site_names: BTreeMap<&'a str, Option<&'a str>>,
    groups: BTreeMap<&'a str, &'a GroupRecord>,
    /// account id → ids of groups whose member list names it.
    listed_memberships: BTreeMap<&'a str, BTreeSet<&'a str>>,
    /// Built-in privilege sets and their privileges, as one holder's Classic detail lists them:
    /// the same for every holder on an instance, so holders read only through the Jamf Pro
    /// API (which lists no privileges) get them too.
    built_in_sets: Vec<(&'a PrivilegeSet, &'a Privileges)>,
}

/// What is known about one group, merged from the v1 record, the Classic detail and the
/// account-side entry (in that order of preference for each fact).
pub(super) struct GroupFacts<'a> {
    pub(super) id: &'a str,
    pub(super) name: Option<&'a str>,
    pub(super) access_level: Option<&'a JamfAccessLevel>,
    pub(super) privilege_set: Option<&'a PrivilegeSet>,
    pub(super) site: Option<WorkspaceRef>,
    /// Categorized Classic privileges, when read and non-empty.
    pub(super) classic_privileges: Option<&'a Privileges>,
    /// The v1 flat privilege list (uncategorized).
    pub(super) v1_privileges: &'a [String],
}

impl<'a> Index<'a> {
    pub(super) fn new(directory: &'a JamfDirectory) -> Self {
        let site_names = directory
            .sites
            .iter()
            .map(|site| (site.id.as_str(), site.name.as_deref()))
            .collect();
        let mut groups = BTreeMap::new();
        let mut listed_memberships: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for record in &directory.groups {
            let Some(group_id) = record.id() else {
                continue;
            };
            groups.insert(group_id, record);
            let v1_members = record
                .v1
                .iter()
                .flat_map(|v1| &v1.parsed.members)
                .map(|m| m.id.as_str());
            let classic_members = record
                .classic
                .iter()
                .flat_map(|c| &c.parsed.members)
                .map(|m| m.id.as_str());
            for member in v1_members.chain(classic_members) {
                listed_memberships
                    .entry(member)
                    .or_default()
                    .insert(group_id);
            }
        }
        let mut built_in_sets: Vec<(&PrivilegeSet, &Privileges)> = Vec::new();
        for classic in directory.accounts.iter().filter_map(|a| a.classic.as_ref()) {
            let account = &classic.parsed;
            if let Some(set) = account.privilege_set.as_ref().filter(|s| s.is_built_in())
                && account.access_level != Some(JamfAccessLevel::Group)
                && !account.privileges.is_empty()
                && built_in_sets.iter().all(|(known, _)| *known != set)
            {
                built_in_sets.push((set, &account.privileges));
            }
        }
        Self {
            directory,
            site_names,
            groups,
            listed_memberships,
            built_in_sets,
        }
    }

    /// The privileges of a built-in set, when some holder's Classic detail listed them.
    pub(super) fn built_in_privileges(&self, set: &PrivilegeSet) -> Option<&'a Privileges> {
        self.built_in_sets
            .iter()
            .find(|(known, _)| *known == set)
            .map(|(_, privileges)| *privileges)
    }

    /// A site reference, named from the site list, else from the record that cited it.
    pub(super) fn site(&self, id: &str, cited_name: Option<&str>) -> Option<WorkspaceRef> {
        is_assigned_id(id).then(|| WorkspaceRef {
            id: id.to_owned(),
            name: self
                .site_names
                .get(id)
                .copied()
                .flatten()
                .or(cited_name)
                .map(str::to_owned),
        })
    }

    /// Every site in the instance, in the snapshot's id order.
    pub(super) fn all_sites(&self) -> Vec<WorkspaceRef> {
        self.site_names
            .keys()
            .filter_map(|id| self.site(id, None))
            .collect()
    }

    pub(super) fn group_ids(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.groups.keys().copied()
    }

    /// Groups whose own member lists name this account.
    pub(super) fn listed_groups_of(&self, account_id: &str) -> impl Iterator<Item = &'a str> + '_ {
        self.listed_memberships
            .get(account_id)
            .into_iter()
            .flatten()
            .copied()
    }

    pub(super) fn group_record(&self, id: &str) -> Option<&'a GroupRecord> {
        self.groups.get(id).copied()
    }

    pub(super) fn group_facts(
        &self,
        id: &'a str,
        account_side: Option<&'a ClassicAccountGroup>,
    ) -> GroupFacts<'a> {
        let record = self.group_record(id);
        let v1 = record.and_then(|r| r.v1.as_ref()).map(|v1| &v1.parsed);
        let classic = record.and_then(|r| r.classic.as_ref()).map(|c| &c.parsed);
        let site = v1
            .and_then(|v1| v1.site_id.as_deref())
            .and_then(|site_id| self.site(site_id, None))
            .or_else(|| {
                let cited = classic
                    .and_then(|c| c.site.as_ref())
                    .or_else(|| account_side.and_then(|a| a.site.as_ref()))?;
                self.site(cited.assigned_id()?, cited.name.as_deref())
            });
        let classic_privileges = classic
            .map(|c| &c.privileges)
            .filter(|p| !p.is_empty())
            .or_else(|| {
                account_side
                    .map(|a| &a.privileges)
                    .filter(|p| !p.is_empty())
            });
        GroupFacts {
            id,
            name: v1
                .and_then(|v1| v1.name.as_deref())
                .or_else(|| classic.and_then(|c| c.name.as_deref()))
                .or_else(|| account_side.and_then(|a| a.name.as_deref())),
            access_level: v1
                .and_then(|v1| v1.access_level.as_ref())
                .or_else(|| classic.and_then(|c| c.access_level.as_ref())),
            privilege_set: v1
                .and_then(|v1| v1.privilege_level.as_ref())
                .or_else(|| classic.and_then(|c| c.privilege_set.as_ref())),
            site,
            classic_privileges,
            v1_privileges: v1.map_or(&[], |v1| v1.privileges.as_slice()),
        }
    }
}

impl GroupFacts<'_> {
    pub(super) fn group_ref(&self) -> GroupRef {
        GroupRef {
            id: self.id.to_owned(),
            name: self.name.map(str::to_owned),
        }
    }
}
