//! Access-review findings: what a compliance check (Sprinto's "MFA enabled for Jamf users" and
//! the like) would otherwise rebuild from raw records. Each finding names one principal and the
//! facts it rests on; its id is `<kind>:<subject id>`, stable across refreshes.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::directory::model::{
    DirectorySnapshot, MfaEvidence, User, UserStatus, UserType, compare_ids,
};

/// What a finding is about; the `kind` filter takes these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// An active admin whose login is not behind the IdP (`is_2fa_enabled: false`).
    MfaNotEnforced,
    /// An active admin whose MFA posture is unknown (`is_2fa_enabled: null`).
    MfaUnknown,
    /// SSO is enforced, but this local admin can still sign in at `?failover` with a password.
    FailoverLoginPossible,
    /// An active admin with no email: the account cannot be tied to a person.
    UnattributableAccount,
    /// An enabled API client holding a Create, Update or Delete privilege.
    PrivilegedApiClient,
    /// An active local admin whose password is older than `access_review.password_max_age_days`.
    PasswordNotRotated,
}

impl FindingKind {
    pub const ALL: [Self; 6] = [
        Self::MfaNotEnforced,
        Self::MfaUnknown,
        Self::FailoverLoginPossible,
        Self::UnattributableAccount,
        Self::PrivilegedApiClient,
        Self::PasswordNotRotated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MfaNotEnforced => "mfa_not_enforced",
            Self::MfaUnknown => "mfa_unknown",
            Self::FailoverLoginPossible => "failover_login_possible",
            Self::UnattributableAccount => "unattributable_account",
            Self::PrivilegedApiClient => "privileged_api_client",
            Self::PasswordNotRotated => "password_not_rotated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    pub fn severity(self) -> Severity {
        match self {
            Self::MfaNotEnforced => Severity::High,
            Self::MfaUnknown
            | Self::FailoverLoginPossible
            | Self::UnattributableAccount
            | Self::PrivilegedApiClient => Severity::Medium,
            Self::PasswordNotRotated => Severity::Low,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    High,
    Medium,
    Low,
}

impl Severity {
    pub const ALL: [Self; 3] = [Self::High, Self::Medium, Self::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// One finding about one principal.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Finding {
    /// `<kind>:<subject id>`: the same finding keeps its id across refreshes.
    #[schema(example = "mfa_not_enforced:16")]
    pub id: String,
    pub kind: FindingKind,
    pub severity: Severity,
    pub subject: Subject,
    /// One sentence, for a human.
    #[schema(
        example = "Active admin pat.morgan can sign in with a password alone: SSO is disabled: the account signs in with a password alone"
    )]
    pub summary: String,
    /// The facts the finding rests on.
    pub evidence: Vec<Evidence>,
}

/// The principal a finding is about.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Subject {
    /// `admin` or `service-account`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "admin")]
    pub subject_type: UserType,
    /// The user id of the unified API.
    #[schema(example = "16")]
    pub id: String,
    #[schema(example = "pat.morgan")]
    pub username: Option<String>,
    pub emails: Vec<String>,
}

/// A fact behind a finding: `{"fact": "...", "value": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Evidence {
    #[schema(example = "is_2fa_enabled")]
    pub fact: String,
    /// Any JSON value: a boolean, a string, a date, a list of privilege names.
    #[schema(value_type = Object, example = false)]
    pub value: Value,
}

impl Evidence {
    fn new(fact: &str, value: Value) -> Self {
        Self {
            fact: fact.to_owned(),
            value,
        }
    }
}

/// The thresholds findings use, and the time they are judged at.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub password_max_age_days: u32,
    pub now: DateTime<Utc>,
}

/// The `kind` and `severity` filters; both given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingFilter {
    pub kind: Option<FindingKind>,
    pub severity: Option<Severity>,
}

impl FindingFilter {
    pub fn matches(&self, finding: &Finding) -> bool {
        self.kind.is_none_or(|k| finding.kind == k)
            && self.severity.is_none_or(|s| finding.severity == s)
    }

    /// A canonical rendering, so a cursor can be bound to the filters that produced it.
    pub fn canonical(&self) -> String {
        format!("{self:?}")
    }
}

/// Privilege-name prefixes that change Jamf: an API client holding one can write.
const WRITE_PREFIXES: [&str; 3] = ["Create ", "Update ", "Delete "];

/// Every finding of `snapshot`, sorted by id (the keyset order of the lists).
pub fn findings(snapshot: &DirectorySnapshot, policy: &Policy) -> Vec<Finding> {
    let mut out: Vec<Finding> = snapshot
        .users
        .iter()
        .filter(|user| user.status == UserStatus::Active)
        .flat_map(|user| match user.user_type {
            UserType::Admin => admin_findings(user, policy),
            UserType::ServiceAccount => api_client_findings(user).into_iter().collect(),
        })
        .collect();
    out.sort_by(|a, b| compare_ids(&a.id, &b.id));
    out
}

