use serde_json::json;

use super::*;
use crate::directory::model::test_users::{admin, api_client, emails, mfa, role};
use crate::directory::model::{GroupRef, MfaStatus, Shared};

fn ids(changes: &[UserChange]) -> Vec<(&str, ChangeKind, bool)> {
    changes
        .iter()
        .map(|c| (c.user_id.as_str(), c.change, c.escalation))
        .collect()
}

fn fields(change: &UserChange) -> Vec<&str> {
    change.changes.iter().map(|f| f.field).collect()
}

#[test]
fn identical_sets_have_no_changes() {
    let users = vec![admin("1", "a", "a@x.io"), admin("2", "b", "b@x.io")];
    assert!(diff(&users, &users.clone()).is_empty());
    assert!(diff(&[], &[]).is_empty());
}

#[test]
fn joiners_and_leavers_in_id_order_with_numeric_ids_ordered_as_numbers() {
    let before = vec![admin("2", "b", ""), admin("10", "j", "")];
    let mut inactive = admin("9", "i", "");
    inactive.status = UserStatus::Inactive;
    let after = vec![inactive, admin("10", "j", ""), admin("11", "k", "")];
    assert_eq!(
        ids(&diff(&before, &after)),
        [
            ("2", ChangeKind::Left, false),
            // Joining disabled gives no access yet; joining active does.
            ("9", ChangeKind::Joined, false),
            ("11", ChangeKind::Joined, true),
        ]
    );
}

#[test]
fn each_compared_field_is_named_with_before_and_after() {
    let old = admin("1", "a", "a@x.io");
    let cases: Vec<(&str, Box<dyn Fn(&mut User)>, bool)> = vec![
        (
            "status",
            Box::new(|u| u.status = UserStatus::Inactive),
            false,
        ),
        (
            "roles",
            Box::new(|u| u.roles = Shared::new(vec![role("auditor", "Auditor")])),
            true,
        ),
        (
            "access_level",
            Box::new(|u| u.access_level = Some(AccessLevel::SiteAccess)),
            true,
        ),
        (
            "groups",
            Box::new(|u| {
                u.groups = Shared::new(vec![GroupRef {
                    id: "3".into(),
                    name: Some("Helpdesk".into()),
                }])
            }),
            false,
        ),
        (
            "emails",
            Box::new(|u| u.emails = emails(&["new@x.io"])),
            false,
        ),
        (
            "is_2fa_enabled",
            Box::new(|u| u.is_2fa_enabled = Some(false)),
            false,
        ),
    ];
    for (field, change, escalation) in cases {
        let mut new = old.clone();
        change(&mut new);
        let found = diff(std::slice::from_ref(&old), &[new]);
        assert_eq!(found.len(), 1, "{field}");
        assert_eq!(fields(&found[0]), [field], "{field}");
        assert_eq!(found[0].escalation, escalation, "{field}");
        assert_eq!(found[0].change, ChangeKind::Changed);
    }
}

#[test]
fn a_disabled_admin_is_a_status_change_and_not_an_escalation() {
    let old = admin("4", "d", "d@x.io");
    let mut new = old.clone();
    new.status = UserStatus::Inactive;
    let found = diff(&[old.clone()], &[new.clone()]);
    assert_eq!(
        found[0].changes,
        [FieldChange {
            field: "status",
            before: json!("active"),
            after: json!("inactive"),
        }]
    );
    assert!(!found[0].escalation);
    // Re-enabled: an escalation.
    assert!(diff(&[new], &[old])[0].escalation);
}

#[test]
fn permissions_list_the_names_lost_and_gained() {
    let old = api_client("1", "ci", true, &["Read Computers", "Delete Computers"]);
    let new = api_client("1", "ci", true, &["Read Computers", "Update Computers"]);
    let found = diff(&[old.clone()], &[new]);
    assert_eq!(
        found[0].changes,
        [FieldChange {
            field: "permissions",
            before: json!(["Delete Computers"]),
            after: json!(["Update Computers"]),
        }]
    );
    assert!(found[0].escalation, "a gained permission escalates");
    let fewer = api_client("1", "ci", true, &["Read Computers"]);
    assert!(!diff(&[old], &[fewer])[0].escalation, "losing one does not");
}

#[test]
fn access_level_escalates_only_when_it_reaches_further() {
    let mut site = admin("1", "a", "");
    site.access_level = Some(AccessLevel::SiteAccess);
    let mut full = site.clone();
    full.access_level = Some(AccessLevel::FullAccess);
    assert!(diff(&[site.clone()], &[full.clone()])[0].escalation);
    assert!(!diff(&[full], &[site])[0].escalation);
}

#[test]
fn mfa_status_and_remote_only_differences() {
    let old = admin("1", "a", "");
    let mut new = old.clone();
    new.mfa = Shared::new(mfa(MfaStatus::NotEnforced, vec![]));
    let found = diff(&[old.clone()], &[new]);
    assert_eq!(fields(&found[0]), ["mfa.status"]);
    assert_eq!(found[0].changes[0].after, json!("not_enforced"));
    // Fields outside the compared list (a new full name) are not a change.
    let mut renamed = old.clone();
    renamed.name = Some("Another Name".into());
    assert!(diff(&[old], &[renamed]).is_empty());
}

#[test]
fn summary_counts_each_kind_and_escalations() {
    let before = vec![admin("1", "a", ""), admin("2", "b", "")];
    let mut b = admin("2", "b", "");
    b.roles = Shared::new(vec![
        role("administrator", "Administrator"),
        role("auditor", "Auditor"),
    ]);
    let after = vec![b, admin("3", "c", "")];
    let summary = ChangeSummary::of(&diff(&before, &after));
    assert_eq!(
        summary,
        ChangeSummary {
            joined: 1,
            left: 1,
            changed: 1,
            escalations: 2,
        }
    );
}
