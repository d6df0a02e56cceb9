//! Seeded filler data: sites, groups, accounts and inventory users beyond the fixed edge
//! cases, with the same quirks spread through any size. Uses its own SplitMix64 so the output for a seed never
//! changes with a dependency upgrade.

use std::collections::HashSet;
use std::sync::Arc;

use super::data::{AccessLevel, Account, Group, InventoryUser, PrivilegeSet, Site, UserGroup};
use super::fixtures::{
    self, FIXED_ACCOUNTS, FIXED_INVENTORY_USERS, MANAGER_POSITION, MANAGERS_GROUP,
};
use super::privileges::{self, LOCKOUT_THRESHOLD, Privileges};

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and stable forever.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant here.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Adam", "Aisha", "Ben", "Carla", "Diego", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jack",
    "Kofi", "Laura", "Mateo", "Nina", "Omar", "Priya", "Quinn", "Rosa", "Stefan", "Tara", "Uma",
    "Victor", "Wendy", "Xavier", "Yara", "Zoe", "Liam", "Emma", "Noah",
];
const LAST: &[&str] = &[
    "Anderson", "Brown", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
    "Kowalski", "Lopez", "Martin", "Nguyen", "Okafor", "Patel", "Rossi", "Schmidt", "Tanaka",
    "Usman", "Varga", "Williams", "Young", "Zhang", "Murphy", "Kelly",
];
const PARTICLES: &[&str] = &["van der", "de la", "von", "da", "van"];
const POSITIONS: &[&str] = &[
    "",
    "",
    "",
    "Engineer",
    "Designer",
    "Sales",
    "Support",
    "Teacher",
    "Student",
    "Nurse",
    MANAGER_POSITION,
];

/// Inventory users get their own random stream, so adding them changed no account of any
/// seed (and their number changes no account either).
const INVENTORY_STREAM: u64 = 0x5553_4552_5321;

/// Fixed sites plus one more per 250 accounts.
pub fn sites(accounts: usize) -> Vec<Site> {
    let mut out = fixtures::sites();
    for k in 0..accounts / 250 {
        out.push(Site {
            id: out.len() as i64 + 1,
            name: format!("Branch Office {}", k + 1),
        });
    }
    out
}

/// Fixed groups plus one more per 200 accounts (alternating Full/Custom and Site/Admin).
pub fn groups(accounts: usize, sites: &[Site]) -> Vec<Group> {
    let mut out = fixtures::groups();
    for k in 0..accounts / 200 {
        let id = out.len() as i64 + 1;
        let (access, set, site_id) = if k % 2 == 0 {
            (AccessLevel::Full, PrivilegeSet::Custom, None)
        } else {
            let site = &sites[k % sites.len()];
            (
                AccessLevel::Site,
                PrivilegeSet::Administrator,
                Some(site.id),
            )
        };
        let privileges = if set == PrivilegeSet::Custom {
            Arc::new(Privileges {
                jss_objects: vec!["Read Policies".into(), "Update Policies".into()],
                ..Privileges::default()
            })
        } else {
            fixtures::privileges_of(set)
        };
        out.push(Group {
            id,
            name: format!("Team {}", k + 1),
            access_level: access,
            privilege_set: set,
            site_id,
            ldap_server_id: None,
            directory_group_id: String::new(),
            privileges,
            classic_members_empty: k % 3 != 0,
        });
    }
    out
}

/// The fixed accounts (truncated to `count`), then seeded filler up to `count`.
pub fn accounts(count: usize, seed: u64, sites: &[Site], groups: &[Group]) -> Vec<Account> {
    let mut out = fixtures::accounts();
    out.truncate(count);
    let mut taken: HashSet<String> = out.iter().map(|a| a.username.to_lowercase()).collect();
    let mut rng = SplitMix64::new(seed);
    let mut next_id = FIXED_ACCOUNTS as i64;
    while out.len() < count {
        // Occasional gaps: deleted accounts leave holes in Jamf's id sequence.
        next_id += 1 + i64::from(rng.below(10) == 0);
        out.push(filler(next_id, &mut rng, &mut taken, sites, groups));
    }
    out
}

