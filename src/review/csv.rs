//! CSV evidence: the users list and the findings as RFC 4180 CSV (the `csv` crate quotes),
//! one header row of the columns below, several values in one cell joined by `; `, and every
//! cell that a spreadsheet would run as a formula defused with a leading `'`.

use std::borrow::Cow;

use crate::directory::model::{MfaEvidence, User};

use super::findings::Finding;
use crate::evidence::changes::UserChange;

/// Columns of the users CSV, in order (the README lists what each holds).
pub const USER_COLUMNS: [&str; 19] = [
    "id",
    "type",
    "username",
    "name",
    "first_name",
    "last_name",
    "emails",
    "status",
    "status_detail",
    "access_level",
    "roles",
    "groups",
    "workspaces",
    "is_2fa_enabled",
    "mfa_status",
    "failover_login_possible",
    "is_directory_user",
    "password_change_required",
    "last_password_change_at",
];

/// Columns of the findings CSV, in order.
pub const FINDING_COLUMNS: [&str; 9] = [
    "id",
    "kind",
    "severity",
    "subject_type",
    "subject_id",
    "subject_username",
    "subject_emails",
    "summary",
    "evidence",
];

/// Columns of the changes CSV (one row per changed field; joiners and leavers have one row
/// with no field).
pub const CHANGE_COLUMNS: [&str; 7] = [
    "user_id",
    "username",
    "change",
    "escalation",
    "field",
    "before",
    "after",
];

/// Joins several values of one cell.
const SEPARATOR: &str = "; ";

/// A cell a spreadsheet would read as a formula (OWASP "CSV injection") gets a leading `'`.
pub fn guard(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Writes rows of plain text cells, guarded, after the header.
fn write<const N: usize>(
    header: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
) -> Result<Vec<u8>, ::csv::Error> {
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(header)?;
    for row in rows {
        out.write_record(row.iter().map(|cell| guard(cell).into_owned()))?;
    }
    out.into_inner().map_err(|err| err.into_error().into())
}

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

fn flag(value: Option<bool>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// A reference without a name (Jamf did not give it) shows its id rather than nothing.
fn named<'a>(id: &'a str, name: Option<&'a str>) -> &'a str {
    name.unwrap_or(id)
}

fn joined<'a>(values: impl Iterator<Item = &'a str>) -> String {
    values.collect::<Vec<_>>().join(SEPARATOR)
}

/// The users CSV: one row per user, in the order given.
pub fn users<'a>(users: impl Iterator<Item = &'a User>) -> Result<Vec<u8>, ::csv::Error> {
    write(USER_COLUMNS, users.map(user_row))
}

fn user_row(u: &User) -> [String; 19] {
    let failover = u.mfa.evidence.iter().find_map(|e| match e {
        MfaEvidence::FailoverLoginPossible(v) => Some(*v),
        _ => None,
    });
    [
        u.id.clone(),
        serde_plain(&u.user_type),
        text(u.username.as_deref()),
        text(u.name.as_deref()),
        text(u.first_name.as_deref()),
        text(u.last_name.as_deref()),
        joined(u.emails.iter().map(|e| e.email.as_str())),
        u.status.as_str().to_owned(),
        text(u.status_detail.as_deref()),
        u.access_level.as_ref().map(serde_plain).unwrap_or_default(),
        joined(u.roles.iter().map(|r| r.name.as_str())),
        joined(u.groups.iter().map(|g| named(&g.id, g.name.as_deref()))),
        joined(u.workspaces.iter().map(|w| named(&w.id, w.name.as_deref()))),
        flag(u.is_2fa_enabled),
        serde_plain(&u.mfa.status),
        flag(failover),
        flag(u.is_directory_user),
        flag(u.password_change_required),
        u.last_password_change_at
            .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            .unwrap_or_default(),
    ]
}

