//! The evidence use case: take a snapshot (always from a fresh fetch), keep it signed and
//! chained, and serve it back only after checking that every stored byte is what was signed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::manifest::{
    EvidenceKind, JamfSource, Manifest, ManifestSignature, PreviousLink, SnapshotStatus,
};
use super::observer::{Completed, SnapshotContents, SnapshotObserver};
use super::provenance;
use super::signing::{
    EvidenceSigner, Jwk, JwkSet, canonical, manifest_sha256, records_sha256, seal_message,
    set_address, sha256, signed_bytes,
};
use super::store::{Completion, EvidenceStore, SnapshotFilter, StoredRecord, StoredSnapshot};
use crate::accounts::{IntegratedAccount, StoreError, new_account_id, now};
use crate::directory::model::{DirectorySnapshot, User};
use crate::directory::{DirectoryError, DirectoryService, SnapshotKind};
use crate::review::findings::{self, Finding, Policy};

mod compare;

/// Why evidence could not be served or taken.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("no such snapshot")]
    NotFound,
    /// A stored byte no longer matches what was signed: never served silently.
    #[error("evidence corrupted: {0}")]
    Corrupted(String),
    /// The snapshot has no records (pending or failed).
    #[error("snapshot is {0}, it has no records")]
    NotComplete(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A complete snapshot's contents, checked against its signature.
pub struct Verified {
    pub manifest: Manifest,
    /// The manifest exactly as stored and signed.
    pub manifest_json: Value,
    pub records: Vec<User>,
    /// The records' canonical JSON, in order (the bundle serves these bytes).
    pub canonical_records: Vec<Vec<u8>>,
}

impl Verified {
    /// The directory as it stood, for the findings and the report.
    pub fn directory(&self) -> DirectorySnapshot {
        DirectorySnapshot {
            jamf_version: self.manifest.jamf.version.clone(),
            users: self.records.clone(),
            missing: self.manifest.missing_sources.clone(),
            ..DirectorySnapshot::default()
        }
    }
}

pub struct EvidenceService {
    store: Arc<dyn EvidenceStore>,
    signer: EvidenceSigner,
    directory: Arc<DirectoryService>,
    observer: Arc<dyn SnapshotObserver>,
    password_max_age_days: u32,
}

impl EvidenceService {
    pub async fn new(
        store: Arc<dyn EvidenceStore>,
        signer: EvidenceSigner,
        directory: Arc<DirectoryService>,
        observer: Arc<dyn SnapshotObserver>,
        password_max_age_days: u32,
    ) -> Result<Self, StoreError> {
        let jwk = serde_json::to_string(&signer.public_jwk())
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        store.save_key(signer.kid(), &jwk).await?;
        Ok(Self {
            store,
            signer,
            directory,
            observer,
            password_max_age_days,
        })
    }

    /// Starts a snapshot of `account`: recorded `pending` (durably) before anything is read,
    /// then fetched and completed in its own task, which outlives the caller. Returns the
    /// pending manifest and the task, which ends with the final manifest.
    pub async fn take(
        self: &Arc<Self>,
        account: IntegratedAccount,
        kind: EvidenceKind,
        trigger: String,
    ) -> Result<(Manifest, JoinHandle<Manifest>), EvidenceError> {
        let manifest = Manifest {
            // The service's UUIDv7 generator: ids order snapshots by when they were taken.
            id: new_account_id(),
            integrated_account_id: account.id,
            tenant_id: account.tenant_id.clone(),
            kind,
            status: SnapshotStatus::Pending,
            taken_at: now(),
            completed_at: None,
            trigger,
            jamf: JamfSource {
                url: account.instance_url.clone(),
                version: account.jamf_pro_version.clone(),
                plan: None,
            },
            reads: Vec::new(),
            counts: Default::default(),
            is_partial: false,
            missing_sources: Vec::new(),
            service_version: env!("CARGO_PKG_VERSION").to_owned(),
            records_sha256: None,
            previous: None,
            error: None,
            signature: None,
        };
        self.store.insert(&manifest).await?;
        let service = self.clone();
        let pending = manifest.clone();
        let task = tokio::spawn(async move { service.run(account, manifest).await });
        Ok((pending, task))
    }

    async fn run(&self, account: IntegratedAccount, mut manifest: Manifest) -> Manifest {
        let outcome = match self.fetch(&account, manifest.kind).await {
            Ok(directory) => self.complete(&mut manifest, &directory).await,
            Err(err) => Err(err.to_string()),
        };
        // `caller:<client id>` counts as `caller`: client ids are not a bounded label set.
        let trigger = if manifest.trigger == "schedule" {
            "schedule"
        } else {
            "caller"
        };
        let status = if outcome.is_ok() {
            "complete"
        } else {
            "failed"
        };
        metrics::counter!("evidence_snapshots_total", "kind" => manifest.kind.as_str(),
            "trigger" => trigger, "status" => status)
        .increment(1);
        match outcome {
            Ok(signed) => signed,
            Err(reason) => {
                manifest.status = SnapshotStatus::Failed;
                manifest.completed_at = Some(now());
                manifest.error = Some(reason);
                if let Err(err) = self.store.fail(&manifest).await {
                    tracing::error!(error = %err, snapshot = %manifest.id, "cannot record a failed snapshot");
                }
                manifest
            }
        }
    }

    /// The one place evidence reads Jamf: always a fresh fetch through the directory use case,
    /// never a cached answer.
    async fn fetch(
        &self,
        account: &IntegratedAccount,
        kind: EvidenceKind,
    ) -> Result<DirectorySnapshot, DirectoryError> {
        let kind = match kind {
            EvidenceKind::Admins => SnapshotKind::Directory,
            EvidenceKind::EndUsers => SnapshotKind::Inventory,
        };
        // Waited for whole: the snapshot's own task outlives the request that asked for it.
        let served = self.directory.fresh_snapshot(account, kind).await?;
        Ok(served.snapshot.snapshot.clone())
    }

    /// Signs and stores the completed snapshot, chained to the newest complete one. A
    /// concurrent completion of the same account and kind makes the link stale: then once more.
    async fn complete(
        &self,
        manifest: &mut Manifest,
        directory: &DirectorySnapshot,
    ) -> Result<Manifest, String> {
        let records = canonical_records(&directory.users).map_err(|e| e.to_string())?;
        // An inventory fetch does not read the version: the account's, read when it was
        // connected or last refreshed, stands.
        if directory.jamf_version.is_some() {
            manifest.jamf.version = directory.jamf_version.clone();
        }
        let (plan, reads) =
            provenance::reads(manifest.kind, manifest.jamf.version.as_deref(), directory);
        manifest.jamf.plan = Some(plan);
        manifest.reads = reads;
        manifest.counts = provenance::counts(directory);
        manifest.is_partial = directory.is_partial();
        manifest.missing_sources = directory.missing.clone();
        let digest = records_sha256(records.iter().map(|r| &r.body[..]));
        let record_set = set_address(records.iter().map(|r| &r.sha256[..]));
        let record_set_seal = format!(
            "{}:{}",
            self.signer.kid(),
            self.signer
                .sign(&seal_message(manifest.id, &digest, &record_set))
        );
        manifest.records_sha256 = Some(digest);
        manifest.status = SnapshotStatus::Complete;
        manifest.completed_at = Some(now());
        let found = findings::findings(directory, &self.policy(manifest.taken_at));
        let finding_ids: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
        let finding_ids = serde_json::to_string(&finding_ids).map_err(|e| e.to_string())?;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let previous = self
                .store
                .latest_complete(manifest.integrated_account_id, manifest.kind)
                .await
                .map_err(|e| e.to_string())?;
            let previous_contents = match &previous {
                Some(stored) => Some(self.verify(stored).await.map_err(|e| e.to_string())?),
                None => None,
            };
            manifest.previous = previous.as_ref().and_then(|p| {
                Some(PreviousLink {
                    id: p.id,
                    sha256: p.manifest_sha256.clone()?,
                })
            });
            let (json, sha256) = self.sign(manifest).map_err(|e| e.to_string())?;
            let previous_findings = previous_contents
                .as_ref()
                .map(|p| findings::findings(&p.directory(), &self.policy(p.manifest.taken_at)));
            let completed = Completed {
                snapshot: SnapshotContents {
                    manifest,
                    records: &directory.users,
                    findings: &found,
                },
                previous: previous_contents.as_ref().map(|p| SnapshotContents {
                    manifest: &p.manifest,
                    records: &p.records,
                    findings: previous_findings.as_deref().unwrap_or_default(),
                }),
            };
            let completion = Completion {
                id: manifest.id,
                manifest: json,
                manifest_sha256: sha256,
                records: &records,
                record_set: record_set.clone(),
                record_set_seal: record_set_seal.clone(),
                finding_ids: finding_ids.clone(),
                previous: previous.as_ref().map(|p| p.id),
            };
            match self
                .store
                .complete(completion, self.observer.as_ref(), &completed)
                .await
            {
                Ok(()) => return Ok(manifest.clone()),
                Err(StoreError::Conflict) if attempts < 3 => continue,
                Err(err) => return Err(err.to_string()),
            }
        }
    }

    fn policy(&self, now: DateTime<Utc>) -> Policy {
        Policy {
            password_max_age_days: self.password_max_age_days,
            now,
        }
    }

    /// Signs `manifest` in place; returns its JSON and the SHA-256 of its canonical form.
    fn sign(&self, manifest: &mut Manifest) -> serde_json::Result<(String, String)> {
        manifest.signature = None;
        let unsigned = serde_json::to_value(&*manifest)?;
        let value = self.signer.sign(&signed_bytes(&unsigned)?);
        manifest.signature = Some(ManifestSignature {
            alg: "EdDSA".to_owned(),
            kid: self.signer.kid().to_owned(),
            value,
        });
        let signed = serde_json::to_value(&*manifest)?;
        Ok((serde_json::to_string(&signed)?, manifest_sha256(&signed)?))
    }

    pub async fn get(&self, id: Uuid) -> Result<StoredSnapshot, EvidenceError> {
        self.store.get(id).await?.ok_or(EvidenceError::NotFound)
    }

    pub async fn list(
        &self,
        filter: &SnapshotFilter,
    ) -> Result<Vec<StoredSnapshot>, EvidenceError> {
        Ok(self.store.list(filter).await?)
    }

    /// The public keys of every kept snapshot's signer.
    pub async fn keys(&self) -> Result<JwkSet, EvidenceError> {
        let mut keys = Vec::new();
        for json in self.store.keys(self.signer.kid()).await? {
            let key: Jwk = serde_json::from_str(&json)
                .map_err(|e| EvidenceError::Corrupted(format!("stored key: {e}")))?;
            keys.push(key);
        }
        Ok(JwkSet { keys })
    }

    /// The stored manifest, checked: its signature, and its digest where the chain uses it.
    pub async fn manifest(&self, stored: &StoredSnapshot) -> Result<Manifest, EvidenceError> {
        Ok(self.checked_manifest(stored).await?.0)
    }

    async fn checked_manifest(
        &self,
        stored: &StoredSnapshot,
    ) -> Result<(Manifest, Value), EvidenceError> {
        let corrupted =
            |what: String| EvidenceError::Corrupted(format!("snapshot {}: {what}", stored.id));
        let json: Value = serde_json::from_str(&stored.manifest)
            .map_err(|e| corrupted(format!("manifest is not JSON: {e}")))?;
        let manifest: Manifest = serde_json::from_value(json.clone())
            .map_err(|e| corrupted(format!("manifest unreadable: {e}")))?;
        let row_agrees = manifest.id == stored.id
            && manifest.integrated_account_id == stored.integrated_account_id
            && manifest.status.as_str() == stored.status
            && manifest.kind.as_str() == stored.kind;
        if !row_agrees {
            return Err(corrupted("manifest does not match its row".into()));
        }
        if manifest.status != SnapshotStatus::Complete {
            return Ok((manifest, json));
        }
        let keys = self.keys().await?;
        if let Some(reason) = signature_fault(&json, &keys) {
            return Err(corrupted(reason));
        }
        let digest = manifest_sha256(&json).map_err(|e| corrupted(e.to_string()))?;
        if stored.manifest_sha256.as_deref() != Some(digest.as_str()) {
            return Err(corrupted(
                "manifest digest differs from the stored one".into(),
            ));
        }
        Ok((manifest, json))
    }

    /// A complete snapshot's manifest and records, every stored byte checked against the
    /// signed digests.
    pub async fn verify(&self, stored: &StoredSnapshot) -> Result<Verified, EvidenceError> {
        let (manifest, manifest_json) = self.checked_manifest(stored).await?;
        let corrupted =
            |what: &str| EvidenceError::Corrupted(format!("snapshot {}: {what}", stored.id));
        let set = complete_set(&manifest, stored)?;
        let stored_records = self.store.records(set).await?;
        // Its records deleted while read: retention took the snapshot.
        if stored_records.is_empty() && self.store.get(stored.id).await?.is_none() {
            return Err(EvidenceError::NotFound);
        }
        if stored_records
            .iter()
            .any(|r| sha256(&r.body)[..] != r.sha256[..])
        {
            return Err(corrupted("a record differs from its digest"));
        }
        let digest = records_sha256(stored_records.iter().map(|r| &r.body[..]));
        if manifest.records_sha256.as_deref() != Some(digest.as_str()) {
            return Err(corrupted("records differ from the signed records_sha256"));
        }
        let records = stored_records
            .iter()
            .map(|r| serde_json::from_slice::<User>(&r.body))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| corrupted("a record is unreadable"))?;
        Ok(Verified {
            manifest,
            manifest_json,
            records,
            canonical_records: stored_records.into_iter().map(|r| r.body).collect(),
        })
    }

    /// Findings of a verified snapshot as they stood then, each with `first_seen_at`.
    pub async fn findings(&self, snapshot: &Verified) -> Result<Vec<Finding>, EvidenceError> {
        let mut found = findings::findings(
            &snapshot.directory(),
            &self.policy(snapshot.manifest.taken_at),
        );
        self.first_seen(
            snapshot.manifest.integrated_account_id,
            snapshot.manifest.kind,
            Some(snapshot.manifest.id),
            &mut found,
        )
        .await?;
        Ok(found)
    }

    /// Sets each finding's `first_seen_at`: the `taken_at` of the earliest snapshot in the
    /// unbroken run of complete snapshots, back from `upto` (or the newest), that show it.
    /// Findings the starting snapshot does not show keep null.
    pub async fn first_seen(
        &self,
        account: Uuid,
        kind: EvidenceKind,
        upto: Option<Uuid>,
        found: &mut [Finding],
    ) -> Result<(), EvidenceError> {
        // Read back a page at a time: a run usually ends within the newest few snapshots.
        const PAGE: u32 = 32;
        let mut open: HashSet<String> = found.iter().map(|f| f.id.clone()).collect();
        let mut since: HashMap<String, DateTime<Utc>> = HashMap::new();
        let mut before = upto.map(next_id);
        'history: loop {
            let page = self
                .store
                .list(&SnapshotFilter {
                    integrated_account_id: account,
                    kind: Some(kind),
                    status: Some(SnapshotStatus::Complete),
                    since: None,
                    until: None,
                    before,
                    limit: PAGE,
                })
                .await?;
            for snapshot in &page {
                let shown: HashSet<String> = snapshot
                    .finding_ids
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()
                    .map_err(|_| {
                        EvidenceError::Corrupted(format!("snapshot {}: finding ids", snapshot.id))
                    })?
                    .unwrap_or_default();
                open.retain(|id| shown.contains(id));
                if open.is_empty() {
                    break 'history;
                }
                // Older snapshots come later: the last one written is the run's earliest.
                for id in &open {
                    since.insert(id.clone(), snapshot.taken_at);
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => before = Some(last.id),
                _ => break,
            }
        }
        for finding in found.iter_mut() {
            finding.first_seen_at = since.get(&finding.id).copied();
        }
        Ok(())
    }

    /// Fails the snapshots left `pending` by a replica that stopped while taking them: those
    /// taken more than `after` ago, when their fetch (bounded by `upstream.deadline_secs`)
    /// cannot still be running. Returns how many.
    pub async fn fail_abandoned(&self, after: std::time::Duration) -> Result<u64, EvidenceError> {
        // A deadline too long to subtract: nothing can be that old.
        let Some(cutoff) = chrono::Duration::from_std(after)
            .ok()
            .and_then(|after| Utc::now().checked_sub_signed(after))
        else {
            return Ok(0);
        };
        let mut failed = 0;
        for stored in self.store.pending_before(cutoff).await? {
            // One unreadable row must not keep the others pending: it is named and left.
            let Ok(mut manifest) = serde_json::from_str::<Manifest>(&stored.manifest) else {
                tracing::error!(snapshot = %stored.id, "a pending snapshot's manifest is unreadable");
                continue;
            };
            manifest.status = SnapshotStatus::Failed;
            manifest.completed_at = Some(now());
            manifest.error = Some(
                "interrupted: the replica taking it stopped before its fetch completed".into(),
            );
            // Another replica's sweep, or a completion, may have got there first.
            failed += u64::from(self.store.fail(&manifest).await?);
        }
        metrics::counter!("evidence_snapshots_interrupted_total").increment(failed);
        Ok(failed)
    }

    /// Deletes snapshots older than `days` (and what only they used).
    pub async fn apply_retention(&self, days: u32) -> Result<u64, EvidenceError> {
        let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
        Ok(self.store.delete_before(cutoff).await?)
    }

    pub fn store(&self) -> &dyn EvidenceStore {
        self.store.as_ref()
    }
}

