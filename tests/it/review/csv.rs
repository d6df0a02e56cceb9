//! CSV evidence: the whole filtered list in one answer, read back by Python's `csv` module and
//! compared with the JSON list.

use chrono::Utc;
use jamf_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::Value;

use super::{FINDINGS, USERS, python_json, sso_off};
use crate::support::Fixture;

/// Reads CSV on stdin with Python's `csv` module; prints the rows as a JSON list of objects.
const READ_CSV: &str = "import csv, io, json, sys\n\
rows = list(csv.DictReader(io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8', newline='')))\n\
print(json.dumps(rows))";

/// The formula guard, written again here rather than shared with the code it checks.
fn guarded(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => guarded(s),
        other => other.to_string(),
    }
}

fn joined(values: &Value, field: &str) -> String {
    guarded(
        &values
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                v[field]
                    .as_str()
                    .unwrap_or_else(|| v["id"].as_str().unwrap())
            })
            .collect::<Vec<_>>()
            .join("; "),
    )
}

async fn csv_of(f: &Fixture, path: &str, query: &str) -> (String, Vec<u8>) {
    let response = f.get_with(path, query, &[("accept", "text/csv")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    (disposition, response.bytes().await.unwrap().to_vec())
}

/// The snapshot was fetched today (UTC), or just before midnight.
fn dated(disposition: &str, what: &str) -> bool {
    let today = Utc::now().date_naive();
    [today, today.pred_opt().unwrap()].iter().any(|day| {
        disposition
            == format!(
                "attachment; filename=\"jamf-{what}-acme-{}.csv\"",
                day.format("%Y-%m-%d")
            )
    })
}

#[tokio::test]
async fn the_users_csv_is_the_whole_filtered_list_quoted_and_guarded() {
    let f = Fixture::start(SimConfig::with_accounts(1_300)).await;
    let users = f.all_records(USERS, "status=active", 1000).await;
    // `limit` and `next_cursor` are ignored with CSV: the answer is never a page.
    let (disposition, bytes) = csv_of(&f, USERS, "status=active&limit=5").await;
    assert!(dated(&disposition, "users"), "{disposition}");
    let text_body = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text_body.contains(r#""O'Brien, Conan ""Coco""""#),
        "RFC 4180: the cell quoted, its quotes doubled"
    );
    let rows = python_json(READ_CSV, &bytes);
    let rows = rows.as_array().unwrap();
    eprintln!("users CSV: {} rows, {} bytes", rows.len(), bytes.len());
    assert!(rows.len() >= 1_000, "{}", rows.len());
    assert_eq!(rows.len(), users.len());
    for (row, user) in rows.iter().zip(&users) {
        let evidence = |fact: &str| {
            user["mfa"]["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["fact"] == fact)
                .map(|e| text(&e["value"]))
                .unwrap_or_default()
        };
        let expected = [
            ("id", text(&user["id"])),
            ("type", text(&user["type"])),
            ("username", text(&user["username"])),
            ("name", text(&user["name"])),
            ("first_name", text(&user["first_name"])),
            ("last_name", text(&user["last_name"])),
            ("emails", joined(&user["emails"], "email")),
            ("status", text(&user["status"])),
            ("status_detail", text(&user["status_detail"])),
            ("access_level", text(&user["access_level"])),
            ("roles", joined(&user["roles"], "name")),
            ("groups", joined(&user["groups"], "name")),
            ("workspaces", joined(&user["workspaces"], "name")),
            ("is_2fa_enabled", text(&user["is_2fa_enabled"])),
            ("mfa_status", text(&user["mfa"]["status"])),
            (
                "failover_login_possible",
                evidence("failover_login_possible"),
            ),
            ("is_directory_user", text(&user["is_directory_user"])),
            (
                "password_change_required",
                text(&user["password_change_required"]),
            ),
            (
                "last_password_change_at",
                text(&user["last_password_change_at"]),
            ),
        ];
        assert_eq!(row.as_object().unwrap().len(), expected.len(), "{row}");
        for (column, value) in expected {
            assert_eq!(row[column], value, "{column} of user {}", user["id"]);
        }
    }
    let by_id = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(by_id("22")["name"], "O'Brien, Conan \"Coco\"");
    assert_eq!(by_id("23")["name"], "'=SUM(A1:A9)", "a formula is defused");
    assert_eq!(by_id("20")["name"], "R&D <Ops> Team");
    assert_eq!(by_id("20")["groups"], "Enrollment Team; Group Based Team");
}

#[tokio::test]
async fn the_findings_csv_is_every_selected_finding() {
    let f = Fixture::start(sso_off()).await;
    let findings = f.all_records(FINDINGS, "severity=high", 1000).await;
    let (disposition, bytes) = csv_of(&f, FINDINGS, "severity=high&limit=1").await;
    assert!(dated(&disposition, "findings"), "{disposition}");
    let rows = python_json(READ_CSV, &bytes);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), findings.len());
    assert!(rows.len() > 10);
    for (row, finding) in rows.iter().zip(&findings) {
        let emails: Vec<&str> = finding["subject"]["emails"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect();
        let evidence: Vec<String> = finding["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{}={}", e["fact"].as_str().unwrap(), e["value"]))
            .collect();
        let expected = [
            ("id", text(&finding["id"])),
            ("kind", text(&finding["kind"])),
            ("severity", text(&finding["severity"])),
            ("subject_type", text(&finding["subject"]["type"])),
            ("subject_id", text(&finding["subject"]["id"])),
            ("subject_username", text(&finding["subject"]["username"])),
            ("subject_emails", guarded(&emails.join("; "))),
            ("summary", text(&finding["summary"])),
            ("evidence", guarded(&evidence.join("; "))),
        ];
        for (column, value) in expected {
            assert_eq!(row[column], value, "{column} of {}", finding["id"]);
        }
    }
}

#[tokio::test]
async fn lists_without_a_csv_form_refuse_csv_with_406() {
    let f = Fixture::start(SimConfig::default()).await;
    for resource in ["groups", "roles", "workspaces"] {
        let path = format!("/unified/user-directory/{resource}");
        let response = f.get_with(&path, "", &[("accept", "text/csv")]).await;
        assert_eq!(response.status(), StatusCode::NOT_ACCEPTABLE, "{resource}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["statusCode"], 406);
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{resource} are served as JSON only")),
            "{body}"
        );
        // JSON preferred, or no preference: the list as usual.
        let json = f
            .get_with(&path, "", &[("accept", "application/json, text/csv;q=0.5")])
            .await;
        assert_eq!(json.status(), StatusCode::OK, "{resource}");
    }
}
