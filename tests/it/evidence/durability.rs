//! A snapshot acknowledged with 201 survives SIGKILL of the real `serve` process right after.

use jamf_sim::{SimConfig, SimServer};
use serde_json::{Value, json};

use super::{EVIDENCE_KEY, verify};
use crate::support::serve::{Serve, write_config};
use crate::support::sim_account_body;

const CLIENT: (&str, &str) = ("evidence-durability", "evidence-durability-secret-0123");

#[tokio::test]
async fn a_snapshot_acknowledged_with_201_survives_sigkill() {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/evidence.db", dir.path().display());
    let extra = format!(
        "[upstream]\nallow_private_networks = true\n[evidence]\nsigning_key = \"{EVIDENCE_KEY}\"\nschedule_secs = 0\n"
    );
    let config = write_config(dir.path(), &db, CLIENT, &extra);
    let http = reqwest::Client::new();

    let serve = Serve::start(&config).await;
    let token = serve.token(CLIENT.0, CLIENT.1).await;
    let account: Value = http
        .post(format!("{}/integrated-account", serve.base))
        .bearer_auth(&token)
        .json(&sim_account_body(&sim, "acme"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = http
        .post(format!("{}/access-review/snapshots", serve.base))
        .bearer_auth(&token)
        .json(&json!({"integrated_account_id": account["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    let manifest: Value = response.json().await.unwrap();
    serve.kill().await;

    let serve = Serve::start(&config).await;
    let token = serve.token(CLIENT.0, CLIENT.1).await;
    let id = manifest["id"].as_str().unwrap();
    let stored: Value = http
        .get(format!("{}/access-review/snapshots/{id}", serve.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stored, manifest, "the acknowledged manifest, unchanged");
    let bundle = http
        .get(format!(
            "{}/access-review/snapshots/{id}/bundle",
            serve.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), reqwest::StatusCode::OK);
    let path = dir.path().join("bundle.json");
    std::fs::write(&path, bundle.bytes().await.unwrap()).unwrap();
    let keys = http
        .get(format!("{}/access-review/evidence-key", serve.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let keys_path = dir.path().join("keys.json");
    std::fs::write(&keys_path, keys).unwrap();
    let (ok, out) = verify(&[&path], Some(&keys_path));
    assert!(ok, "{out}");
}
