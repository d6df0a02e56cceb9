//! Leavers: Sprinto's "Jamf access removed on exit" check. Each person who left is matched to
//! Jamf accounts by any email and by username (trimmed, case-insensitive); API clients never
//! match. Groups backed by a directory are listed: people may hold access through them without
//! any Jamf account, which no match here can show.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::directory::model::{DirectorySnapshot, RoleRef, User, UserStatus, UserType};

/// Most people one request may check.
pub const MAX_PEOPLE: usize = 10_000;

/// A person who left, as the caller sent them (echoed back).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    #[schema(example = "pat.morgan@example.com")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[schema(example = "pat.morgan")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

impl Person {
    /// True when the person can be matched at all (a non-blank email or username).
    pub fn is_identified(&self) -> bool {
        [&self.email, &self.username]
            .into_iter()
            .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeaverStatus {
    /// At least one matching account is not `inactive` (active, or of unknown status).
    AccessRemains,
    /// Every matching account is `inactive`.
    AccessRemoved,
    /// No Jamf account matches.
    NotFound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchedOn {
    Email,
    Username,
}

/// A Jamf account a person matched.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AccountMatch {
    #[schema(example = "16")]
    pub user_id: String,
    #[schema(example = "pat.morgan")]
    pub username: Option<String>,
    /// The account's unified status: `active`, `inactive`, `unknown`, or Jamf's own word.
    #[schema(value_type = String, example = "active")]
    pub status: UserStatus,
    pub roles: Vec<RoleRef>,
    pub matched_on: Vec<MatchedOn>,
}

/// The verdict on one person, in the order sent.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LeaverResult {
    pub person: Person,
    pub status: LeaverStatus,
    pub matches: Vec<AccountMatch>,
}

/// A directory-backed group, whose members this check cannot see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct GroupNotChecked {
    #[schema(example = "4")]
    pub id: String,
    #[schema(example = "Directory Admins")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LeaversSummary {
    /// People checked.
    pub people: usize,
    pub access_remains: usize,
    pub access_removed: usize,
    pub not_found: usize,
    /// Account groups backed by a directory (LDAP): their members may hold Jamf access
    /// without a Jamf account of their own, so a `not_found` person may still get in through
    /// one. Check these in the directory itself. Empty when there are none.
    pub directory_groups_not_checked: Vec<GroupNotChecked>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LeaversReport {
    pub result: Vec<LeaverResult>,
    pub summary: LeaversSummary,
}

/// Normalizes an email or username for matching: trimmed, lowercased.
fn key(text: &str) -> String {
    text.trim().to_lowercase()
}

/// The admins of `snapshot` by normalized email and by normalized username.
struct Index<'a> {
    admins: Vec<&'a User>,
    by_email: HashMap<String, Vec<usize>>,
    by_username: HashMap<String, Vec<usize>>,
}

impl<'a> Index<'a> {
    fn new(snapshot: &'a DirectorySnapshot) -> Self {
        let admins: Vec<&User> = snapshot
            .users
            .iter()
            .filter(|u| u.user_type == UserType::Admin)
            .collect();
        let mut by_email: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_username: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, user) in admins.iter().enumerate() {
            for email in &user.emails {
                let slot = by_email.entry(key(&email.email)).or_default();
                // One account may list one address twice in different case.
                if slot.last() != Some(&i) {
                    slot.push(i);
                }
            }
            if let Some(username) = &user.username {
                by_username.entry(key(username)).or_default().push(i);
            }
        }
        Self {
            admins,
            by_email,
            by_username,
        }
    }

    fn matches(&self, person: &Person) -> Vec<AccountMatch> {
        let lookup = |map: &HashMap<String, Vec<usize>>, value: &Option<String>| {
            value
                .as_deref()
                .map(key)
                .filter(|k| !k.is_empty())
                .and_then(|k| map.get(&k).cloned())
                .unwrap_or_default()
        };
        let by_email = lookup(&self.by_email, &person.email);
        let by_username = lookup(&self.by_username, &person.username);
        let mut hits: Vec<usize> = by_email.iter().chain(&by_username).copied().collect();
        // Admins are in snapshot (id) order, so the matches are too.
        hits.sort_unstable();
        hits.dedup();
        hits.into_iter()
            .map(|i| {
                let user = self.admins[i];
                let mut matched_on = Vec::new();
                if by_email.contains(&i) {
                    matched_on.push(MatchedOn::Email);
                }
                if by_username.contains(&i) {
                    matched_on.push(MatchedOn::Username);
                }
                AccountMatch {
                    user_id: user.id.clone(),
                    username: user.username.clone(),
                    status: user.status.clone(),
                    roles: user.roles.to_vec(),
                    matched_on,
                }
            })
            .collect()
    }
}

fn verdict(matches: &[AccountMatch]) -> LeaverStatus {
    if matches.is_empty() {
        LeaverStatus::NotFound
    } else if matches.iter().all(|m| m.status == UserStatus::Inactive) {
        LeaverStatus::AccessRemoved
    } else {
        // Active, or a status Jamf did not state: never call access removed without Jamf
        // saying the account is disabled.
        LeaverStatus::AccessRemains
    }
}

