//! Start-up: the evidence store on the service's database and the signing key, when
//! `evidence.signing_key` is set (without one, evidence is off).

use std::sync::Arc;

use anyhow::Context as _;
use secrecy::ExposeSecret as _;

use super::observer::SnapshotObserver;
use super::service::EvidenceService;
use super::signing::EvidenceSigner;
use super::store::{EvidenceStore, SqlEvidenceStore};
use crate::accounts::{postgres_pool, sqlite_pool, store::is_postgres};
use crate::directory::DirectoryService;
use crate::settings::Settings;

/// The evidence service, or `None` when no signing key is configured.
pub async fn evidence_service(
    settings: &Settings,
    directory: Arc<DirectoryService>,
    observer: Arc<dyn SnapshotObserver>,
) -> anyhow::Result<Option<Arc<EvidenceService>>> {
    let Some(seed) = settings.evidence_seed()? else {
        tracing::info!("evidence snapshots are off: set evidence.signing_key to keep them");
        return Ok(None);
    };
    let signer = EvidenceSigner::from_seed(seed.expose_secret())
        .context("evidence.signing_key must be a 32-byte seed")?;
    let url = &settings.storage.database_url;
    let store: Arc<dyn EvidenceStore> = if is_postgres(url) {
        Arc::new(SqlEvidenceStore::new(postgres_pool(url).await?))
    } else {
        Arc::new(SqlEvidenceStore::new(sqlite_pool(url).await?))
    };
    let service = EvidenceService::new(
        store,
        signer,
        directory,
        observer,
        settings.access_review.password_max_age_days,
    )
    .await
    .context("cannot open the evidence store (storage.database_url)")?;
    Ok(Some(Arc::new(service)))
}
