//! `GET /access-review/changes` after the simulated Jamf changed: exactly the joiner, the
//! leaver, the disabled admin and the escalated one, in JSON and CSV, on SQLite and
//! PostgreSQL; and what a comparison checks of the stored bytes it reads.

use std::collections::BTreeMap;

use jamf_directory::settings::Settings;
use jamf_sim::PrivilegeSet;
use reqwest::StatusCode;
use serde_json::Value;

use super::{
    StaffChange, assert_corrupted, change_staff, evidence_settings, get, get_json, take, tamper,
    tamper_records,
};
use crate::support::Fixture;

async fn exactly_the_joiner_leaver_disabled_and_escalated(settings: Settings) {
    let f = Fixture::start_with(jamf_sim::SimConfig::default(), settings).await;
    let before = take(&f, StatusCode::CREATED).await;

    // conan.obrien: an enabled Full Access Auditor, made an Administrator.
    let escalated = 22;
    let StaffChange {
        joiner,
        leaver,
        disabled,
    } = change_staff(&f, |d| {
        let a = d.accounts.iter_mut().find(|a| a.id == escalated).unwrap();
        assert!(a.enabled && a.privilege_set == PrivilegeSet::Auditor);
        a.privilege_set = PrivilegeSet::Administrator;
    });
    let after = take(&f, StatusCode::CREATED).await;
    assert_eq!(after["previous"]["id"], before["id"]);

    let (from, to) = (
        before["id"].as_str().unwrap(),
        after["id"].as_str().unwrap(),
    );
    let changes = get_json(
        &f,
        &format!(
            "/access-review/changes?integrated_account_id={}&from={from}",
            f.account
        ),
    )
    .await;
    assert_eq!(changes["from"], from);
    assert_eq!(changes["to"], to, "the newest snapshot by default");
    let by_user: BTreeMap<String, &Value> = changes["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["user_id"].as_str().unwrap().to_owned(), c))
        .collect();
    let expected: BTreeMap<String, (&str, bool)> = [
        (joiner, ("joined", true)),
        (leaver, ("left", false)),
        (disabled, ("changed", false)),
        (escalated, ("changed", true)),
    ]
    .into_iter()
    .map(|(id, e)| (id.to_string(), e))
    .collect();
    let found: BTreeMap<String, (&str, bool)> = by_user
        .iter()
        .map(|(id, c)| {
            (
                id.clone(),
                (
                    c["change"].as_str().unwrap(),
                    c["escalation"].as_bool().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(found, expected, "{changes}");
    assert_eq!(
        changes["summary"],
        serde_json::json!({"joined": 1, "left": 1, "changed": 2, "escalations": 2})
    );
    let status = &by_user[&disabled.to_string()]["changes"][0];
    assert_eq!(
        (&status["field"], &status["before"], &status["after"]),
        (&"status".into(), &"active".into(), &"inactive".into())
    );
    let fields: Vec<&str> = by_user[&escalated.to_string()]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"roles"), "{fields:?}");

    let csv = f
        .app
        .client
        .get(f.app.url(&format!(
            "/access-review/changes?integrated_account_id={}&from={from}&to={to}",
            f.account
        )))
        .header("accept", "text/csv")
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("user_id,username,change,escalation,field,before,after")
    );
    assert!(
        csv.contains(&format!("{disabled},")) && csv.contains(",status,active,inactive"),
        "{csv}"
    );
    assert!(csv.contains("9000,new.joiner,joined,true,,,"), "{csv}");

    // The later snapshot's report says what changed.
    let report = get(&f, &format!("/access-review/snapshots/{to}/report")).await;
    let report = report.text().await.unwrap();
    assert!(
        report.contains("1 joined, 1 left, 2 changed; 2 escalations"),
        "report"
    );
}

on_both_databases!(exactly_the_joiner_leaver_disabled_and_escalated => changes_name_exactly_the_joiner_leaver_disabled_and_escalated_admins_on_sqlite, changes_name_exactly_the_joiner_leaver_disabled_and_escalated_admins_on_postgres);

#[tokio::test]
async fn changes_refuse_missing_and_foreign_parameters() {
    let f = Fixture::start_with(jamf_sim::SimConfig::default(), evidence_settings()).await;
    let snapshot = take(&f, StatusCode::CREATED).await;
    let id = snapshot["id"].as_str().unwrap();
    let later = take(&f, StatusCode::CREATED).await;
    let later = later["id"].as_str().unwrap();
    for (query, status) in [
        (
            format!("integrated_account_id={}", f.account),
            StatusCode::BAD_REQUEST,
        ),
        (format!("from={id}"), StatusCode::BAD_REQUEST),
        (
            format!("integrated_account_id={}&from={id}&bogus=1", f.account),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("integrated_account_id={}&from={id}", uuid::Uuid::new_v4()),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!(
                "integrated_account_id={}&from={}",
                f.account,
                uuid::Uuid::new_v4()
            ),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("integrated_account_id={}&from={later}&to={id}", f.account),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("integrated_account_id={}&from={id}", f.account),
            StatusCode::OK,
        ),
    ] {
        let response = get(&f, &format!("/access-review/changes?{query}")).await;
        assert_eq!(response.status(), status, "{query}");
    }
}

/// One BLOB of the test's SQLite database.
async fn blob(database_url: &str, sql: &str) -> Vec<u8> {
    use sqlx::Connection as _;
    let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
}

/// Comparing reads only the records that differ, through each snapshot's sealed record set:
/// a swapped set, an altered set member, an altered differing record and a seal of an unknown
/// key are each refused, and snapshots kept before seals are compared whole.
#[tokio::test]
async fn a_comparison_checks_what_it_reads_and_refuses_what_was_altered() {
    let settings = evidence_settings();
    let db = settings.storage.database_url.clone();
    let f = Fixture::start_with(jamf_sim::SimConfig::default(), settings).await;
    let before = take(&f, StatusCode::CREATED).await;
    change_staff(&f, |_| {});
    let after = take(&f, StatusCode::CREATED).await;
    let (from, to) = (
        before["id"].as_str().unwrap(),
        after["id"].as_str().unwrap(),
    );
    let path = format!(
        "/access-review/changes?integrated_account_id={}&from={from}",
        f.account
    );
    let sealed = get_json(&f, &path).await;
    assert_eq!(sealed["summary"]["joined"], 1, "{sealed}");
    // The snapshot's own id, not a `previous` link naming it.
    let row = |id: &str| format!("manifest LIKE '%\"id\":\"{id}\",\"integrated_account_id\"%'");
    let (from_row, to_row) = (row(from), row(to));

    // The later snapshot pointed at the earlier one's records: its seal no longer verifies.
    let to_set = blob(
        &db,
        &format!("SELECT record_set FROM evidence_snapshots WHERE {to_row}"),
    )
    .await;
    let to_set = hex::encode(to_set);
    tamper(
        &db,
        &format!(
            "UPDATE evidence_snapshots SET record_set = (SELECT record_set FROM \
             evidence_snapshots WHERE {from_row}) WHERE {to_row}"
        ),
    )
    .await;
    assert_corrupted(&f, &path).await;
    tamper(
        &db,
        &format!("UPDATE evidence_snapshots SET record_set = X'{to_set}' WHERE {to_row}"),
    )
    .await;
    assert_eq!(get_json(&f, &path).await, sealed, "restored");

    // One member of the later set replaced by another record: the set's address differs.
    let second = hex::encode(
        blob(
            &db,
            &format!(
                "SELECT record_sha256 FROM evidence_set_members WHERE \
                 set_sha256 = X'{to_set}' AND position = 1"
            ),
        )
        .await,
    );
    tamper(
        &db,
        &format!(
            "UPDATE evidence_set_members SET record_sha256 = (SELECT record_sha256 FROM \
             evidence_set_members WHERE set_sha256 = X'{to_set}' AND position = 0) \
             WHERE set_sha256 = X'{to_set}' AND position = 1"
        ),
    )
    .await;
    assert_corrupted(&f, &path).await;
    tamper(
        &db,
        &format!(
            "UPDATE evidence_set_members SET record_sha256 = X'{second}' \
             WHERE set_sha256 = X'{to_set}' AND position = 1"
        ),
    )
    .await;

    // The joiner's record, read because it differs, altered: it no longer matches its address.
    let (joiner, altered) = ("\"username\":\"new.joiner\"", "\"username\":\"new.joinor\"");
    tamper_records(&db, joiner, altered).await;
    assert_corrupted(&f, &path).await;
    tamper_records(&db, altered, joiner).await;
    assert_eq!(get_json(&f, &path).await, sealed, "restored");

    // A seal naming a key the service never had does not verify.
    let seal = text(
        &db,
        &format!("SELECT record_set_seal FROM evidence_snapshots WHERE {to_row}"),
    )
    .await;
    let (_, signature) = seal.split_once(':').unwrap();
    tamper(
        &db,
        &format!(
            "UPDATE evidence_snapshots SET record_set_seal = 'ed25519-0000000000000000:{signature}' \
             WHERE {to_row}"
        ),
    )
    .await;
    assert_corrupted(&f, &path).await;

    // Snapshots kept before seals existed are compared whole, to the same answer; then every
    // record is read and checked, so one both share, altered, is caught too.
    tamper(&db, "UPDATE evidence_snapshots SET record_set_seal = NULL").await;
    assert_eq!(get_json(&f, &path).await, sealed);
    tamper_records(&db, "\"username\":\"admin\"", "\"username\":\"admln\"").await;
    assert_corrupted(&f, &path).await;
}

/// One TEXT of the test's SQLite database.
async fn text(database_url: &str, sql: &str) -> String {
    use sqlx::Connection as _;
    let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
}
