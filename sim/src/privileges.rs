//! A plausible Jamf Pro privilege catalogue and the expansions of the privilege sets.
//!
//! Jamf expands `Administrator` into every privilege and `Auditor` into every read privilege
//! in Classic detail (real 10.42.1 traffic: 335/82/73 and 84/42/3 entries). The names below
//! follow Jamf's spelling ("Read Computers", "Update Accounts"); the catalogue is generated,
//! not copied from a real instance, so counts differ from the recording.

use std::sync::{Arc, LazyLock};

/// Objects with Create/Read/Update/Delete privileges (`jss_objects`).
const OBJECTS: &[&str] = &[
    "Accounts",
    "Account Groups",
    "Advanced Computer Searches",
    "Advanced Mobile Device Searches",
    "Advanced User Searches",
    "API Integrations",
    "API Roles",
    "Buildings",
    "Categories",
    "Computer Enrollment Invitations",
    "Computer Extension Attributes",
    "Computer PreStage Enrollments",
    "Computers",
    "Departments",
    "Directory Bindings",
    "Disk Encryption Configurations",
    "Dock Items",
    "eBooks",
    "Enrollment Profiles",
    "iOS Configuration Profiles",
    "LDAP Servers",
    "Licensed Software",
    "Mac Applications",
    "macOS Configuration Profiles",
    "Mobile Device Applications",
    "Mobile Device Enrollment Invitations",
    "Mobile Device Extension Attributes",
    "Mobile Device PreStage Enrollments",
    "Mobile Devices",
    "Network Segments",
    "Packages",
    "Patch Management Software Titles",
    "Policies",
    "Printers",
    "Restricted Software",
    "Scripts",
    "Sites",
    "Smart Computer Groups",
    "Smart Mobile Device Groups",
    "Smart User Groups",
    "Static Computer Groups",
    "Static Mobile Device Groups",
    "Static User Groups",
    "User",
    "User Extension Attributes",
];

/// Settings with Read/Update privileges (`jss_settings`).
const SETTINGS: &[&str] = &[
    "Activation Code",
    "Apple Configurator Enrollment",
    "Automated Device Enrollment",
    "Cache",
    "Change Management",
    "Cloud Services Settings",
    "Computer Check-In",
    "Computer Inventory Collection",
    "Conditional Access",
    "Device Compliance Information",
    "GSX Connection",
    "Inventory Preload Records",
    "Jamf Pro Server URL",
    "Password Policy",
    "Re-enrollment",
    "Self Service",
    "SMTP Server",
    "SSO Settings",
    "User-Initiated Enrollment",
    "Webhooks",
];

/// Actions (`jss_actions`); the first three are the Auditor's (real 10.42.1 Auditor).
const ACTIONS: &[&str] = &[
    "Change Password",
    "View Event Logs",
    "View MDM command information in Jamf Pro API",
    "Allow User to Enroll",
    "Assign Users to Computers",
    "Assign Users to Mobile Devices",
    "Dismiss Notifications",
    "Enroll Computers and Mobile Devices",
    "Flush MDM Commands",
    "Flush Policy Logs",
    "Send Computer Remote Lock Command",
    "Send Computer Remote Wipe Command",
    "Send Mobile Device Lost Mode Command",
    "Send Mobile Device Remote Wipe Command",
    "Unmanage Computers",
    "Unmanage Mobile Devices",
    "View Disk Encryption Recovery Key",
    "View License Serial Numbers",
];

const RECON: &[&str] = &["Add Computers Remotely", "Create QuickAdd Packages"];
const CASPER_ADMIN: &[&str] = &["Use Casper Admin", "Save With Casper Admin"];

/// Number of failed logins after which Jamf locks an account (shown as `Disabled`).
pub const LOCKOUT_THRESHOLD: u32 = 3;

/// The five categories real Jamf emits, in its order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Privileges {
    pub jss_objects: Vec<String>,
    pub jss_settings: Vec<String>,
    pub jss_actions: Vec<String>,
    pub recon: Vec<String>,
    pub casper_admin: Vec<String>,
}

