//! Leavers: Sprinto's "Jamf access removed on exit" check. Each person who left is matched to
//! Jamf accounts by any email and by username (trimmed, case-insensitive); API clients never
//! match. Groups backed by a directory are listed: people may hold access through them without
//! any Jamf account, which no match here can show. An answer lists at most [`MAX_MATCHES`]
//! accounts per person, and is built one person at a time (the HTTP layer streams it).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::directory::model::{DirectorySnapshot, RoleRef, UserStatus, UserType};

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
    /// From every matching account, listed or not.
    pub status: LeaverStatus,
    /// At most 20 matching accounts, in id order.
    pub matches: Vec<AccountMatch>,
    /// True when more than 20 accounts matched (only the first 20 are listed).
    pub matches_truncated: bool,
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

/// The admins one email or username names (positions in the snapshot's users, in order), and
/// whether any of them is not `inactive`.
#[derive(Default)]
struct Hits {
    users: Vec<usize>,
    remains: bool,
}

/// The admins of one snapshot by normalized email and by normalized username, built once per
/// request. Answers are bounded by what it yields per person ([`MAX_MATCHES`]), never by the
/// product of people and accounts: a thousand people all naming one shared mailbox cost a
/// thousand small answers, not a thousand copies of every account behind it.
pub struct LeaversIndex {
    by_email: HashMap<String, Hits>,
    by_username: HashMap<String, Hits>,
}

/// Most matches listed per person; `matches_truncated` says when there were more.
pub const MAX_MATCHES: usize = 20;

impl LeaversIndex {
    pub fn new(snapshot: &DirectorySnapshot) -> Self {
        let mut by_email: HashMap<String, Hits> = HashMap::new();
        let mut by_username: HashMap<String, Hits> = HashMap::new();
        let admins = snapshot
            .users
            .iter()
            .enumerate()
            .filter(|(_, u)| u.user_type == UserType::Admin);
        for (i, user) in admins {
            let remains = user.status != UserStatus::Inactive;
            let add = |hits: &mut Hits| {
                // One account may list one address twice in different case.
                if hits.users.last() != Some(&i) {
                    hits.users.push(i);
                    hits.remains |= remains;
                }
            };
            for email in &user.emails {
                add(by_email.entry(key(&email.email)).or_default());
            }
            if let Some(username) = &user.username {
                add(by_username.entry(key(username)).or_default());
            }
        }
        Self {
            by_email,
            by_username,
        }
    }

    /// What `person`'s email and username name, each `None` when blank or unknown.
    fn hits(&self, person: &Person) -> [Option<&Hits>; 2] {
        [
            lookup(&self.by_email, &person.email),
            lookup(&self.by_username, &person.username),
        ]
    }

    /// The verdict on `person`, from every account matched (not only those listed).
    pub fn status(&self, person: &Person) -> LeaverStatus {
        let hits = self.hits(person);
        if hits.iter().all(Option::is_none) {
            LeaverStatus::NotFound
        } else if hits.iter().flatten().any(|h| h.remains) {
            // Active, or a status Jamf did not state: never call access removed without Jamf
            // saying the account is disabled.
            LeaverStatus::AccessRemains
        } else {
            LeaverStatus::AccessRemoved
        }
    }

    /// The verdict on `person` with at most [`MAX_MATCHES`] of its matches, in snapshot order.
    pub fn result(&self, snapshot: &DirectorySnapshot, person: Person) -> LeaverResult {
        let [by_email, by_username] = self.hits(&person).map(|h| h.map_or(&[][..], |h| &h.users));
        let (listed, more) = first_of_union(by_email, by_username, MAX_MATCHES);
        let matches = listed
            .into_iter()
            .map(|i| {
                let user = &snapshot.users[i];
                let mut matched_on = Vec::new();
                if by_email.binary_search(&i).is_ok() {
                    matched_on.push(MatchedOn::Email);
                }
                if by_username.binary_search(&i).is_ok() {
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
            .collect();
        LeaverResult {
            status: self.status(&person),
            person,
            matches,
            matches_truncated: more,
        }
    }
}

/// The entry `value` names in `map`, if it is neither blank nor unknown.
fn lookup<'a>(map: &'a HashMap<String, Hits>, value: &Option<String>) -> Option<&'a Hits> {
    let k = key(value.as_deref()?);
    map.get(&k).filter(|_| !k.is_empty())
}

/// The first `limit` distinct values of two sorted lists, and whether there were more.
fn first_of_union(a: &[usize], b: &[usize], limit: usize) -> (Vec<usize>, bool) {
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    let mut out = Vec::new();
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(&&x), Some(&&y)) if x == y => {
                a.next();
                b.next();
                x
            }
            (Some(&&x), Some(&&y)) if x < y => {
                a.next();
                x
            }
            (_, Some(&&y)) => {
                b.next();
                y
            }
            (Some(&&x), None) => {
                a.next();
                x
            }
            (None, None) => return (out, false),
        };
        if out.len() == limit {
            return (out, true);
        }
        out.push(next);
    }
}

