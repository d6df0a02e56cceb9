//! Snapshots of one account form a hash chain: the real binary checks several bundles offline
//! and names a snapshot missing from the middle, an altered record and an altered manifest.

use jamf_directory::settings::Settings;
use reqwest::StatusCode;
use serde_json::Value;

use super::{save_bundle, save_keys, take, verify};
use crate::support::Fixture;

fn edit_json(path: &std::path::Path, edit: impl FnOnce(&mut Value)) {
    let mut bundle: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    edit(&mut bundle);
    std::fs::write(path, serde_json::to_vec(&bundle).unwrap()).unwrap();
}

async fn three_snapshots_chain_and_faults_are_named(settings: Settings) {
    let f = Fixture::start_with(jamf_sim::SimConfig::default(), settings).await;
    let mut manifests = Vec::new();
    for _ in 0..3 {
        manifests.push(take(&f, StatusCode::CREATED).await);
    }
    let ids: Vec<&str> = manifests
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(manifests[1]["previous"]["id"], ids[0]);
    assert_eq!(manifests[2]["previous"]["id"], ids[1]);
    assert_eq!(
        manifests[0]["records_sha256"],
        manifests[2]["records_sha256"]
    );

    let dir = tempfile::tempdir().unwrap();
    let keys = save_keys(&f, dir.path()).await;
    let mut bundles = Vec::new();
    for id in &ids {
        bundles.push(save_bundle(&f, id, dir.path()).await);
    }
    let all: Vec<&std::path::Path> = bundles.iter().map(|b| b.as_path()).collect();
    let (ok, out) = verify(&all, Some(&keys));
    assert!(ok && out.trim() == "valid", "{out}");

    // The middle snapshot removed: the third no longer follows the first.
    let (ok, out) = verify(&[all[0], all[2]], Some(&keys));
    assert!(!ok, "{out}");
    assert!(
        out.contains("chain broken") && out.contains(ids[1]),
        "{out}"
    );

    // A record altered in an archived bundle.
    let altered = dir.path().join("altered-record.json");
    std::fs::copy(all[1], &altered).unwrap();
    edit_json(&altered, |b| {
        b["records"][0]["username"] = "someone.else".into()
    });
    let (ok, out) = verify(&[&altered], Some(&keys));
    assert!(!ok && out.contains("records do not match"), "{out}");

    // The manifest altered: its signature fails, and so does the next one's link to it.
    let forged = dir.path().join("altered-manifest.json");
    std::fs::copy(all[0], &forged).unwrap();
    edit_json(&forged, |b| b["manifest"]["counts"]["admins"] = 1.into());
    let (ok, out) = verify(&[&forged, all[1]], Some(&keys));
    assert!(!ok, "{out}");
    assert!(out.contains("signature does not verify"), "{out}");
    assert!(out.contains("not the manifest it links to"), "{out}");
}

on_both_databases!(three_snapshots_chain_and_faults_are_named => a_chain_of_three_verifies_and_gaps_and_alterations_are_named_on_sqlite, a_chain_of_three_verifies_and_gaps_and_alterations_are_named_on_postgres);