impl Privileges {
    /// `(category key, privileges)` in Jamf's order.
    pub fn categories(&self) -> [(&'static str, &[String]); 5] {
        [
            ("jss_objects", &self.jss_objects),
            ("jss_settings", &self.jss_settings),
            ("jss_actions", &self.jss_actions),
            ("recon", &self.recon),
            ("casper_admin", &self.casper_admin),
        ]
    }

    /// Every privilege, flattened (the shape of v1 `privileges`).
    pub fn flat(&self) -> Vec<String> {
        self.categories()
            .iter()
            .flat_map(|(_, p)| p.iter().cloned())
            .collect()
    }
}

fn crud(verbs: &[&str], nouns: &[&str]) -> Vec<String> {
    nouns
        .iter()
        .flat_map(|n| verbs.iter().map(move |v| format!("{v} {n}")))
        .collect()
}

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

static ADMINISTRATOR: LazyLock<Arc<Privileges>> = LazyLock::new(|| {
    Arc::new(Privileges {
        jss_objects: crud(&["Create", "Read", "Update", "Delete"], OBJECTS),
        jss_settings: crud(&["Read", "Update"], SETTINGS),
        jss_actions: owned(ACTIONS),
        recon: owned(RECON),
        casper_admin: owned(CASPER_ADMIN),
    })
});

static AUDITOR: LazyLock<Arc<Privileges>> = LazyLock::new(|| {
    Arc::new(Privileges {
        jss_objects: crud(&["Read"], OBJECTS),
        jss_settings: crud(&["Read"], SETTINGS),
        jss_actions: owned(&ACTIONS[..3]),
        ..Privileges::default()
    })
});

static ENROLLMENT: LazyLock<Arc<Privileges>> = LazyLock::new(|| {
    Arc::new(Privileges {
        jss_objects: owned(&[
            "Create Computer Enrollment Invitations",
            "Read Computer Enrollment Invitations",
            "Create Computers",
            "Read Computers",
            "Create Mobile Device Enrollment Invitations",
            "Read Mobile Device Enrollment Invitations",
            "Read Enrollment Profiles",
        ]),
        jss_actions: owned(&["Enroll Computers and Mobile Devices"]),
        recon: owned(RECON),
        ..Privileges::default()
    })
});

pub fn administrator() -> Arc<Privileges> {
    ADMINISTRATOR.clone()
}

pub fn auditor() -> Arc<Privileges> {
    AUDITOR.clone()
}

pub fn enrollment_only() -> Arc<Privileges> {
    ENROLLMENT.clone()
}

/// Every privilege name an API role may hold (`GET /api/v1/api-role-privileges`).
pub fn all_privilege_names() -> Vec<String> {
    ADMINISTRATOR.flat()
}

/// Whether `name` is in the catalogue.
pub fn is_known(name: &str) -> bool {
    ADMINISTRATOR
        .categories()
        .iter()
        .any(|(_, list)| list.iter().any(|p| p == name))
}

/// The privileges of the simulated client's API role by default: what the directory
/// service needs to read everything it normalizes.
pub fn default_client_privileges() -> Vec<String> {
    owned(&[
        "Read Accounts",
        "Read Account Groups",
        "Read Sites",
        "Read SSO Settings",
        "Read API Roles",
        "Read API Integrations",
        required::USERS,
        required::STATIC_USER_GROUPS,
        required::SMART_USER_GROUPS,
    ])
}

/// Privileges each endpoint requires (Jamf Pro API spec `x-required-privileges`,
/// Classic minimum-privileges page).
pub mod required {
    pub const ACCOUNTS: &str = "Read Accounts";
    pub const ACCOUNT_GROUPS: &str = "Read Account Groups";
    pub const SITES: &str = "Read Sites";
    pub const SSO: &str = "Read SSO Settings";
    pub const API_ROLES: &str = "Read API Roles";
    pub const API_INTEGRATIONS: &str = "Read API Integrations";
    /// Inventory users, Classic `/users` and `/api/v1/users` (`x-required-privileges` of
    /// `/v1/users` in the 11.26.1–11.30.1 schemas; the catalogue object is "User").
    pub const USERS: &str = "Read User";
    /// `/JSSResource/usergroups` and a static group's detail.
    pub const STATIC_USER_GROUPS: &str = "Read Static User Groups";
    /// A smart group's detail.
    pub const SMART_USER_GROUPS: &str = "Read Smart User Groups";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administrator_contains_every_category_and_auditor_only_reads() {
        let admin = administrator();
        assert!(admin.categories().iter().all(|(_, p)| !p.is_empty()));
        assert!(admin.jss_objects.contains(&"Update Accounts".to_owned()));
        let auditor = auditor();
        assert!(
            auditor
                .jss_objects
                .iter()
                .chain(&auditor.jss_settings)
                .all(|p| p.starts_with("Read "))
        );
        assert!(auditor.recon.is_empty() && auditor.casper_admin.is_empty());
    }

    #[test]
    fn default_client_privileges_exist_in_catalogue() {
        let all = all_privilege_names();
        for p in default_client_privileges() {
            assert!(all.contains(&p), "{p} missing from catalogue");
        }
    }
}