fn filler(
    id: i64,
    rng: &mut SplitMix64,
    taken: &mut HashSet<String>,
    sites: &[Site],
    groups: &[Group],
) -> Account {
    let (full_name, handle) = name(rng, id);
    let mut username = handle;
    if !taken.insert(username.to_lowercase()) {
        username = format!("{username}{id}");
        taken.insert(username.to_lowercase());
    }
    let email = format!("{}@example.com", username.to_lowercase());
    let mut a = fixtures::base_account(id, &username, &full_name, &email);
    match rng.below(100) {
        0..4 => a.email = String::new(),
        4..8 => a.email = email.to_uppercase(),
        8..11 => a.email = format!(" {email}  "),
        _ => {}
    }
    kind(&mut a, rng, sites, groups);
    match rng.below(100) {
        0..6 => a.enabled = false,
        6..9 => {
            a.enabled = false;
            a.failed_login_attempts = LOCKOUT_THRESHOLD + rng.below(3) as u32;
        }
        9..14 => a.failed_login_attempts = 1 + rng.below(u64::from(LOCKOUT_THRESHOLD - 1)) as u32,
        _ => {}
    }
    a.federated = rng.below(100) < 5;
    a.force_password_change = rng.below(100) < 5;
    if rng.below(100) < 20 {
        a.phone = format!("715-555-{:04}", rng.below(10_000));
    }
    a.last_password_change = fixtures::password_changed_at(rng.below(63_072_000) as i64);
    a
}

/// `(full name, username)`: mostly "First Last", with the ambiguous shapes mixed in.
fn name(rng: &mut SplitMix64, id: i64) -> (String, String) {
    let first = *rng.pick(FIRST);
    let last = *rng.pick(LAST);
    let handle = format!("{}.{}", first, last).to_lowercase();
    match rng.below(100) {
        0..6 => {
            let middle = *rng.pick(FIRST);
            (format!("{first} {middle} {last}"), handle)
        }
        6..11 => {
            let particle = *rng.pick(PARTICLES);
            (format!("{first} {particle} {last}"), handle)
        }
        11..15 => (first.to_owned(), format!("{}{id}", first.to_lowercase())),
        15..18 => (String::new(), format!("svc{id}")),
        _ => (format!("{first} {last}"), handle),
    }
}

fn kind(a: &mut Account, rng: &mut SplitMix64, sites: &[Site], groups: &[Group]) {
    let roll = rng.below(100);
    let set = |a: &mut Account, s| {
        a.privilege_set = s;
        a.privileges = fixtures::privileges_of(s);
    };
    match roll {
        0..25 => {}
        25..40 => custom(a, rng),
        40..50 => set(a, PrivilegeSet::Auditor),
        50..62 => {
            a.access_level = AccessLevel::Site;
            a.site_id = Some(rng.pick(sites).id);
            if rng.below(2) == 0 {
                custom(a, rng);
            }
        }
        62..77 => {
            a.access_level = AccessLevel::Group;
            set(a, PrivilegeSet::Custom);
            let first = rng.pick(groups).id;
            a.group_ids.push(first);
            let second = rng.pick(groups).id;
            if rng.below(3) == 0 && second != first {
                a.group_ids.push(second);
            }
        }
        77..82 => set(a, PrivilegeSet::EnrollmentOnly),
        _ => {
            let server = 1 + rng.below(2) as i64;
            a.ldap_server_id = Some(server);
            a.distinguished_name = format!("CN={},OU=Staff,DC=corp,DC=example,DC=com", a.username);
        }
    }
}

fn custom(a: &mut Account, rng: &mut SplitMix64) {
    let catalogue = privileges::administrator();
    let mut p = Privileges::default();
    for _ in 0..2 + rng.below(6) {
        let item = rng.pick(&catalogue.jss_objects).clone();
        if !p.jss_objects.contains(&item) {
            p.jss_objects.push(item);
        }
    }
    if rng.below(3) == 0 {
        p.jss_settings
            .push(rng.pick(&catalogue.jss_settings).clone());
    }
    a.privilege_set = PrivilegeSet::Custom;
    a.privileges = Arc::new(p);
    a.render_empty_categories = rng.below(2) == 0;
}

