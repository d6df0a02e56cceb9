//! Storage grows with change, not with time: unchanged snapshots add one row each; retention
//! deletes old snapshots and the records only they held. On SQLite and PostgreSQL.

use std::time::{Duration, Instant};

use jamf_directory::settings::Settings;
use reqwest::StatusCode;

use super::{SNAPSHOTS, TestDb, get, take};
use crate::support::Fixture;

/// Rows of (records, set members, record sets, snapshots).
async fn rows(database_url: &str) -> [i64; 4] {
    let mut db = TestDb::connect(database_url).await;
    let mut counts = [0; 4];
    for (count, table) in counts.iter_mut().zip([
        "evidence_records",
        "evidence_set_members",
        "evidence_record_sets",
        "evidence_snapshots",
    ]) {
        *count = db.count(table).await;
    }
    counts
}

async fn unchanged_records_are_stored_once(settings: Settings) {
    let db = settings.storage.database_url.clone();
    let f = Fixture::start_with(jamf_sim::SimConfig::with_accounts(200), settings).await;
    take(&f, StatusCode::CREATED).await;
    let [records, members, sets, snapshots] = rows(&db).await;
    assert_eq!(snapshots, 1);
    assert!(records >= 200 && members == records && sets == 1);
    for _ in 0..9 {
        take(&f, StatusCode::CREATED).await;
    }
    assert_eq!(
        rows(&db).await,
        [records, members, sets, 10],
        "nothing but the snapshot rows"
    );

    f.sim.control().edit_dataset(|d| {
        let last = d.accounts.last_mut().unwrap();
        last.full_name = "Renamed Person".into();
    });
    take(&f, StatusCode::CREATED).await;
    assert_eq!(
        rows(&db).await,
        [records + 1, members * 2, 2, 11],
        "one new record, and the new list of them"
    );
}

on_both_databases!(unchanged_records_are_stored_once => unchanged_records_are_stored_once_and_a_change_adds_only_itself_on_sqlite, unchanged_records_are_stored_once_and_a_change_adds_only_itself_on_postgres);

async fn retention_deletes_what_only_old_snapshots_held(mut settings: Settings) {
    // Ticks every 3 s or so; retention runs on each.
    settings.evidence.schedule_secs = 60;
    settings.evidence.retention_days = 30;
    let db = settings.storage.database_url.clone();
    let f = Fixture::start_with(jamf_sim::SimConfig::default(), settings).await;
    let old = take(&f, StatusCode::CREATED).await;
    f.sim.control().edit_dataset(|d| {
        d.accounts.last_mut().unwrap().full_name = "Renamed Person".into();
    });
    let kept = take(&f, StatusCode::CREATED).await;
    let id = uuid::Uuid::parse_str(old["id"].as_str().unwrap()).unwrap();
    let backdated = chrono::Utc::now() - chrono::Duration::days(31);
    TestDb::connect(&db).await.backdate(id, backdated).await;
    let old_path = format!("{SNAPSHOTS}/{}", old["id"].as_str().unwrap());
    let started = Instant::now();
    while get(&f, &old_path).await.status() != StatusCode::NOT_FOUND {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "retention never ran"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let kept_path = format!("{SNAPSHOTS}/{}/bundle", kept["id"].as_str().unwrap());
    assert_eq!(get(&f, &kept_path).await.status(), StatusCode::OK);
    let [records, members, sets, _] = rows(&db).await;
    assert_eq!(sets, 1, "the old snapshot's record list is gone");
    assert_eq!(records, members, "and so is the record only it held");
}

on_both_databases!(retention_deletes_what_only_old_snapshots_held => retention_deletes_old_snapshots_and_records_only_they_held_on_sqlite, retention_deletes_old_snapshots_and_records_only_they_held_on_postgres);
