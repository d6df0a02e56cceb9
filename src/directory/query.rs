//! List queries over a snapshot: user filters and keyset pages. Pure functions; the HTTP layer
//! parses parameters into these types.

use std::cmp::Ordering;

use super::model::{User, UserType, compare_ids};

/// Which principals a users list returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TypeFilter {
    /// Human administrator accounts (the default).
    #[default]
    Admin,
    /// API clients only.
    ServiceAccount,
    /// Admins and API clients: the identities that can administer Jamf.
    All,
    /// Inventory users only, read from their own snapshot.
    EndUser,
}

/// The `is_2fa_enabled` filter: `true`, `false` or `null` (unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaFilter {
    Enabled,
    Disabled,
    Unknown,
}

/// Filters of `GET /unified/user-directory/users`; all given filters must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    pub status: Option<String>,
    /// Compared case-insensitively against every email of the user.
    pub email: Option<String>,
    /// Compared case-insensitively (Jamf usernames are case-insensitive at login).
    pub username: Option<String>,
    pub role_id: Option<String>,
    pub group_id: Option<String>,
    pub workspace_id: Option<String>,
    pub user_type: TypeFilter,
    pub is_2fa_enabled: Option<MfaFilter>,
}

impl UserFilter {
    pub fn matches(&self, user: &User) -> bool {
        let type_ok = match self.user_type {
            TypeFilter::Admin => user.user_type == UserType::Admin,
            TypeFilter::ServiceAccount => user.user_type == UserType::ServiceAccount,
            TypeFilter::All => user.user_type != UserType::EndUser,
            TypeFilter::EndUser => user.user_type == UserType::EndUser,
        };
        type_ok
            && self
                .status
                .as_deref()
                .is_none_or(|s| user.status.as_str() == s)
            && self.email.as_deref().is_none_or(|wanted| {
                user.emails
                    .iter()
                    .any(|e| e.email.eq_ignore_ascii_case(wanted))
            })
            && self.username.as_deref().is_none_or(|wanted| {
                user.username
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(wanted))
            })
            && self
                .role_id
                .as_deref()
                .is_none_or(|id| user.roles.iter().any(|r| r.id == id))
            && self
                .group_id
                .as_deref()
                .is_none_or(|id| user.groups.iter().any(|g| g.id == id))
            && self
                .workspace_id
                .as_deref()
                .is_none_or(|id| user.workspaces.iter().any(|w| w.id == id))
            && self.is_2fa_enabled.is_none_or(|f| {
                user.is_2fa_enabled
                    == match f {
                        MfaFilter::Enabled => Some(true),
                        MfaFilter::Disabled => Some(false),
                        MfaFilter::Unknown => None,
                    }
            })
    }

    /// A canonical rendering, so a cursor can be bound to the filters that produced it.
    pub fn canonical(&self) -> String {
        format!("{self:?}")
    }
}

/// One page of a keyset-paginated list.
#[derive(Debug)]
pub struct Page<'a, T> {
    pub items: Vec<&'a T>,
    /// The id to resume after when more matching records follow this page.
    pub resume_after: Option<String>,
}

/// The records after `after` (in [`compare_ids`] order) that satisfy `keep`, at most `limit`.
/// `sorted` must be sorted by `compare_ids` on `id_of`, as snapshots are.
pub fn page<'a, T>(
    sorted: &'a [T],
    id_of: impl Fn(&T) -> &str,
    after: Option<&str>,
    limit: usize,
    keep: impl Fn(&T) -> bool,
) -> Page<'a, T> {
    let start = after.map_or(0, |after| {
        sorted.partition_point(|r| compare_ids(id_of(r), after) != Ordering::Greater)
    });
    let mut matching = sorted[start..].iter().filter(|r| keep(r));
    let items: Vec<&T> = matching.by_ref().take(limit).collect();
    let more = matching.next().is_some();
    let resume_after = match (more, items.last()) {
        (true, Some(last)) => Some(id_of(last).to_string()),
        _ => None,
    };
    Page {
        items,
        resume_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_every_matching_record_once() {
        let ids: Vec<String> = ["1", "2", "3", "10", "11", "20", "api-client-1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let odd = |id: &String| id.ends_with('1') || id.ends_with('3');
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let p = page(&ids, |s| s, after.as_deref(), 2, odd);
            seen.extend(p.items.iter().map(|s| s.to_string()));
            match p.resume_after {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, ["1", "3", "11", "api-client-1"]);
    }

    #[test]
    fn resuming_after_a_vanished_id_continues_in_order() {
        let ids: Vec<String> = ["1", "5", "9"].iter().map(|s| s.to_string()).collect();
        let p = page(&ids, |s| s, Some("4"), 10, |_| true);
        assert_eq!(p.items, [&"5".to_string(), &"9".to_string()]);
        assert!(p.resume_after.is_none());
        let p = page(&ids, |s| s, Some("9"), 10, |_| true);
        assert!(p.items.is_empty());
    }
}