/// The fixed inventory users (truncated to `count`) and seeded filler up to `count`; the
/// fixed user groups plus one department per 100 users, at most [`MAX_DEPARTMENTS`] (real
/// instances keep tens of user groups, not one per hundred people), with seeded members. Group members are
/// ascending ids of existing users; the smart group [`MANAGERS_GROUP`] holds exactly the
/// users whose position is [`MANAGER_POSITION`].
/// Generated user groups beyond the fixed ones, whatever the number of users.
pub const MAX_DEPARTMENTS: usize = 30;

pub fn inventory(count: usize, seed: u64, sites: &[Site]) -> (Vec<InventoryUser>, Vec<UserGroup>) {
    let mut users = fixtures::inventory_users();
    users.truncate(count);
    let mut groups = fixtures::user_groups();
    for k in 0..(count / 100).min(MAX_DEPARTMENTS) {
        // Every third one smart and limited to a site.
        let smart = k % 3 == 2;
        groups.push(UserGroup {
            id: groups.len() as i64 + 1,
            name: format!("Department {}", k + 1),
            is_smart: smart,
            site_id: smart.then(|| sites[k % sites.len()].id),
            member_ids: Vec::new(),
        });
    }
    let mut taken: HashSet<String> = users.iter().map(|u| u.username.to_lowercase()).collect();
    let mut rng = SplitMix64::new(seed ^ INVENTORY_STREAM);
    let mut next_id = FIXED_INVENTORY_USERS as i64;
    while users.len() < count {
        // Gaps, as deleted users leave them.
        next_id += 1 + i64::from(rng.below(10) == 0);
        let user = inventory_filler(next_id, &mut rng, &mut taken, sites);
        // A quarter in the static "Engineering" group, some Austin users in its loaners
        // group, a tenth in each department.
        let mut joins = Vec::new();
        if rng.below(4) == 0 {
            joins.push(1);
        }
        if user.site_ids.contains(&2) && rng.below(3) == 0 {
            joins.push(3);
        }
        for g in &groups[fixtures::FIXED_USER_GROUPS..] {
            if rng.below(10) == 0 {
                joins.push(g.id);
            }
        }
        for id in joins {
            if let Some(g) = groups.iter_mut().find(|g| g.id == id) {
                g.member_ids.push(user.id);
            }
        }
        users.push(user);
    }
    let existing: HashSet<i64> = users.iter().map(|u| u.id).collect();
    for g in &mut groups {
        if g.id == MANAGERS_GROUP {
            g.member_ids = users
                .iter()
                .filter(|u| u.position == MANAGER_POSITION)
                .map(|u| u.id)
                .collect();
        }
        g.member_ids.retain(|id| existing.contains(id));
        g.member_ids.sort_unstable();
        g.member_ids.dedup();
    }
    (users, groups)
}

