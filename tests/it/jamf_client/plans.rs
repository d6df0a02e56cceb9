//! The fetch plans against the simulator: complete data, and request counts equal to the
//! documented formulas.

use jamf_directory::jamf::records::{JamfDirectory, SourceRead};
use jamf_directory::jamf::{PlanInputs, PlanKind, planned_requests};
use jamf_sim::Faults;
use jamf_sim::SimServer;
use jamf_sim::{AccessLevel, PrivilegeSet};

use super::{TOKEN, V1_ACCOUNTS, client, hub, oauth, sim};

/// Fetches a directory with a fresh client and returns it with the data GETs it made.
async fn fetch_counting(sim: &SimServer) -> (JamfDirectory, u64) {
    let client = client(&hub(|_| {}), sim.base_url(), oauth(sim));
    client.version().await.expect("version");
    sim.control().reset_stats();
    let directory = client.fetch_directory().await.expect("directory");
    let stats = sim.control().stats();
    let data_gets = stats.requests_total - stats.count(TOKEN);
    (directory, data_gets)
}

/// The plan inputs as the simulator's dataset states them: the v1 plan reads the Classic
/// detail of CUSTOM accounts, of Group Access accounts in no group, and of one holder per
/// built-in set.
fn dataset_inputs(sim: &SimServer) -> PlanInputs {
    let data = sim.control().dataset();
    let built_in_sets = [
        PrivilegeSet::Administrator,
        PrivilegeSet::Auditor,
        PrivilegeSet::EnrollmentOnly,
    ];
    let holders = |set: &PrivilegeSet| {
        data.accounts
            .iter()
            .any(|a| a.privilege_set == *set && a.access_level != AccessLevel::Group)
    };
    let custom_or_unlisted = data
        .accounts
        .iter()
        .filter(|a| match a.access_level {
            AccessLevel::Group => a.group_ids.is_empty(),
            _ => a.privilege_set == PrivilegeSet::Custom,
        })
        .count();
    PlanInputs {
        accounts: data.accounts.len(),
        groups: data.groups.len(),
        classic_account_details: custom_or_unlisted
            + built_in_sets.iter().filter(|set| holders(set)).count(),
        api_roles: data.api_roles.len(),
        api_clients: data.api_integrations.len(),
    }
}

#[tokio::test]
async fn both_plans_read_everything_in_the_planned_number_of_calls() {
    let sim = sim(|c| c.accounts = 120).await;
    let expected = dataset_inputs(&sim);

    let (v1, v1_gets) = fetch_counting(&sim).await;
    assert_eq!(PlanInputs::of(&v1), expected);
    assert_eq!(v1_gets as usize, planned_requests(PlanKind::V1, &expected));
    assert!(v1.accounts.iter().all(|a| a.v1.is_some()));
    assert!(matches!(v1.sso, SourceRead::Ok(_)));

    sim.control().set_jamf_version("10.42.1");
    let (classic, classic_gets) = fetch_counting(&sim).await;
    assert_eq!(classic.accounts.len(), expected.accounts);
    assert_eq!(classic.groups.len(), expected.groups);
    assert!(classic.accounts.iter().all(|a| a.classic.is_some()));
    assert_eq!(
        classic_gets as usize,
        planned_requests(PlanKind::Classic, &expected)
    );

    let ids = |d: &JamfDirectory| {
        let mut ids: Vec<String> = d
            .accounts
            .iter()
            .filter_map(|a| a.id().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&v1), ids(&classic), "both plans see the same accounts");
    assert!(
        v1_gets * 3 < classic_gets,
        "v1 {v1_gets} vs Classic {classic_gets}"
    );
}

#[tokio::test]
async fn a_forbidden_sso_read_leaves_the_snapshot_standing() {
    let sim = sim(|_| {}).await;
    let faults = Faults {
        missing_privileges: vec!["Read SSO Settings".into()],
        ..Faults::default()
    };
    sim.control().set_faults(faults).expect("faults");
    let client = client(&hub(|_| {}), sim.base_url(), oauth(&sim));
    let directory = client.fetch_directory().await.expect("snapshot");
    let forbidden = SourceRead::Forbidden {
        privilege: Some("Read SSO Settings".to_owned()),
    };
    assert_eq!(directory.sso, forbidden);
    assert!(!directory.accounts.is_empty());
}

#[tokio::test]
async fn lists_longer_than_a_page_are_read_page_by_page() {
    let sim = sim(|c| c.accounts = 2 * jamf_directory::jamf::PAGE_SIZE + 100).await;
    let expected = dataset_inputs(&sim);
    let (directory, gets) = fetch_counting(&sim).await;
    assert_eq!(sim.control().stats().count(V1_ACCOUNTS), 3);
    assert_eq!(PlanInputs::of(&directory), expected);
    assert_eq!(gets as usize, planned_requests(PlanKind::V1, &expected));
}

/// The two plans normalize to the same directory, except where one API holds data the other
/// lacks (documented on `directory::normalize`): built-in privilege sets' expanded
/// permissions, password-change time and lockout hint (v1 only), MFA evidence of the account
/// type, and the raw records.
#[tokio::test]
async fn both_plans_normalize_to_the_same_directory() {
    use jamf_directory::directory::normalize::normalize_directory;
    use serde_json::Value;

    let sim = sim(|c| c.accounts = 80).await;
    let (v1, _) = fetch_counting(&sim).await;
    sim.control().set_jamf_version("10.42.1");
    let (classic, _) = fetch_counting(&sim).await;
    let (v1, classic) = (normalize_directory(&v1), normalize_directory(&classic));

    let comparable = |user: &jamf_directory::directory::model::User| {
        let mut value = serde_json::to_value(user).unwrap();
        let fields = value.as_object_mut().unwrap();
        for plan_specific in [
            "permissions",
            "last_password_change_at",
            "status_detail",
            "remote_data",
        ] {
            fields.remove(plan_specific);
        }
        let mfa = fields.remove("mfa").unwrap();
        fields.insert("mfa_status".into(), mfa["status"].clone());
        value
    };
    let users = |d: &jamf_directory::directory::model::DirectorySnapshot| -> Vec<Value> {
        d.users.iter().map(comparable).collect()
    };
    assert_eq!(v1.users.len(), classic.users.len());
    for (a, b) in users(&v1).iter().zip(users(&classic).iter()) {
        assert_eq!(a, b, "the same account, normalized from each plan");
    }
    let groups = |d: &jamf_directory::directory::model::DirectorySnapshot| -> Vec<(String, Value)> {
        d.groups
            .iter()
            .map(|g| (g.id.clone(), serde_json::to_value(&g.members).unwrap()))
            .collect()
    };
    assert_eq!(
        groups(&v1),
        groups(&classic),
        "groups and their members agree"
    );
    let ids = |d: &jamf_directory::directory::model::DirectorySnapshot| -> Vec<String> {
        d.roles
            .iter()
            .map(|r| r.id.clone())
            .chain(d.workspaces.iter().map(|w| w.id.clone()))
            .collect()
    };
    assert_eq!(ids(&v1), ids(&classic), "roles and workspaces agree");
}