/// The findings CSV: one row per finding. Evidence is `fact=value` pairs, values as JSON.
pub fn findings<'a>(findings: impl Iterator<Item = &'a Finding>) -> Result<Vec<u8>, ::csv::Error> {
    write(
        FINDING_COLUMNS,
        findings.map(|f| {
            [
                f.id.clone(),
                f.kind.as_str().to_owned(),
                f.severity.as_str().to_owned(),
                serde_plain(&f.subject.subject_type),
                f.subject.id.clone(),
                text(f.subject.username.as_deref()),
                joined(f.subject.emails.iter().map(String::as_str)),
                f.summary.clone(),
                f.evidence
                    .iter()
                    .map(|e| format!("{}={}", e.fact, e.value))
                    .collect::<Vec<_>>()
                    .join(SEPARATOR),
            ]
        }),
    )
}

/// The changes between two snapshots, one row per changed field.
pub fn changes(changes: &[UserChange]) -> Result<Vec<u8>, ::csv::Error> {
    let cell = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map_or_else(|| item.to_string(), str::to_owned)
            })
            .collect::<Vec<_>>()
            .join(SEPARATOR),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let rows = changes.iter().flat_map(|c| {
        let user = [
            c.user_id.clone(),
            text(c.username.as_deref()),
            c.change.as_str().to_owned(),
            c.escalation.to_string(),
        ];
        let fields: Vec<[String; 3]> = if c.changes.is_empty() {
            vec![Default::default()]
        } else {
            c.changes
                .iter()
                .map(|f| [f.field.to_owned(), cell(&f.before), cell(&f.after)])
                .collect()
        };
        fields.into_iter().map(move |[field, before, after]| {
            let [id, name, change, escalation] = user.clone();
            [id, name, change, escalation, field, before, after]
        })
    });
    write(CHANGE_COLUMNS, rows)
}

/// A unit enum's serde name (`service-account`, `full_access`, `enforced_by_idp`).
fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::model::test_users::{admin, api_client};

    fn read(bytes: &[u8]) -> Vec<Vec<String>> {
        ::csv::Reader::from_reader(bytes)
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn guard_defuses_formulas_only() {
        let cases = [
            ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@cmd", "'@cmd"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("jane", "jane"),
            ("a=b", "a=b"),
            ("", ""),
            ("'quoted", "'quoted"),
        ];
        for (cell, expected) in cases {
            assert_eq!(guard(cell), expected, "{cell:?}");
        }
    }

    #[test]
    fn users_quote_per_rfc_4180_join_and_guard() {
        let mut odd = admin("22", "conan", "conan@example.com");
        odd.name = Some("O'Brien, Conan \"Coco\"".into());
        odd.emails =
            crate::directory::model::test_users::emails(&["a@example.com", "b@example.com"]);
        let mut formula = admin("23", "=calc", "");
        formula.name = Some("-1+1".into());
        let bytes = users([&odd, &formula].into_iter()).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("id,type,username,name,"), "{text}");
        assert!(
            text.contains(r#""O'Brien, Conan ""Coco""""#),
            "quotes doubled inside a quoted cell: {text}"
        );
        assert!(text.contains("\r\n"), "CRLF line ends");
        let rows = read(&bytes);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.len() == USER_COLUMNS.len()));
        assert_eq!(rows[0][3], "O'Brien, Conan \"Coco\"");
        assert_eq!(rows[0][6], "a@example.com; b@example.com");
        assert_eq!(rows[0][10], "Administrator");
        assert_eq!(
            (rows[0][13].as_str(), rows[0][14].as_str()),
            ("true", "enforced_by_idp")
        );
        assert_eq!(rows[1][2], "'=calc");
        assert_eq!(rows[1][3], "'-1+1");
        assert_eq!(rows[1][6], "");
    }

    #[test]
    fn findings_have_their_columns() {
        let client = api_client("3", "Writer", true, &["Update Accounts"]);
        let snapshot = crate::directory::model::test_users::snapshot(vec![client]);
        let policy = crate::review::findings::Policy {
            password_max_age_days: 365,
            now: chrono::Utc::now(),
        };
        let found = crate::review::findings::findings(&snapshot, &policy);
        let rows = read(&findings(found.iter()).unwrap());
        assert_eq!(
            rows,
            [[
                "privileged_api_client:api-client-3",
                "privileged_api_client",
                "medium",
                "service-account",
                "api-client-3",
                "Writer",
                "",
                found[0].summary.as_str(),
                r#"write_privileges=["Update Accounts"]; api_roles=["Role"]"#,
            ]]
        );
    }
}