/// The summary of the verdicts `statuses` on `snapshot`.
pub fn summary(snapshot: &DirectorySnapshot, statuses: &[LeaverStatus]) -> LeaversSummary {
    let count = |status| statuses.iter().filter(|s| **s == status).count();
    LeaversSummary {
        people: statuses.len(),
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::model::User;
    use crate::directory::model::test_users::{admin, api_client, emails, snapshot};

    /// The whole report at once, as the HTTP layer streams it.
    fn check(snapshot: &DirectorySnapshot, people: Vec<Person>) -> LeaversReport {
        let index = LeaversIndex::new(snapshot);
        let statuses: Vec<_> = people.iter().map(|p| index.status(p)).collect();
        LeaversReport {
            result: people
                .into_iter()
                .map(|p| index.result(snapshot, p))
                .collect(),
            summary: summary(snapshot, &statuses),
        }
    }

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
    fn at_most_twenty_matches_are_listed_and_the_verdict_sees_them_all() {
        // 25 accounts share one mailbox; only the last is still active.
        let mut users: Vec<User> = (1..=25)
            .map(|i| {
                let mut user = admin(&i.to_string(), &format!("u{i}"), "shared@example.com");
                user.status = UserStatus::Inactive;
                user
            })
            .collect();
        users[24].status = UserStatus::Active;
        let directory = snapshot(users);
        let shared = person(Some("shared@example.com"), None);
        let both = person(Some("shared@example.com"), Some("u25"));
        let report = check(
            &directory,
            vec![shared.clone(), both, person(None, Some("u3"))],
        );
        let ids = |r: &LeaverResult| {
            r.matches
                .iter()
                .map(|m| m.user_id.clone())
                .collect::<Vec<_>>()
        };
        let first_twenty: Vec<String> = (1..=20).map(|i| i.to_string()).collect();
        for r in &report.result[..2] {
            assert_eq!(
                r.status,
                LeaverStatus::AccessRemains,
                "account 25 is not listed"
            );
            assert!(r.matches_truncated);
            assert_eq!(ids(r), first_twenty);
        }
        assert_eq!(report.result[2].status, LeaverStatus::AccessRemoved);
        assert!(!report.result[2].matches_truncated);
        assert_eq!(ids(&report.result[2]), ["3"]);
        // Exactly twenty is not truncated.
        let twenty = snapshot(
            (1..=20)
                .map(|i| admin(&i.to_string(), "x", "shared@example.com"))
                .collect(),
        );
        let exact = &check(&twenty, vec![shared]).result[0];
        assert_eq!((exact.matches.len(), exact.matches_truncated), (20, false));
    }

    #[test]
    fn the_union_of_two_sorted_lists_stops_at_the_limit() {
        assert_eq!(
            first_of_union(&[1, 3, 5], &[2, 3, 6], 10),
            (vec![1, 2, 3, 5, 6], false)
        );
        assert_eq!(
            first_of_union(&[1, 3, 5], &[2, 3, 6], 5),
            (vec![1, 2, 3, 5, 6], false)
        );
        assert_eq!(
            first_of_union(&[1, 3, 5], &[2, 3, 6], 4),
            (vec![1, 2, 3, 5], true)
        );
        assert_eq!(first_of_union(&[], &[], 4), (vec![], false));
        assert_eq!(first_of_union(&[7], &[], 0), (vec![], true));
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