/// The verdict on each of `people`, in order, and the summary.
pub fn check(snapshot: &DirectorySnapshot, people: Vec<Person>) -> LeaversReport {
    let index = Index::new(snapshot);
    let result: Vec<LeaverResult> = people
        .into_iter()
        .map(|person| {
            let matches = index.matches(&person);
            LeaverResult {
                status: verdict(&matches),
                person,
                matches,
            }
        })
        .collect();
    let count = |status| result.iter().filter(|r| r.status == status).count();
    let summary = LeaversSummary {
        people: result.len(),
        access_remains: count(LeaverStatus::AccessRemains),
        access_removed: count(LeaverStatus::AccessRemoved),
        not_found: count(LeaverStatus::NotFound),
        directory_groups_not_checked: snapshot
            .groups
            .iter()
            .filter(|g| g.is_directory_group == Some(true))
            .map(|g| GroupNotChecked {
                id: g.id.clone(),
                name: g.name.clone(),
            })
            .collect(),
    };
    LeaversReport { result, summary }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::model::test_users::{admin, api_client, emails, snapshot};

    fn person(email: Option<&str>, username: Option<&str>) -> Person {
        Person {
            email: email.map(str::to_owned),
            username: username.map(str::to_owned),
        }
    }

    fn directory() -> DirectorySnapshot {
        let mut gone = admin("3", "gone", "gone@example.com");
        gone.status = UserStatus::Inactive;
        let mut shared = admin("15", "chris", "it-admins@example.com");
        shared.emails = emails(&["it-admins@example.com", "chris@example.com"]);
        let mut odd = admin("20", "odd", "odd@example.com");
        odd.status = UserStatus::Unknown;
        snapshot(vec![
            admin("1", "Jane.Doe", "jane@example.com"),
            gone,
            shared,
            admin("16", "pat", "it-admins@example.com"),
            odd,
            api_client("1", "jane@example.com", true, &[]),
        ])
    }

    #[test]
    fn people_get_their_verdict_in_the_order_sent() {
        type Case<'a> = (Person, LeaverStatus, Vec<(&'a str, Vec<MatchedOn>)>);
        use MatchedOn::{Email, Username};
        let cases: Vec<Case> = vec![
            (
                person(Some("  JANE@Example.com "), None),
                LeaverStatus::AccessRemains,
                vec![("1", vec![Email])],
            ),
            (
                person(None, Some(" jane.doe")),
                LeaverStatus::AccessRemains,
                vec![("1", vec![Username])],
            ),
            (
                person(Some("jane@example.com"), Some("JANE.DOE")),
                LeaverStatus::AccessRemains,
                vec![("1", vec![Email, Username])],
            ),
            (
                person(Some("gone@example.com"), None),
                LeaverStatus::AccessRemoved,
                vec![("3", vec![Email])],
            ),
            (
                person(Some("It-Admins@example.com"), None),
                LeaverStatus::AccessRemains,
                vec![("15", vec![Email]), ("16", vec![Email])],
            ),
            (
                person(Some("gone@example.com"), Some("pat")),
                LeaverStatus::AccessRemains,
                vec![("3", vec![Email]), ("16", vec![Username])],
            ),
            (
                person(Some("odd@example.com"), None),
                LeaverStatus::AccessRemains,
                vec![("20", vec![Email])],
            ),
            (
                person(Some("nobody@example.com"), Some("")),
                LeaverStatus::NotFound,
                vec![],
            ),
        ];
        let people = cases.iter().map(|c| c.0.clone()).collect();
        let report = check(&directory(), people);
        for (result, (sent, status, matches)) in report.result.iter().zip(&cases) {
            assert_eq!(&result.person, sent, "echoed as sent");
            assert_eq!(result.status, *status, "{sent:?}");
            let got: Vec<(&str, Vec<MatchedOn>)> = result
                .matches
                .iter()
                .map(|m| (m.user_id.as_str(), m.matched_on.clone()))
                .collect();
            assert_eq!(&got, matches, "{sent:?}");
        }
        let s = &report.summary;
        assert_eq!(
            (s.people, s.access_remains, s.access_removed, s.not_found),
            (8, 6, 1, 1)
        );
        assert!(s.directory_groups_not_checked.is_empty());
    }

    #[test]
    fn api_clients_never_match() {
        let report = check(&directory(), vec![person(None, Some("jane@example.com"))]);
        assert_eq!(report.result[0].status, LeaverStatus::NotFound);
    }

    #[test]
    fn identified_means_a_non_blank_email_or_username() {
        assert!(person(Some("a@b.c"), None).is_identified());
        assert!(person(None, Some("a")).is_identified());
        assert!(!person(Some("  "), Some("")).is_identified());
        assert!(!person(None, None).is_identified());
    }
}
