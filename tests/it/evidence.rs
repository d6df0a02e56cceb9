//! Evidence snapshots end to end: taken from a real simulator, signed, chained, read back,
//! compared, checked offline by the real binary, kept across SIGKILL, on SQLite and
//! PostgreSQL.

/// Two tests, `$sqlite` and `$postgres`, each running `$body(settings)` with evidence on over
/// that database (the PostgreSQL one skips, saying so, where no PostgreSQL answers).
macro_rules! on_both_databases {
    ($body:path => $sqlite:ident, $postgres:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $body(crate::evidence::evidence_settings()).await;
        }

        #[tokio::test]
        async fn $postgres() {
            let Some((settings, schema)) = crate::evidence::evidence_settings_on_postgres().await
            else {
                return;
            };
            $body(settings).await;
            schema.drop().await;
        }
    };
}

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

use crate::support::{Fixture, PgSchema, test_settings};

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

/// [`evidence_settings`] on a fresh PostgreSQL schema; `None` when no PostgreSQL answers.
pub async fn evidence_settings_on_postgres() -> Option<(Settings, PgSchema)> {
    let schema = PgSchema::create().await?;
    let mut settings = evidence_settings();
    settings.storage.database_url = schema.url.clone();
    settings.storage.encryption_key = Some("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".into());
    Some((settings, schema))
}

/// A connection to the test's database, SQLite or PostgreSQL, for what a test does behind
/// the service's back (counting rows, backdating a snapshot).
pub enum TestDb {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl TestDb {
    pub async fn connect(database_url: &str) -> Self {
        use sqlx::Connection as _;
        if database_url.starts_with("postgres") {
            Self::Postgres(sqlx::PgConnection::connect(database_url).await.unwrap())
        } else {
            Self::Sqlite(sqlx::SqliteConnection::connect(database_url).await.unwrap())
        }
    }

    pub async fn count(&mut self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match self {
            Self::Sqlite(conn) => sqlx::query_scalar(&sql).fetch_one(conn).await,
            Self::Postgres(conn) => sqlx::query_scalar(&sql).fetch_one(conn).await,
        }
        .unwrap()
    }

    /// Runs `sql`; returns the rows it changed.
    pub async fn execute(&mut self, sql: &str) -> u64 {
        match self {
            Self::Sqlite(conn) => sqlx::query(sql)
                .execute(conn)
                .await
                .map(|d| d.rows_affected()),
            Self::Postgres(conn) => sqlx::query(sql)
                .execute(conn)
                .await
                .map(|d| d.rows_affected()),
        }
        .unwrap()
    }

    /// Moves a snapshot's `taken_at` to `at`.
    pub async fn backdate(&mut self, snapshot: uuid::Uuid, at: chrono::DateTime<chrono::Utc>) {
        const SQL: &str = "UPDATE evidence_snapshots SET taken_at = $1 WHERE id = $2";
        let done = match self {
            Self::Sqlite(conn) => sqlx::query(SQL)
                .bind(at)
                .bind(snapshot)
                .execute(conn)
                .await
                .map(|done| done.rows_affected()),
            Self::Postgres(conn) => sqlx::query(SQL)
                .bind(at)
                .bind(snapshot)
                .execute(conn)
                .await
                .map(|done| done.rows_affected()),
        };
        assert_eq!(done.unwrap(), 1);
    }
}

/// Connects the simulator as tenant `acme`'s integrated account through a real `serve`.
pub async fn serve_account(
    serve: &crate::support::serve::Serve,
    token: &str,
    sim: &jamf_sim::SimServer,
) -> Value {
    let body = crate::support::sim_account_body(sim, "acme");
    let response = serve.post_json(token, "/integrated-account", &body).await;
    response.json().await.unwrap()
}

/// `POST /access-review/snapshots` for `account` through a real `serve`.
pub async fn serve_take(
    serve: &crate::support::serve::Serve,
    token: &str,
    account: &Value,
) -> reqwest::Response {
    let body = json!({"integrated_account_id": account["id"]});
    serve.post_json(token, SNAPSHOTS, &body).await
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

/// Runs `sql` on the test's database; it must change something.
pub async fn tamper(database_url: &str, sql: &str) {
    let done = TestDb::connect(database_url).await.execute(sql).await;
    assert!(done > 0, "{sql}");
}

/// Replaces `from` with `to` in the stored JSON of every record holding it.
pub async fn tamper_records(database_url: &str, from: &str, to: &str) {
    let sql = if database_url.starts_with("postgres") {
        format!(
            "UPDATE evidence_records SET body = convert_to(replace(convert_from(body, 'UTF8'), \
             '{from}', '{to}'), 'UTF8') WHERE position('{from}' in convert_from(body, 'UTF8')) > 0"
        )
    } else {
        format!(
            "UPDATE evidence_records SET body = CAST(replace(CAST(body AS TEXT), '{from}', \
             '{to}') AS BLOB) WHERE instr(CAST(body AS TEXT), '{from}') > 0"
        )
    };
    tamper(database_url, &sql).await;
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
