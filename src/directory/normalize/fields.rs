//! Single-field rules: emails, name split, status, privilege-set and access-level naming.

use crate::directory::model::{AccessLevel, Email, UserStatus};
use crate::jamf::records::{self, JamfAccountStatus, PrivilegeSet};

/// Emails in the order given: trimmed, lowercased, empty ones dropped, duplicates removed;
/// the first is primary. Idempotent. Lowercasing (as JupiterOne does) makes the record the
/// same whichever Jamf API it came from — Jamf keeps `email` and `email_address` in
/// different cases — and lets reviewers match addresses across systems.
pub fn normalize_emails<'a>(candidates: impl IntoIterator<Item = &'a str>) -> Vec<Email> {
    let mut kept: Vec<String> = Vec::new();
    for candidate in candidates.into_iter().map(|c| c.trim().to_lowercase()) {
        if !candidate.is_empty() && !kept.contains(&candidate) {
            kept.push(candidate);
        }
    }
    kept.into_iter()
        .enumerate()
        .map(|(index, email)| Email {
            email,
            email_type: "work".to_owned(),
            is_primary: index == 0,
        })
        .collect()
}

/// The trimmed full name, or `None` when blank.
pub(super) fn full_name(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
}

/// `(first, last)` only when the name is exactly two words without a comma ("Doe, Jane"
/// is ambiguous); any other shape gives `(None, None)` rather than a guess.
pub(super) fn split_name(full_name: Option<&str>) -> (Option<String>, Option<String>) {
    let words: Vec<&str> = full_name.unwrap_or("").split_whitespace().collect();
    match words.as_slice() {
        [first, last] if !first.contains(',') && !last.contains(',') => {
            (Some((*first).to_owned()), Some((*last).to_owned()))
        }
        _ => (None, None),
    }
}

/// Status and, when it needs saying, why. Jamf shows accounts locked out by the password
/// policy as `Disabled`; failed login attempts (Jamf Pro API only) hint at that.
pub(super) fn status(
    raw: Option<&JamfAccountStatus>,
    failed_login_attempts: Option<i64>,
) -> (UserStatus, Option<String>) {
    match raw {
        Some(JamfAccountStatus::Enabled) => (UserStatus::Active, None),
        Some(JamfAccountStatus::Disabled) => (
            UserStatus::Inactive,
            Some(disabled_detail(failed_login_attempts)),
        ),
        Some(JamfAccountStatus::Other(raw)) => (
            UserStatus::Other(raw.clone()),
            Some(format!(
                "Jamf Pro reported the account status {raw:?}, which has no unified equivalent"
            )),
        ),
        None => (
            UserStatus::Unknown,
            Some("Jamf Pro did not report the account status".to_owned()),
        ),
    }
}

fn disabled_detail(failed_login_attempts: Option<i64>) -> String {
    match failed_login_attempts {
        Some(attempts) if attempts > 0 => format!(
            "Disabled in Jamf Pro; {attempts} failed login attempt{} suggest a lockout by the password policy",
            if attempts == 1 { "" } else { "s" }
        ),
        Some(_) => "Disabled in Jamf Pro; no failed login attempts, so disabled by an administrator rather than locked out".to_owned(),
        None => "Disabled in Jamf Pro (Jamf also shows accounts locked out by the password policy as Disabled)".to_owned(),
    }
}

/// The unified access level; an unknown Jamf spelling maps to none (it stays in `remote_data`).
pub(super) fn access_level(raw: Option<&records::JamfAccessLevel>) -> Option<AccessLevel> {
    match raw? {
        records::JamfAccessLevel::Full => Some(AccessLevel::FullAccess),
        records::JamfAccessLevel::Site => Some(AccessLevel::SiteAccess),
        records::JamfAccessLevel::Group => Some(AccessLevel::GroupAccess),
        records::JamfAccessLevel::Other(_) => None,
    }
}

/// The role id and display name of a privilege set: `administrator`, `auditor`,
/// `enrollment_only`, `custom`; an unknown set gets a slug of its Jamf spelling.
pub(super) fn privilege_set_role(set: &PrivilegeSet) -> (String, String) {
    let (id, name) = match set {
        PrivilegeSet::Administrator => ("administrator", "Administrator"),
        PrivilegeSet::Auditor => ("auditor", "Auditor"),
        PrivilegeSet::EnrollmentOnly => ("enrollment_only", "Enrollment Only"),
        PrivilegeSet::Custom => ("custom", "Custom"),
        PrivilegeSet::Other(raw) => return (slug(raw), raw.trim().to_owned()),
    };
    (id.to_owned(), name.to_owned())
}

fn slug(raw: &str) -> String {
    let slug: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let slug = slug.trim_matches('_');
    if slug.is_empty() {
        "unknown_privilege_set".to_owned()
    } else {
        slug.to_owned()
    }
}
