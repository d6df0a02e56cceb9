//! A snapshot acknowledged with 201 survives SIGKILL of the real `serve` process right after;
//! one cut short by SIGKILL ends `failed`.

use jamf_sim::{Faults, SimConfig, SimServer};
use serde_json::Value;

use super::{EVIDENCE_KEY, SNAPSHOTS, serve_account, serve_take, verify};
use crate::support::PgSchema;
use crate::support::serve::{Serve, write_config};

const CLIENT: (&str, &str) = ("evidence-durability", "evidence-durability-secret-0123");

/// Takes a snapshot through the real `serve` on `db`, kills it with SIGKILL right after the
/// 201, and checks the restarted service serves the same snapshot, verifiable offline.
async fn survives_sigkill(db: &str, dir: &tempfile::TempDir) {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let extra = format!(
        "[upstream]\nallow_private_networks = true\n[evidence]\nsigning_key = \"{EVIDENCE_KEY}\"\nschedule_secs = 0\n"
    );
    let config = write_config(dir.path(), db, CLIENT, &extra);

    let serve = Serve::start(&config).await;
    let token = serve.token(CLIENT.0, CLIENT.1).await;
    let account = serve_account(&serve, &token, &sim).await;
    let response = serve_take(&serve, &token, &account).await;
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    let manifest: Value = response.json().await.unwrap();
    serve.kill().await;

    let serve = Serve::start(&config).await;
    let token = serve.token(CLIENT.0, CLIENT.1).await;
    let id = manifest["id"].as_str().unwrap();
    let stored = serve.get_json(&token, &format!("{SNAPSHOTS}/{id}")).await;
    assert_eq!(stored, manifest, "the acknowledged manifest, unchanged");
    let bundle = serve.get(&token, &format!("{SNAPSHOTS}/{id}/bundle")).await;
    assert_eq!(bundle.status(), reqwest::StatusCode::OK);
    let path = dir.path().join("bundle.json");
    std::fs::write(&path, bundle.bytes().await.unwrap()).unwrap();
    // Public: the token is not needed, and not in the way.
    let keys = serve.get(&token, "/access-review/evidence-key").await;
    let keys = keys.bytes().await.unwrap();
    let keys_path = dir.path().join("keys.json");
    std::fs::write(&keys_path, keys).unwrap();
    let (ok, out) = verify(&[&path], Some(&keys_path));
    assert!(ok, "{out}");
}

#[tokio::test]
async fn a_snapshot_acknowledged_with_201_survives_sigkill_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/evidence.db", dir.path().display());
    survives_sigkill(&db, &dir).await;
}

#[tokio::test]
async fn a_snapshot_acknowledged_with_201_survives_sigkill_on_postgres() {
    let Some(schema) = PgSchema::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    survives_sigkill(&schema.url, &dir).await;
    schema.drop().await;
}

/// A snapshot whose replica is killed mid-fetch does not stay `pending` for ever: once older
/// than twice `upstream.deadline_secs` (no fetch can still be running), the next replica to
/// start marks it `failed`, saying why.
#[tokio::test]
async fn a_snapshot_cut_short_by_sigkill_ends_failed() {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/evidence.db", dir.path().display());
    let evidence = format!("[evidence]\nsigning_key = \"{EVIDENCE_KEY}\"\nschedule_secs = 0\n");
    let config = write_config(
        dir.path(),
        &db,
        CLIENT,
        &format!(
            "[server]\nfetch_wait_secs = 1\n[upstream]\nallow_private_networks = true\n{evidence}"
        ),
    );
    let serve = Serve::start(&config).await;
    let token = serve.token(CLIENT.0, CLIENT.1).await;
    let account = serve_account(&serve, &token, &sim).await;
    // The account list hangs: the snapshot's fetch cannot finish before the kill.
    sim.control()
        .set_faults(Faults {
            hang: true,
            endpoints: vec!["GET /api/v1/accounts".into()],
            ..Faults::default()
        })
        .unwrap();
    let response = serve_take(&serve, &token, &account).await;
    assert_eq!(response.status(), reqwest::StatusCode::ACCEPTED);
    let pending: Value = response.json().await.unwrap();
    assert_eq!(pending["status"], "pending");
    serve.kill().await;
    sim.control().clear_faults();

    // Restarted with a one-second deadline, after two have passed since the snapshot began.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let config = write_config(
        dir.path(),
        &db,
        CLIENT,
        &format!(
            "[upstream]\nallow_private_networks = true\ntimeout_secs = 1\ndeadline_secs = 1\n{evidence}"
        ),
    );
    let serve = Serve::start(&config).await;
    let token = serve.token(CLIENT.0, CLIENT.1).await;
    let path = format!("{SNAPSHOTS}/{}", pending["id"].as_str().unwrap());
    let mut manifest = Value::Null;
    for _ in 0..50 {
        manifest = serve.get_json(&token, &path).await;
        if manifest["status"] != "pending" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(manifest["status"], "failed", "{manifest}");
    assert!(
        manifest["error"]
            .as_str()
            .unwrap()
            .starts_with("interrupted"),
        "{manifest}"
    );
    assert_eq!(manifest["taken_at"], pending["taken_at"]);
    assert!(manifest["completed_at"].is_string());
}
