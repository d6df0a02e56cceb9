//! The v1 plan and the Classic plan must give the same user, apart from what only one API
//! reports (documented on `normalize::account`).

use serde_json::json;

use super::super::normalize_directory;
use super::*;
use crate::directory::model::{MfaEvidence, Permissions, RemoteData, Shared, User, ViaKind};

/// Blanks the fields only one API reports, so the rest can be compared.
fn comparable(mut user: User) -> User {
    user.remote_data = RemoteData::new(&Value::Null);
    user.permissions = Permissions::default();
    user.last_password_change_at = None;
    user.status_detail = None;
    drop_evidence(&mut user, |fact| {
        matches!(fact, MfaEvidence::AccountType(_))
    });
    user
}

fn drop_evidence(user: &mut User, drop: impl Fn(&MfaEvidence) -> bool) {
    let mut mfa = (*user.mfa).clone();
    mfa.evidence.retain(|fact| !drop(fact));
    user.mfa = Shared::new(mfa);
}

fn users_of(accounts: Vec<AccountRecord>) -> Vec<User> {
    normalize_directory(&directory(accounts, vec![])).users
}

/// The Jamf reference `UserAccount` example and the Classic detail of the same account.
fn administrator_both_ways() -> (AccountRecord, AccountRecord) {
    let page: crate::jamf::records::V1AccountPage =
        parse_json(fixtures::V1_ACCOUNTS).expect("fixture");
    let v1 = AccountRecord {
        v1: page.results.into_iter().next(),
        classic: None,
    };
    let classic = classic_account(json!({
        "id": 1, "name": "testusername", "directory_user": false, "full_name": "Bob Jones",
        "email": "bob@jamf.com", "email_address": "bob@jamf.com", "enabled": "Enabled",
        "force_password_change": true, "access_level": "Full Access", "privilege_set": "Administrator",
        "privileges": {"jss_objects": ["Create Computers", "Read Computers"], "jss_settings": ["Update SSO Settings"]}
    }));
    (v1, classic)
}

#[test]
fn administrator_agrees_across_plans() {
    let (v1, classic) = administrator_both_ways();
    let from_v1 = users_of(vec![v1]).remove(0);
    let from_classic = users_of(vec![classic]).remove(0);
    assert_eq!(
        comparable(from_v1.clone()),
        comparable(from_classic.clone())
    );

    let set_only: Vec<_> = from_v1
        .permissions
        .iter()
        .map(|p| (p.name, p.category, p.via.kind))
        .collect();
    assert_eq!(
        set_only,
        [("Administrator", Some("privilege_set"), ViaKind::Account)],
        "v1 names the set honestly"
    );
    assert_eq!(
        from_classic.permissions.len(),
        3,
        "Classic lists the expanded privileges"
    );
    assert!(
        from_v1.last_password_change_at.is_some() && from_classic.last_password_change_at.is_none()
    );
}

#[test]
fn disabled_custom_site_account_agrees_across_plans() {
    let classic_detail = json!({
        "id": 21, "name": "site.helper", "directory_user": false, "full_name": "Sam Lee", "email": "sam@example.com",
        "email_address": "", "enabled": "Disabled", "force_password_change": false,
        "access_level": "Site Access", "privilege_set": "Custom", "site": {"id": 2, "name": "Eau Claire"},
        "privileges": {"jss_objects": [{"privilege": "Read Computers"}]}
    });
    let v1_record = json!({
        "id": "21", "username": "site.helper", "realname": "Sam Lee", "email": "sam@example.com",
        "ldapServerId": -1, "siteId": 2, "accessLevel": "SiteAccess", "privilegeLevel": "CUSTOM",
        "changePasswordOnNextLogin": false, "failedLoginAttempts": 3, "accountStatus": "Disabled", "accountType": "DEFAULT"
    });
    // The v1 plan reads Classic detail for Custom accounts, so it has both records.
    let v1_plan = AccountRecord {
        v1: Some(with_raw(v1_record.clone())),
        classic: Some(with_raw(classic_detail.clone())),
    };
    let from_v1_plan = users_of(vec![v1_plan]).remove(0);
    let from_classic = users_of(vec![classic_account(classic_detail)]).remove(0);
    assert_eq!(
        from_v1_plan.permissions, from_classic.permissions,
        "both read Classic privileges"
    );
    assert_eq!(
        comparable(from_v1_plan.clone()),
        comparable(from_classic.clone())
    );
    assert!(
        from_v1_plan
            .status_detail
            .as_deref()
            .is_some_and(|d| d.contains("3 failed login attempts"))
    );
    assert!(
        from_classic
            .status_detail
            .as_deref()
            .is_some_and(|d| d.contains("locked out"))
    );
    assert_eq!(
        remote(&from_v1_plan.remote_data)
            .as_object()
            .map(|o| o.len()),
        Some(2),
        "both raw records kept"
    );

    // Without the Classic detail, the unknown Custom privileges are named, not invented.
    let v1_only = users_of(vec![v1_account(v1_record)]).remove(0);
    let names: Vec<_> = v1_only
        .permissions
        .iter()
        .map(|p| (p.name, p.category))
        .collect();
    assert_eq!(names, [("Custom", Some("privilege_set"))]);
    // Unknown privileges also leave open whether the failover login is possible.
    let without_failover = |user: User| {
        let mut user = comparable(user);
        drop_evidence(&mut user, |fact| {
            matches!(fact, MfaEvidence::FailoverLoginPossible(_))
        });
        user
    };
    assert_eq!(without_failover(v1_only), without_failover(from_classic));
}
