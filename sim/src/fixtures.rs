//! The fixed, seed-independent part of the tenant: every edge case the normalizer must
//! handle has a stable id here (accounts 1..=23, groups 1..=6, sites 1..=3, inventory users
//! 1..=11, user groups 1..=4).

use std::sync::Arc;

use chrono::DateTime;

use super::config::SimConfig;
use super::data::{
    AccessLevel, Account, ApiIntegration, ApiRole, CLIENT_ROLE_ID, Group, InventoryUser,
    LdapServer, PrivilegeSet, Site, UserGroup,
};
use super::privileges::{self, LOCKOUT_THRESHOLD, Privileges};

pub const FIXED_ACCOUNTS: usize = 23;
pub const FIXED_INVENTORY_USERS: usize = 11;
pub const FIXED_USER_GROUPS: usize = 4;
/// The smart user group whose members are the users with this `position`.
pub const MANAGERS_GROUP: i64 = 2;
pub const MANAGER_POSITION: &str = "Manager";

pub fn sites() -> Vec<Site> {
    ["Eau Claire", "Austin", "Minneapolis"]
        .iter()
        .zip(1..)
        .map(|(name, id)| Site {
            id,
            name: (*name).to_owned(),
        })
        .collect()
}

pub fn ldap_servers() -> Vec<LdapServer> {
    vec![
        LdapServer {
            id: 1,
            name: "Corp AD".to_owned(),
        },
        LdapServer {
            id: 2,
            name: "Legacy OpenLDAP".to_owned(),
        },
    ]
}

fn custom(objects: &[&str], actions: &[&str]) -> Arc<Privileges> {
    let own = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect();
    Arc::new(Privileges {
        jss_objects: own(objects),
        jss_actions: own(actions),
        ..Privileges::default()
    })
}

pub fn privileges_of(set: PrivilegeSet) -> Arc<Privileges> {
    match set {
        PrivilegeSet::Administrator => privileges::administrator(),
        PrivilegeSet::Auditor => privileges::auditor(),
        PrivilegeSet::EnrollmentOnly => privileges::enrollment_only(),
        PrivilegeSet::Custom => Arc::new(Privileges::default()),
    }
}

pub fn groups() -> Vec<Group> {
    let g = |id, name: &str, access, set, site_id| Group {
        id,
        name: name.to_owned(),
        access_level: access,
        privilege_set: set,
        site_id,
        ldap_server_id: None,
        directory_group_id: String::new(),
        privileges: privileges_of(set),
        classic_members_empty: true,
    };
    use AccessLevel::{Full, Site};
    use PrivilegeSet::{Administrator, Auditor, Custom, EnrollmentOnly};
    let mut helpdesk = g(1, "Helpdesk", Full, Custom, None);
    helpdesk.privileges = custom(
        &[
            "Read Computers",
            "Update Computers",
            "Read Mobile Devices",
            "Read User",
        ],
        &["Send Computer Remote Lock Command"],
    );
    let mut auditors = g(3, "Auditors", Full, Auditor, None);
    auditors.classic_members_empty = false;
    let mut directory = g(4, "Directory Admins", Full, Administrator, None);
    directory.ldap_server_id = Some(1);
    directory.directory_group_id = "CN=Jamf Admins,OU=Groups,DC=corp,DC=example,DC=com".into();
    let mut team = g(6, "Group Based Team", AccessLevel::Group, Custom, None);
    team.privileges = custom(&["Read Policies", "Read Scripts"], &[]);
    team.classic_members_empty = false;
    vec![
        helpdesk,
        g(2, "Austin Site Admins", Site, Administrator, Some(2)),
        auditors,
        directory,
        g(5, "Enrollment Team", Full, EnrollmentOnly, None),
        team,
    ]
}