/// A complete snapshot's record set; a signed complete manifest whose row lost its set is
/// corrupted, not incomplete.
fn complete_set<'a>(
    manifest: &Manifest,
    stored: &'a StoredSnapshot,
) -> Result<&'a [u8], EvidenceError> {
    match (manifest.status, &stored.record_set) {
        (SnapshotStatus::Complete, Some(set)) => Ok(set),
        (SnapshotStatus::Complete, None) => Err(EvidenceError::Corrupted(format!(
            "snapshot {}: complete without its records",
            stored.id
        ))),
        (status, _) => Err(EvidenceError::NotComplete(status.as_str())),
    }
}

/// The smallest UUID after `id`, so `before` includes `id` itself.
fn next_id(id: Uuid) -> Uuid {
    Uuid::from_u128(id.as_u128().saturating_add(1))
}

/// Why a signed manifest does not verify with `keys`, if it does not.
pub fn signature_fault(manifest: &Value, keys: &JwkSet) -> Option<String> {
    let signature: ManifestSignature = match serde_json::from_value(manifest["signature"].clone()) {
        Ok(signature) => signature,
        Err(_) => return Some("manifest is not signed".into()),
    };
    let Some(key) = keys.find(&signature.kid) else {
        return Some(format!("no public key {:?}", signature.kid));
    };
    let Ok(message) = signed_bytes(manifest) else {
        return Some("manifest cannot be canonicalized".into());
    };
    (!key.verifies(&message, &signature.value)).then(|| "signature does not verify".into())
}

/// Each record's canonical JSON and its address.
fn canonical_records(users: &[User]) -> serde_json::Result<Vec<StoredRecord>> {
    users
        .iter()
        .map(|user| {
            // Through a `Value`, as a verifier reads it back: raw Jamf JSON parsed alike.
            let body = canonical(&serde_json::to_value(user)?)?;
            Ok(StoredRecord {
                sha256: sha256(&body).to_vec(),
                body,
            })
        })
        .collect()
}
