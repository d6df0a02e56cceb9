//! Evidence snapshots end to end: taken from a real simulator, signed, chained, read back,
//! compared, checked offline by the real binary, kept across SIGKILL, on SQLite and
//! PostgreSQL.

mod chain;
mod changes;
mod durability;
mod schedule;
mod snapshots;
mod storage;

use std::path::Path;

use jamf_directory::settings::Settings;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::support::{Fixture, test_settings};

/// Base64 of a 32-byte Ed25519 seed; test-only.
pub const EVIDENCE_KEY: &str = "ZXZpZGVuY2Utc2lnbmluZy1rZXktMDEyMzQ1Njc4OWE=";
pub const SNAPSHOTS: &str = "/access-review/snapshots";

/// Test settings with evidence on and nothing scheduled.
pub fn evidence_settings() -> Settings {
    let mut settings = test_settings();
    settings.evidence.signing_key = Some(SecretString::from(EVIDENCE_KEY));
    settings.evidence.schedule_secs = 0;
    settings
}

/// `POST /access-review/snapshots` for the fixture's account; asserts `expected` and returns
/// the manifest.
pub async fn take(f: &Fixture, expected: StatusCode) -> Value {
    let response = f
        .app
        .client
        .post(f.app.url(SNAPSHOTS))
        .bearer_auth(&f.token)
        .json(&json!({"integrated_account_id": f.account}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let manifest: Value = response.json().await.unwrap();
    assert_eq!(status, expected, "{manifest}");
    assert_eq!(
        location.as_deref(),
        Some(format!("{SNAPSHOTS}/{}", manifest["id"].as_str().unwrap()).as_str())
    );
    manifest
}

/// GET `path` (no account parameter) with the fixture's token.
pub async fn get(f: &Fixture, path: &str) -> reqwest::Response {
    f.app
        .client
        .get(f.app.url(path))
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap()
}

pub async fn get_json(f: &Fixture, path: &str) -> Value {
    let response = get(f, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

/// Writes the snapshot's bundle to `dir` and returns its path.
pub async fn save_bundle(f: &Fixture, id: &str, dir: &Path) -> std::path::PathBuf {
    let response = get(f, &format!("{SNAPSHOTS}/{id}/bundle")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let path = dir.join(format!("{id}.json"));
    std::fs::write(&path, response.bytes().await.unwrap()).unwrap();
    path
}

/// Writes the evidence key set to `dir` and returns its path.
pub async fn save_keys(f: &Fixture, dir: &Path) -> std::path::PathBuf {
    let response = f
        .app
        .client
        .get(f.app.url("/access-review/evidence-key"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "public, no token");
    let path = dir.join("keys.json");
    std::fs::write(&path, response.bytes().await.unwrap()).unwrap();
    path
}

/// `jamf-directory evidence verify` on `bundles` (with `keys`): exit success and stdout.
pub fn verify(bundles: &[&Path], keys: Option<&Path>) -> (bool, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_jamf-directory"));
    command.args(["evidence", "verify"]).args(bundles);
    if let Some(keys) = keys {
        command.arg("--key").arg(keys);
    }
    let out = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Who a [`change_staff`] made join, leave and lose access, by Jamf account id.
pub struct StaffChange {
    pub joiner: i64,
    pub leaver: i64,
    pub disabled: i64,
}

/// Changes the simulated Jamf's admins between two snapshots: one Full Access filler leaves,
/// another is disabled, and a copy of a third joins as `new.joiner`; `also` edits the dataset
/// further in the same step.
pub fn change_staff(f: &Fixture, also: impl FnOnce(&mut jamf_sim::Dataset)) -> StaffChange {
    let fillers: Vec<i64> = f
        .sim
        .control()
        .dataset()
        .accounts
        .iter()
        .filter(|a| a.id >= 24 && a.enabled && a.access_level == jamf_sim::AccessLevel::Full)
        .map(|a| a.id)
        .collect();
    let (disabled, leaver, template) = (fillers[0], fillers[1], fillers[2]);
    let joiner = 9000;
    f.sim.control().edit_dataset(|d| {
        d.accounts.retain(|a| a.id != leaver);
        let mut new = d
            .accounts
            .iter()
            .find(|a| a.id == template)
            .unwrap()
            .clone();
        new.id = joiner;
        new.username = "new.joiner".into();
        d.accounts.push(new);
        for a in &mut d.accounts {
            if a.id == disabled {
                a.enabled = false;
            }
        }
        also(d);
    });
    StaffChange {
        joiner,
        leaver,
        disabled,
    }
}

/// Runs `sql` on the test's SQLite database.
pub async fn tamper(database_url: &str, sql: &str) {
    use sqlx::Connection as _;
    let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
    let done = sqlx::query(sql).execute(&mut conn).await.unwrap();
    assert!(done.rows_affected() > 0, "{sql}");
}

pub async fn assert_corrupted(f: &Fixture, path: &str) {
    let response = get(f, path).await;
    assert_eq!(
        response.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "{path}"
    );
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("evidence_corrupted"),
        "{body}"
    );
}