/// A deterministic "last password change" some weeks before a fixed date.
pub fn password_changed_at(offset_secs: i64) -> String {
    DateTime::from_timestamp(1_735_689_600 - offset_secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A Full Access, enabled Administrator with matching emails; callers adjust the rest.
pub fn base_account(id: i64, username: &str, full_name: &str, email: &str) -> Account {
    Account {
        id,
        username: username.to_owned(),
        full_name: full_name.to_owned(),
        email: email.to_owned(),
        email_address: email.to_owned(),
        phone: String::new(),
        enabled: true,
        failed_login_attempts: 0,
        force_password_change: false,
        last_password_change: password_changed_at(id * 604_800),
        access_level: AccessLevel::Full,
        privilege_set: PrivilegeSet::Administrator,
        site_id: None,
        ldap_server_id: None,
        distinguished_name: String::new(),
        federated: false,
        privileges: privileges::administrator(),
        group_ids: Vec::new(),
        render_empty_categories: false,
    }
}

fn set(account: &mut Account, privilege_set: PrivilegeSet) {
    account.privilege_set = privilege_set;
    account.privileges = privileges_of(privilege_set);
}

/// Group Access: the account's own privilege set is unrecorded for such accounts; `Custom`
/// with no own privileges is inferred (their privileges come from the groups).
fn group_access(account: &mut Account, groups: &[i64]) {
    account.access_level = AccessLevel::Group;
    set(account, PrivilegeSet::Custom);
    account.group_ids = groups.to_vec();
}

/// Accounts 1..=23; see the module docs of `sim` for what each one exercises.
pub fn accounts() -> Vec<Account> {
    let a = base_account;
    let mut out = vec![
        a(1, "admin", "Jane Doe", "jane.doe@example.com"),
        a(
            2,
            "rachel.green",
            "Rachel Green",
            "rachel.green@example.com",
        ),
        a(
            3,
            "peter.parker",
            "Peter Parker",
            "peter.parker@example.com",
        ),
        a(4, "Wrong_Permissions", "John Doe", "paul.ilaga@example.com"),
        a(5, "helpdesk.lead", "Sam O'Neil", "sam.oneil@example.com"),
        a(6, "jpublic", "John Public", "john.public@corp.example.com"),
        a(
            7,
            "mary.vanderberg",
            "Mary Ann van der Berg",
            "mary.vdb@example.com",
        ),
        a(8, "cher", "Cher", "cher@example.com"),
        a(9, "site.admin", "", "site.admin@example.com"),
        a(10, "alex.smith", "Alex Smith", "alex.smith@example.com"),
        a(11, "kim.lee", "Kim Lee", "kim.lee@example.com"),
        a(12, "sam.jones", "Sam Jones", "sam.jones@example.com"),
        a(13, "enroll.kiosk", "Enrollment Kiosk", "kiosk@example.com"),
        a(14, "wei.li", "Wei Li", "wei.li@example.com"),
        a(15, "chris.taylor", "Chris Taylor", "it-admins@example.com"),
        a(
            16,
            "pat.morgan",
            "Pat Morgan-Smith",
            "IT-Admins@example.com",
        ),
        a(17, "jose.garcia", "José García", "jose.garcia@example.com"),
        a(
            18,
            "dana.scully",
            "Dana Scully",
            "dana.scully@corp.example.com",
        ),
        a(19, "bob.jones", "Bob Jones", "bob.jones@example.com"),
        a(20, "rd.ops", "R&D <Ops> Team", "rd-ops@example.com"),
        a(21, "build.bot", "Build Bot", ""),
        a(
            22,
            "conan.obrien",
            "O'Brien, Conan \"Coco\"",
            "conan.obrien@example.com",
        ),
        a(23, "calc.sum", "=SUM(A1:A9)", "calc.sum@example.com"),
    ];
    // 2: Auditor, Disabled (not locked).
    set(&mut out[1], PrivilegeSet::Auditor);
    out[1].enabled = false;
    // 3: Disabled because locked out.
    out[2].enabled = false;
    out[2].failed_login_attempts = LOCKOUT_THRESHOLD;
    // 4: Custom with only jss_objects (real "Wrong_Permissions" account).
    out[3].privilege_set = PrivilegeSet::Custom;
    out[3].privileges = custom(
        &[
            "Read Advanced Computer Searches",
            "Read Computers",
            "Read Mobile Devices",
            "Read Accounts",
            "Read macOS Configuration Profiles",
            "Read User",
        ],
        &[],
    );
    // 5: Custom whose empty categories render as [] (the other real shape).
    out[4].privilege_set = PrivilegeSet::Custom;
    out[4].privileges = custom(
        &["Read Computers", "Update Computers"],
        &["Flush MDM Commands"],
    );
    out[4].render_empty_categories = true;
    out[4].phone = "715-555-0105".to_owned();
    // 6: directory (LDAP) user.
    out[5].ldap_server_id = Some(1);
    out[5].distinguished_name = "CN=John Public,OU=IT,DC=corp,DC=example,DC=com".to_owned();
    // 7, 8: Group Access; privileges only through groups.
    group_access(&mut out[6], &[1, 3]);
    group_access(&mut out[7], &[2]);
    // 9: Site Access with a site, empty full name.
    out[8].access_level = AccessLevel::Site;
    out[8].site_id = Some(1);
    // 10: empty email, populated email_address.
    out[9].email = String::new();
    set(&mut out[9], PrivilegeSet::Auditor);
    // 11: email and email_address differ only in case.
    out[10].email = "Kim.Lee@Example.COM".to_owned();
    // 12: whitespace padding.
    out[11].email = "  sam.jones@example.com ".to_owned();
    // 13: Enrollment Only.
    set(&mut out[12], PrivilegeSet::EnrollmentOnly);
    // 14: FEDERATED account type.
    out[13].federated = true;
    set(&mut out[13], PrivilegeSet::Auditor);
    // 15, 16: the same mailbox on two accounts (case differs).
    // 17: Site Access Custom in another site; non-ASCII name.
    out[16].access_level = AccessLevel::Site;
    out[16].site_id = Some(3);
    out[16].privilege_set = PrivilegeSet::Custom;
    out[16].privileges = custom(&["Read Computers", "Update Computers"], &[]);
    // 18: directory user in the LDAP-backed group.
    group_access(&mut out[17], &[4]);
    out[17].ldap_server_id = Some(1);
    out[17].distinguished_name = "CN=Dana Scully,OU=IT,DC=corp,DC=example,DC=com".to_owned();
    // 19: must change password; some failed logins but not locked.
    out[18].force_password_change = true;
    out[18].failed_login_attempts = LOCKOUT_THRESHOLD - 1;
    // 20: XML-special characters; two groups.
    group_access(&mut out[19], &[6, 5]);
    // 21: no email at all (a shared or robot login nobody can be tied to).
    // 22: a comma and double quotes in the name (CSV quoting).
    set(&mut out[21], PrivilegeSet::Auditor);
    // 23: a name a spreadsheet would run as a formula (CSV injection).
    set(&mut out[22], PrivilegeSet::Auditor);
    out
}

/// API roles and integrations; id 1 of each belongs to the configured client.
pub fn api_clients(config: &SimConfig) -> (Vec<ApiRole>, Vec<ApiIntegration>) {
    let names = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let roles = vec![
        ApiRole {
            id: CLIENT_ROLE_ID,
            display_name: "Sim Client Role".to_owned(),
            privileges: config.client_privileges.clone(),
        },
        ApiRole {
            id: 2,
            display_name: "Inventory Reader".to_owned(),
            privileges: names(&["Read Computers", "Read Mobile Devices"]),
        },
        ApiRole {
            id: 3,
            display_name: "Account Admin".to_owned(),
            privileges: names(&[
                "Create Accounts",
                "Read Accounts",
                "Update Accounts",
                "Delete Accounts",
            ]),
        },
    ];
    let integration =
        |id, name: &str, client_id: &str, enabled, scopes: &[&str], life| ApiIntegration {
            id,
            display_name: name.to_owned(),
            client_id: client_id.to_owned(),
            enabled,
            authorization_scopes: names(scopes),
            access_token_lifetime_seconds: life,
        };
    let integrations = vec![
        integration(
            1,
            "jamf-directory",
            &config.client_id,
            config.client_enabled,
            &["Sim Client Role"],
            config.token_lifetime_secs,
        ),
        integration(
            2,
            "Inventory Sync",
            "538878d4-9744-43ed-8732-3df99d502bd6",
            true,
            &["Inventory Reader"],
            300,
        ),
        integration(
            3,
            "Old Provisioner",
            "0f6d2f4e-3c1b-4b8e-9a55-7d2f1c9e8b10",
            config.provisioner_enabled,
            &["Account Admin", "Inventory Reader"],
            14_400,
        ),
    ];
    (roles, integrations)
}

/// An inventory user with matching emails, no phone, position, LDAP server or site.
pub fn base_user(id: i64, username: &str, full_name: &str, email: &str) -> InventoryUser {
    InventoryUser {
        id,
        username: username.to_owned(),
        full_name: full_name.to_owned(),
        email: email.to_owned(),
        email_address: email.to_owned(),
        phone_number: String::new(),
        position: String::new(),
        ldap_server_id: None,
        site_ids: Vec::new(),
    }
}

/// Inventory users 1..=11; see the module docs of `sim` for what each one exercises. Some
/// share a mailbox with an administrator account (the same person in both lists).
pub fn inventory_users() -> Vec<InventoryUser> {
    let u = base_user;
    let mut out = vec![
        u(
            1,
            "jane.appleseed",
            "Jane Appleseed",
            "jane.appleseed@example.com",
        ),
        u(2, "mo.ibrahim", "Mo Ibrahim", "mo.ibrahim@example.com"),
        u(3, "alex.smith", "Alex Smith", "alex.smith@example.com"),
        u(4, "kim.lee", "Kim Lee", "kim.lee@example.com"),
        u(5, "sam.jones", "Sam Jones", "sam.jones@example.com"),
        u(6, "jpublic", "John Public", "john.public@corp.example.com"),
        u(7, "pat.morgan", "Pat Morgan", "pat.morgan@example.com"),
        u(8, "shared.ipad", "Shared iPad", "shared.ipad@example.com"),
        u(9, "svc.scanner", "", "scanner@example.com"),
        u(
            10,
            "O'Brien, Conan <R&D>",
            "Conan \"Coco\" O'Brien & Co.",
            "conan.obrien@example.com",
        ),
        u(11, "robin.solo", "Robin Solo", "robin.solo@example.com"),
    ];
    let sites: [&[i64]; FIXED_INVENTORY_USERS] = [
        &[1],
        &[1],
        &[2],
        &[1],
        &[3],
        &[1],
        &[1, 2],
        &[],
        &[3],
        &[2],
        &[3],
    ];
    for (user, sites) in out.iter_mut().zip(sites) {
        user.site_ids = sites.to_vec();
    }
    // 1: a plain user in one static group.
    out[0].phone_number = "715-555-0101".to_owned();
    out[0].position = "Engineer".to_owned();
    // 2: a static and a smart group (the smart one selects on this position).
    out[1].position = MANAGER_POSITION.to_owned();
    // 3: empty email, populated email_address.
    out[2].email = String::new();
    // 4: email and email_address differ only in case.
    out[3].email = "Kim.Lee@Example.COM".to_owned();
    // 5: whitespace padding.
    out[4].email = "  sam.jones@example.com ".to_owned();
    // 6: looked up in a directory.
    out[5].ldap_server_id = Some(1);
    out[5].position = "Analyst".to_owned();
    // 7: two sites; 8: none; 9: empty full name; 10: XML-special characters and a comma in
    // the name; 11: in no group.
    out[6].phone_number = "512-555-0107".to_owned();
    out
}

/// User groups 1..=4 with their fixed members; `generate::inventory` adds seeded members
/// and fills the smart group [`MANAGERS_GROUP`] from the users' positions.
pub fn user_groups() -> Vec<UserGroup> {
    let g = |id, name: &str, is_smart, site_id, members: &[i64]| UserGroup {
        id,
        name: name.to_owned(),
        is_smart,
        site_id,
        member_ids: members.to_vec(),
    };
    vec![
        g(1, "Engineering", false, None, &[1, 2, 6]),
        g(MANAGERS_GROUP, "Managers", true, None, &[]),
        g(3, "Austin Loaners", false, Some(2), &[7]),
        g(4, "Former Staff", false, None, &[]),
    ]
}
