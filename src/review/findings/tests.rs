//! Findings, table-tested: each kind on its case and not on its neighbour.

use super::*;
use crate::directory::model::test_users::{admin, api_client, at, mfa, snapshot};
use crate::directory::model::{MfaStatus, Shared};

fn policy() -> Policy {
    Policy {
        password_max_age_days: 365,
        now: at("2026-01-01T00:00:00Z"),
    }
}

fn kinds_of(user: User) -> Vec<&'static str> {
    findings(&snapshot(vec![user]), &policy())
        .iter()
        .map(|f| f.kind.as_str())
        .collect()
}

fn with(mut user: User, change: impl FnOnce(&mut User)) -> User {
    change(&mut user);
    user
}

#[test]
fn each_kind_fires_on_its_case_and_not_on_its_neighbour() {
    let base = || admin("1", "jdoe", "jdoe@example.com");
    let no_sso = |u: &mut User| {
        u.is_2fa_enabled = Some(false);
        u.mfa = Shared::new(mfa(
            MfaStatus::NotEnforced,
            vec![MfaEvidence::SsoEnabled(false)],
        ));
    };
    let failover = |local: bool| {
        move |u: &mut User| {
            u.mfa = Shared::new(mfa(
                MfaStatus::EnforcedByIdp,
                vec![MfaEvidence::FailoverLoginPossible(local)],
            ))
        }
    };
    let cases: Vec<(&str, User, Vec<&str>)> = vec![
        ("SSO enforced, nothing to say", base(), vec![]),
        ("SSO off", with(base(), no_sso), vec!["mfa_not_enforced"]),
        (
            "SSO off but disabled",
            with(base(), |u| {
                no_sso(u);
                u.status = UserStatus::Inactive;
            }),
            vec![],
        ),
        (
            "unknown MFA",
            with(base(), |u| u.is_2fa_enabled = None),
            vec!["mfa_unknown"],
        ),
        (
            "failover possible",
            with(base(), failover(true)),
            vec!["failover_login_possible"],
        ),
        (
            "failover not possible",
            with(base(), failover(false)),
            vec![],
        ),
        (
            "failover while SSO bypass is allowed is the bigger finding alone",
            with(base(), |u| {
                failover(true)(u);
                u.is_2fa_enabled = Some(false);
            }),
            vec!["mfa_not_enforced"],
        ),
        (
            "no email",
            with(base(), |u| u.emails.clear()),
            vec!["unattributable_account"],
        ),
        (
            "old local password",
            with(base(), |u| {
                u.last_password_change_at = Some(at("2024-12-31T00:00:00Z"))
            }),
            vec!["password_not_rotated"],
        ),
        (
            "recent local password",
            with(base(), |u| {
                u.last_password_change_at = Some(at("2025-01-02T00:00:00Z"))
            }),
            vec![],
        ),
        (
            "old LDAP password",
            with(base(), |u| {
                u.last_password_change_at = Some(at("2020-01-01T00:00:00Z"));
                u.is_directory_user = Some(true);
            }),
            vec![],
        ),
        (
            "old federated password",
            with(base(), |u| {
                u.last_password_change_at = Some(at("2020-01-01T00:00:00Z"));
                u.mfa = Shared::new(mfa(
                    MfaStatus::EnforcedByIdp,
                    vec![MfaEvidence::AccountType("FEDERATED".into())],
                ));
            }),
            vec![],
        ),
        (
            "writing API client",
            api_client(
                "4",
                "Provisioner",
                true,
                &["Read Accounts", "Update Accounts"],
            ),
            vec!["privileged_api_client"],
        ),
        (
            "reading API client",
            api_client("5", "Inventory", true, &["Read Computers", "Read Updates"]),
            vec![],
        ),
        (
            "disabled writing API client",
            api_client("6", "Old", false, &["Delete Computers"]),
            vec![],
        ),
    ];
    for (case, user, expected) in cases {
        assert_eq!(kinds_of(user), expected, "{case}");
    }
}

#[test]
fn ids_are_kind_and_subject_sorted_for_keyset_paging() {
    let users = vec![
        with(admin("2", "b", ""), |u| u.is_2fa_enabled = Some(false)),
        with(admin("10", "c", ""), |u| u.is_2fa_enabled = Some(false)),
        api_client("1", "Writer", true, &["Create Policies"]),
    ];
    let ids: Vec<String> = findings(&snapshot(users), &policy())
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(
        ids,
        [
            "mfa_not_enforced:2",
            "mfa_not_enforced:10",
            "privileged_api_client:api-client-1",
            "unattributable_account:2",
            "unattributable_account:10",
        ]
    );
}

#[test]
fn a_finding_carries_its_subject_severity_and_evidence() {
    let user = with(admin("7", "kim", "kim@example.com"), |u| {
        u.is_2fa_enabled = Some(false);
        u.mfa = Shared::new(mfa(
            MfaStatus::NotEnforced,
            vec![MfaEvidence::SsoEnabled(false)],
        ));
    });
    let found = findings(&snapshot(vec![user]), &policy());
    let value = serde_json::to_value(&found[0]).unwrap();
    assert_eq!(
        value,
        json!({
            "id": "mfa_not_enforced:7",
            "kind": "mfa_not_enforced",
            "severity": "high",
            "subject": {"type": "admin", "id": "7", "username": "kim", "emails": ["kim@example.com"]},
            "summary": "Active admin kim (id 7) can sign in with a password alone: NotEnforced",
            "evidence": [
                {"fact": "is_2fa_enabled", "value": false},
                {"fact": "mfa_status", "value": "not_enforced"},
                {"fact": "sso_enabled", "value": false},
            ],
            "first_seen_at": null,
        })
    );
}

#[test]
fn filters_and_names_round_trip() {
    for kind in FindingKind::ALL {
        assert_eq!(FindingKind::parse(kind.as_str()), Some(kind));
        assert_eq!(json!(kind), json!(kind.as_str()));
    }
    for severity in Severity::ALL {
        assert_eq!(Severity::parse(severity.as_str()), Some(severity));
        assert_eq!(json!(severity), json!(severity.as_str()));
    }
    assert_eq!(FindingKind::parse("MFA_UNKNOWN"), None);
    let user = with(admin("1", "a", ""), |u| u.is_2fa_enabled = None);
    let all = findings(&snapshot(vec![user]), &policy());
    let medium = FindingFilter {
        severity: Some(Severity::Medium),
        ..FindingFilter::default()
    };
    assert_eq!(all.iter().filter(|f| medium.matches(f)).count(), 2);
    let unattributable = FindingFilter {
        kind: Some(FindingKind::UnattributableAccount),
        severity: Some(Severity::Medium),
    };
    assert_eq!(all.iter().filter(|f| unattributable.matches(f)).count(), 1);
}