fn admin_findings(user: &User, policy: &Policy) -> Vec<Finding> {
    let name = display(user);
    let mfa_facts = || {
        let mut facts = vec![
            Evidence::new("is_2fa_enabled", json!(user.is_2fa_enabled)),
            Evidence::new("mfa_status", json!(user.mfa.status)),
        ];
        facts.extend(user.mfa.evidence.iter().map(mfa_evidence));
        facts
    };
    let mut out = Vec::new();
    match user.is_2fa_enabled {
        Some(false) => out.push(finding(
            FindingKind::MfaNotEnforced,
            user,
            format!(
                "Active admin {name} can sign in with a password alone: {}",
                user.mfa.summary
            ),
            mfa_facts(),
        )),
        None => out.push(finding(
            FindingKind::MfaUnknown,
            user,
            format!(
                "Whether active admin {name} signs in through the identity provider is unknown: {}",
                user.mfa.summary
            ),
            mfa_facts(),
        )),
        Some(true) => {}
    }
    let failover = user
        .mfa
        .evidence
        .contains(&MfaEvidence::FailoverLoginPossible(true));
    if user.is_2fa_enabled == Some(true) && failover {
        out.push(finding(
            FindingKind::FailoverLoginPossible,
            user,
            format!(
                "SSO is enforced, but active local admin {name} may update SSO settings and so can still sign in with a password at the failover login URL"
            ),
            mfa_facts(),
        ));
    }
    if user.emails.is_empty() {
        out.push(finding(
            FindingKind::UnattributableAccount,
            user,
            format!("Active admin {name} has no email address, so it cannot be tied to a person"),
            vec![
                Evidence::new("emails", json!([])),
                Evidence::new("name", json!(user.name)),
            ],
        ));
    }
    out.extend(stale_password(user, policy, &name));
    out
}

/// `password_not_rotated`, only where Jamf gives the date (the Jamf Pro API does, Classic
/// does not) and only for local accounts: LDAP and federated passwords live elsewhere.
fn stale_password(user: &User, policy: &Policy, name: &str) -> Option<Finding> {
    let changed = user.last_password_change_at?;
    let federated =
        user.mfa.evidence.iter().any(
            |e| matches!(e, MfaEvidence::AccountType(t) if t.eq_ignore_ascii_case("FEDERATED")),
        );
    if user.is_directory_user == Some(true) || federated {
        return None;
    }
    let max_age = Duration::days(i64::from(policy.password_max_age_days));
    let age = policy.now - changed;
    (age > max_age).then(|| {
        finding(
            FindingKind::PasswordNotRotated,
            user,
            format!(
                "Active local admin {name} last changed its password {} days ago (policy: {} days)",
                age.num_days(),
                policy.password_max_age_days
            ),
            vec![
                Evidence::new("last_password_change_at", json!(rfc3339(changed))),
                Evidence::new("password_age_days", json!(age.num_days())),
                Evidence::new("password_max_age_days", json!(policy.password_max_age_days)),
            ],
        )
    })
}

fn api_client_findings(user: &User) -> Option<Finding> {
    let mut writes: Vec<&str> = user
        .permissions
        .iter()
        .map(|p| p.name)
        .filter(|name| WRITE_PREFIXES.iter().any(|prefix| name.starts_with(prefix)))
        .collect();
    writes.sort_unstable();
    writes.dedup();
    if writes.is_empty() {
        return None;
    }
    let roles: Vec<&str> = user.roles.iter().map(|r| r.name.as_str()).collect();
    Some(finding(
        FindingKind::PrivilegedApiClient,
        user,
        format!(
            "Enabled API client {} can change Jamf Pro: it holds {} Create, Update or Delete privilege(s)",
            display(user),
            writes.len()
        ),
        vec![
            Evidence::new("write_privileges", json!(writes)),
            Evidence::new("api_roles", json!(roles)),
        ],
    ))
}

fn finding(kind: FindingKind, user: &User, summary: String, evidence: Vec<Evidence>) -> Finding {
    Finding {
        id: format!("{}:{}", kind.as_str(), user.id),
        kind,
        severity: kind.severity(),
        subject: Subject {
            subject_type: user.user_type,
            id: user.id.clone(),
            username: user.username.clone(),
            emails: user.emails.iter().map(|e| e.email.clone()).collect(),
        },
        summary,
        evidence,
    }
}

/// An MFA fact as a finding's evidence: the same `{fact, value}` the user record carries.
fn mfa_evidence(fact: &MfaEvidence) -> Evidence {
    match serde_json::to_value(fact) {
        Ok(Value::Object(mut object)) => {
            let name = match object.remove("fact") {
                Some(Value::String(name)) => name,
                _ => String::new(),
            };
            Evidence {
                fact: name,
                value: object.remove("value").unwrap_or(Value::Null),
            }
        }
        // An enum of plain values always serializes to an object; nothing to report else.
        _ => Evidence::new("mfa_evidence", Value::Null),
    }
}

fn display(user: &User) -> String {
    match &user.username {
        Some(username) => format!("{username} (id {})", user.id),
        None => format!("id {}", user.id),
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::model::{MfaStatus, Shared};
    use crate::review::test_users::{admin, api_client, at, mfa, snapshot};

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
}
