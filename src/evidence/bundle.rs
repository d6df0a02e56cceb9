//! Bundles: one JSON document `{"manifest", "records"}` per snapshot, what an auditor archives,
//! and their offline check (`jamf-directory evidence verify`): each bundle's records against
//! its signed digest, its signature against the published keys, and the `previous` links of
//! several bundles of one account and kind as an unbroken chain.

use std::collections::BTreeMap;

use serde_json::Value;

use super::manifest::Manifest;
use super::service::signature_fault;
use super::signing::{JwkSet, canonical, manifest_sha256, records_sha256};

/// A bundle's bytes: the manifest as signed and the records' canonical JSON, unchanged.
pub fn render(manifest: &Value, canonical_records: &[Vec<u8>]) -> serde_json::Result<Vec<u8>> {
    let manifest = serde_json::to_vec(manifest)?;
    let size = canonical_records.iter().map(|r| r.len() + 1).sum::<usize>();
    let mut out = Vec::with_capacity(manifest.len() + size + 32);
    out.extend_from_slice(b"{\"manifest\":");
    out.extend_from_slice(&manifest);
    out.extend_from_slice(b",\"records\":[");
    for (index, record) in canonical_records.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(record);
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

/// One bundle as read from a file, named for messages.
pub struct NamedBundle {
    pub name: String,
    pub bundle: Value,
}

/// Every fault found in `bundles`; empty when all are valid. Signatures are checked only when
/// `keys` are given.
pub fn verify(bundles: &[NamedBundle], keys: Option<&JwkSet>) -> Vec<String> {
    let mut faults = Vec::new();
    let mut chains: BTreeMap<(String, String), Vec<(&str, Manifest, String)>> = BTreeMap::new();
    for NamedBundle { name, bundle } in bundles {
        let json = &bundle["manifest"];
        let manifest: Manifest = match serde_json::from_value(json.clone()) {
            Ok(manifest) => manifest,
            Err(err) => {
                faults.push(format!("{name}: no readable manifest: {err}"));
                continue;
            }
        };
        let Some(records) = bundle["records"].as_array() else {
            faults.push(format!("{name}: no records array"));
            continue;
        };
        let canonical_records: Result<Vec<Vec<u8>>, _> = records.iter().map(canonical).collect();
        let digest = canonical_records
            .map(|records| records_sha256(records.iter().map(Vec::as_slice)))
            .ok();
        if digest.is_none() || digest != manifest.records_sha256 {
            faults.push(format!(
                "{name}: records do not match the manifest's records_sha256 (a record was altered, added or removed)"
            ));
        }
        if let Some(keys) = keys
            && let Some(reason) = signature_fault(json, keys)
        {
            faults.push(format!(
                "{name}: {reason} (the manifest was altered or signed by another key)"
            ));
        }
        let Ok(sha256) = manifest_sha256(json) else {
            faults.push(format!("{name}: manifest cannot be canonicalized"));
            continue;
        };
        let key = (
            manifest.integrated_account_id.to_string(),
            manifest.kind.as_str().to_owned(),
        );
        chains
            .entry(key)
            .or_default()
            .push((name, manifest, sha256));
    }
    for chain in chains.values_mut() {
        // UUIDv7 ids order snapshots by when they were taken.
        chain.sort_by_key(|(_, manifest, _)| manifest.id);
        for pair in chain.windows(2) {
            let (earlier, later) = (&pair[0], &pair[1]);
            match &later.1.previous {
                Some(link) if link.id == earlier.1.id && link.sha256 == earlier.2 => {}
                Some(link) if link.id == earlier.1.id => faults.push(format!(
                    "{}: its previous snapshot {} ({}) is not the manifest it links to (altered)",
                    later.0, earlier.1.id, earlier.0
                )),
                Some(link) => faults.push(format!(
                    "{}: chain broken: it follows snapshot {}, which is not among the bundles (after {} in {})",
                    later.0, link.id, earlier.1.id, earlier.0
                )),
                None => faults.push(format!(
                    "{}: chain broken: it has no previous snapshot, yet {} ({}) came before it",
                    later.0, earlier.1.id, earlier.0
                )),
            }
        }
    }
    faults
}
