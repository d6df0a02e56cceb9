//! The seam for whatever must happen exactly when a snapshot completes (change notifications
//! write their outbox rows here): called inside the transaction that stores the completed
//! snapshot, so its writes commit or roll back with it.

use async_trait::async_trait;
use sqlx::{PgConnection, SqliteConnection};

use super::manifest::Manifest;
use crate::accounts::StoreError;
use crate::directory::model::User;
use crate::review::findings::Finding;

/// The open transaction of a snapshot's completion, on whichever database the service uses.
pub enum EvidenceTx<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

/// One snapshot's contents: its signed manifest, records in id order, and findings.
pub struct SnapshotContents<'a> {
    pub manifest: &'a Manifest,
    pub records: &'a [User],
    pub findings: &'a [Finding],
}

/// A completed snapshot and the previous complete one of the same account and kind, if any
/// (what [`crate::evidence::changes::diff`] compares).
pub struct Completed<'a> {
    pub snapshot: SnapshotContents<'a>,
    pub previous: Option<SnapshotContents<'a>>,
}

/// Told of every completed snapshot, inside its storing transaction. An error rolls the
/// completion back (the snapshot is then recorded as failed).
#[async_trait]
pub trait SnapshotObserver: Send + Sync {
    async fn snapshot_completed(
        &self,
        tx: EvidenceTx<'_>,
        completed: &Completed<'_>,
    ) -> Result<(), StoreError>;
}

/// Observes nothing.
pub struct NoObserver;

#[async_trait]
impl SnapshotObserver for NoObserver {
    async fn snapshot_completed(
        &self,
        _tx: EvidenceTx<'_>,
        _completed: &Completed<'_>,
    ) -> Result<(), StoreError> {
        Ok(())
    }
}