fn inventory_filler(
    id: i64,
    rng: &mut SplitMix64,
    taken: &mut HashSet<String>,
    sites: &[Site],
) -> InventoryUser {
    let (full_name, handle) = name(rng, id);
    let mut username = handle;
    if !taken.insert(username.to_lowercase()) {
        username = format!("{username}{id}");
        taken.insert(username.to_lowercase());
    }
    let email = format!("{}@example.com", username.to_lowercase());
    let mut u = fixtures::base_user(id, &username, &full_name, &email);
    match rng.below(100) {
        0..4 => u.email = String::new(),
        4..8 => u.email = email.to_uppercase(),
        8..11 => u.email = format!(" {email}  "),
        _ => {}
    }
    if rng.below(100) < 30 {
        u.phone_number = format!("715-555-{:04}", rng.below(10_000));
    }
    u.position = (*rng.pick(POSITIONS)).to_owned();
    if rng.below(100) < 15 {
        u.ldap_server_id = Some(1 + rng.below(2) as i64);
    }
    match rng.below(100) {
        0..50 => {}
        50..90 => u.site_ids.push(rng.pick(sites).id),
        _ => {
            let first = rng.pick(sites).id;
            let second = rng.pick(sites).id;
            u.site_ids.push(first);
            if second != first {
                u.site_ids.push(second);
            }
        }
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(n: usize, seed: u64) -> Vec<Account> {
        let sites = sites(n);
        let groups = groups(n, &sites);
        accounts(n, seed, &sites, &groups)
    }

    #[test]
    fn same_seed_same_data_and_different_seed_differs() {
        assert_eq!(build(300, 7), build(300, 7));
        assert_ne!(build(300, 7), build(300, 8));
        assert_eq!(
            build(300, 7)[..FIXED_ACCOUNTS],
            build(300, 8)[..FIXED_ACCOUNTS]
        );
    }

    #[test]
    fn sizes_and_unique_ids_and_usernames() {
        for n in [0, 5, 20, 21, 1000] {
            let a = build(n, 3);
            assert_eq!(a.len(), n);
            let ids: HashSet<_> = a.iter().map(|x| x.id).collect();
            let names: HashSet<_> = a.iter().map(|x| x.username.to_lowercase()).collect();
            assert_eq!((ids.len(), names.len()), (n, n));
        }
    }

    fn users(n: usize, seed: u64) -> (Vec<InventoryUser>, Vec<UserGroup>) {
        inventory(n, seed, &sites(50))
    }

    #[test]
    fn inventory_same_seed_same_data_fixed_part_seed_independent() {
        assert_eq!(users(300, 7), users(300, 7));
        assert_ne!(users(300, 7).0, users(300, 8).0);
        assert_eq!(
            users(300, 7).0[..FIXED_INVENTORY_USERS],
            users(300, 8).0[..FIXED_INVENTORY_USERS]
        );
    }

    #[test]
    fn inventory_sizes_unique_names_and_consistent_groups() {
        for n in [0, 5, 11, 12, 30, 1000] {
            let (u, g) = users(n, 3);
            assert_eq!(u.len(), n);
            let ids: HashSet<_> = u.iter().map(|x| x.id).collect();
            let names: HashSet<_> = u.iter().map(|x| x.username.to_lowercase()).collect();
            assert_eq!((ids.len(), names.len()), (n, n));
            assert!(g.len() >= fixtures::FIXED_USER_GROUPS);
            for group in &g {
                assert!(group.member_ids.windows(2).all(|w| w[0] < w[1]));
                assert!(group.member_ids.iter().all(|id| ids.contains(id)));
            }
            let managers: Vec<i64> = u
                .iter()
                .filter(|x| x.position == MANAGER_POSITION)
                .map(|x| x.id)
                .collect();
            assert_eq!(g[1].member_ids, managers);
            assert!(
                u.iter()
                    .all(|x| x.site_ids.iter().all(|s| *s >= 1 && *s <= 3))
            );
        }
        let (big, groups) = users(1000, 3);
        let tail = &big[FIXED_INVENTORY_USERS..];
        assert!(tail.iter().any(|u| u.email.is_empty()));
        assert!(tail.iter().any(|u| u.ldap_server_id.is_some()));
        assert!(tail.iter().any(|u| u.site_ids.len() == 2));
        assert!(tail.iter().any(|u| u.full_name.is_empty()));
        assert_eq!(groups.len(), fixtures::FIXED_USER_GROUPS + 10);
        assert!(
            groups
                .iter()
                .skip(4)
                .any(|g| g.is_smart && g.site_id.is_some())
        );
        assert!(groups.iter().skip(4).all(|g| !g.member_ids.is_empty()));
    }

    #[test]
    fn quirks_spread_through_large_sizes() {
        let tail = &build(1000, 1)[FIXED_ACCOUNTS..];
        assert!(tail.iter().any(|a| a.access_level == AccessLevel::Group));
        assert!(tail.iter().any(|a| a.email.is_empty()));
        assert!(
            tail.iter()
                .any(|a| a.failed_login_attempts >= LOCKOUT_THRESHOLD)
        );
        assert!(tail.iter().any(|a| a.federated));
        assert!(tail.iter().any(|a| a.full_name.is_empty()));
        assert!(tail.iter().any(|a| a.ldap_server_id.is_some()));
    }
}
