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
    /// When evidence snapshots first showed this finding: the `taken_at` of the earliest
    /// snapshot in the unbroken run of snapshots that show it (null without snapshots).
    pub first_seen_at: Option<DateTime<Utc>>,
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
    #[schema(example = false)]
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
            // No console access, so nothing of an access review's concern.
            UserType::EndUser => Vec::new(),
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
        first_seen_at: None,
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
mod tests;
