//! Evidence storage in the service's database (SQLite or PostgreSQL). As with integrated
//! accounts, every statement is written once (`$N` parameters, which SQLite also accepts) and
//! the store is instantiated for both backends by one macro.
//!
//! Records are content-addressed: `evidence_records` holds each distinct record's canonical
//! JSON under its SHA-256, `evidence_record_sets` each distinct ordered list of them, and a
//! snapshot names its set; its findings' ids are kept the same way. An unchanged snapshot
//! therefore adds one row.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Pool, Postgres, Row as _, Sqlite};
use uuid::Uuid;

use super::manifest::{EvidenceKind, Manifest, SnapshotStatus};
use super::observer::{Completed, EvidenceTx, SnapshotObserver};
use super::signing::sha256;
use crate::accounts::StoreError;

/// A snapshot row as stored.
#[derive(Debug, Clone)]
pub struct StoredSnapshot {
    pub id: Uuid,
    pub integrated_account_id: Uuid,
    pub tenant_id: String,
    pub kind: String,
    pub status: String,
    pub taken_at: DateTime<Utc>,
    /// The manifest JSON as stored (signed when complete).
    pub manifest: String,
    pub manifest_sha256: Option<String>,
    pub record_set: Option<Vec<u8>>,
    /// The seal binding `record_set` to the signed manifest (`kid:signature`); none on
    /// snapshots kept before seals, which are checked whole.
    pub record_set_seal: Option<String>,
    pub finding_ids: Option<String>,
}

/// One record of a set: its address and its canonical JSON.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub sha256: Vec<u8>,
    pub body: Vec<u8>,
}

/// What a snapshot list selects; newest first.
#[derive(Debug, Clone)]
pub struct SnapshotFilter {
    pub integrated_account_id: Uuid,
    pub kind: Option<EvidenceKind>,
    pub status: Option<SnapshotStatus>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only snapshots older than this one (the cursor).
    pub before: Option<Uuid>,
    pub limit: u32,
}

/// What completing a snapshot writes in one transaction.
pub struct Completion<'a> {
    pub id: Uuid,
    /// The signed manifest's JSON and the SHA-256 of its canonical form.
    pub manifest: String,
    pub manifest_sha256: String,
    pub records: &'a [StoredRecord],
    pub record_set: Vec<u8>,
    pub record_set_seal: String,
    /// The ids of its findings, a JSON array.
    pub finding_ids: String,
    /// The previous complete snapshot the manifest links to. When another completion of the
    /// same account and kind got in first, the write is refused (`Conflict`): the chain never
    /// forks.
    pub previous: Option<Uuid>,
}

#[async_trait]
pub trait EvidenceStore: Send + Sync {
    /// Records a snapshot that has just started (`pending`), durably, before any fetch.
    async fn insert(&self, manifest: &Manifest) -> Result<(), StoreError>;
    /// Stores records, set and signed manifest, and lets `observer` write in the same
    /// transaction.
    async fn complete(
        &self,
        completion: Completion<'_>,
        observer: &dyn SnapshotObserver,
        completed: &Completed<'_>,
    ) -> Result<(), StoreError>;
    /// The newest complete snapshot of an account and kind.
    async fn latest_complete(
        &self,
        account: Uuid,
        kind: EvidenceKind,
    ) -> Result<Option<StoredSnapshot>, StoreError>;
    /// Marks a snapshot failed with its final (unsigned) manifest, if it is still pending;
    /// returns whether it was.
    async fn fail(&self, manifest: &Manifest) -> Result<bool, StoreError>;
    async fn get(&self, id: Uuid) -> Result<Option<StoredSnapshot>, StoreError>;
    async fn list(&self, filter: &SnapshotFilter) -> Result<Vec<StoredSnapshot>, StoreError>;
    /// The records of a set, in order.
    async fn records(&self, record_set: &[u8]) -> Result<Vec<StoredRecord>, StoreError>;
    /// The addresses of a set's records, in order.
    async fn members(&self, record_set: &[u8]) -> Result<Vec<Vec<u8>>, StoreError>;
    /// The records at `addresses` (those stored), in no particular order.
    async fn records_at(&self, addresses: &[Vec<u8>]) -> Result<Vec<StoredRecord>, StoreError>;
    /// Snapshots still `pending` that were taken before `cutoff`: their fetch was cut short
    /// by a stop of the replica that ran it.
    async fn pending_before(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<StoredSnapshot>, StoreError>;
    /// Deletes snapshots taken before `cutoff` and whatever only they used; returns how many.
    async fn delete_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError>;
    async fn save_key(&self, kid: &str, jwk: &str) -> Result<(), StoreError>;
    /// JWKs (as stored JSON) of keys that signed kept snapshots, and of `current`.
    async fn keys(&self, current: &str) -> Result<Vec<String>, StoreError>;
    /// Claims one account whose scheduled snapshot is due at `now`, moving its due time to
    /// `next`: a row lock (`FOR UPDATE SKIP LOCKED` on PostgreSQL) makes each claim once
    /// across replicas. Accounts in `accounts` without a schedule row are due at once.
    async fn claim_due(
        &self,
        accounts: &[Uuid],
        now: DateTime<Utc>,
        next: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError>;
}

const COLUMNS: &str = "id, integrated_account_id, tenant_id, kind, status, taken_at, manifest, \
     manifest_sha256, record_set, record_set_seal, (SELECT f.ids FROM evidence_finding_sets f \
     WHERE f.sha256 = evidence_snapshots.finding_set) AS finding_ids";
const INSERT: &str = "INSERT INTO evidence_snapshots (id, integrated_account_id, tenant_id, \
     kind, status, taken_at, manifest) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const FINISH: &str = "UPDATE evidence_snapshots SET status = $2, manifest = $3, \
     manifest_sha256 = $4, record_set = $5, finding_set = $6, record_set_seal = $7 \
     WHERE id = $1 AND status = 'pending'";
// Only a snapshot still pending completes or fails: a late completion never undoes the
// failure of a snapshot given up as interrupted, nor a late failure a completion.
const FAIL: &str = "UPDATE evidence_snapshots SET status = $2, manifest = $3 \
     WHERE id = $1 AND status = 'pending'";
const INSERT_RECORD: &str =
    "INSERT INTO evidence_records (sha256, body) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING";
const INSERT_SET: &str = "INSERT INTO evidence_record_sets (sha256, records) VALUES ($1, $2) \
     ON CONFLICT (sha256) DO NOTHING";
const INSERT_FINDINGS: &str = "INSERT INTO evidence_finding_sets (sha256, ids) VALUES ($1, $2) \
     ON CONFLICT (sha256) DO NOTHING";
const INSERT_MEMBER: &str = "INSERT INTO evidence_set_members (set_sha256, position, \
     record_sha256) VALUES ($1, $2, $3)";
const SELECT_MEMBERS: &str = "SELECT record_sha256 FROM evidence_set_members \
     WHERE set_sha256 = $1 ORDER BY position";
/// Addresses per `records_at` statement: well under SQLite's 32,766 bound parameters.
const ADDRESSES_PER_QUERY: usize = 500;
const SELECT_RECORDS: &str = "SELECT r.sha256, r.body FROM evidence_set_members m \
     JOIN evidence_records r ON r.sha256 = m.record_sha256 WHERE m.set_sha256 = $1 \
     ORDER BY m.position";
const DELETE_OLD: &str = "DELETE FROM evidence_snapshots WHERE taken_at < $1";
// The schedule rows of deleted accounts: a small table, swept on every retention pass.
const FORGET_DELETED: &str = "DELETE FROM evidence_schedule WHERE integrated_account_id NOT IN \
     (SELECT id FROM integrated_accounts)";
const GC: [&str; 4] = [
    "DELETE FROM evidence_finding_sets WHERE sha256 NOT IN \
     (SELECT finding_set FROM evidence_snapshots WHERE finding_set IS NOT NULL)",
    "DELETE FROM evidence_record_sets WHERE sha256 NOT IN \
     (SELECT record_set FROM evidence_snapshots WHERE record_set IS NOT NULL)",
    "DELETE FROM evidence_set_members WHERE set_sha256 NOT IN \
     (SELECT sha256 FROM evidence_record_sets)",
    "DELETE FROM evidence_records WHERE sha256 NOT IN \
     (SELECT record_sha256 FROM evidence_set_members)",
];
const SAVE_KEY: &str = "INSERT INTO evidence_keys (kid, jwk, created_at) VALUES ($1, $2, $3) \
     ON CONFLICT (kid) DO NOTHING";
// A key is kept while a kept snapshot's manifest names it.
const KEYS: &str = "SELECT jwk FROM evidence_keys k WHERE k.kid = $1 OR EXISTS \
     (SELECT 1 FROM evidence_snapshots s WHERE s.status = 'complete' AND s.manifest LIKE \
     '%' || k.kid || '%') ORDER BY k.created_at";
const ADD_SCHEDULE: &str = "INSERT INTO evidence_schedule (integrated_account_id, due_at) \
     VALUES ($1, $2) ON CONFLICT (integrated_account_id) DO NOTHING";
const SET_DUE: &str = "UPDATE evidence_schedule SET due_at = $2 WHERE integrated_account_id = $1";

fn latest_query() -> String {
    format!(
        "SELECT {COLUMNS} FROM evidence_snapshots WHERE integrated_account_id = $1 AND \
         kind = $2 AND status = 'complete' ORDER BY id DESC LIMIT 1"
    )
}

/// The evidence store over the service's connection pool.
pub struct SqlEvidenceStore<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> SqlEvidenceStore<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        Self { pool }
    }
}

/// The store for one backend. `$lock` is what makes a schedule claim exclusive across
/// replicas (`FOR UPDATE SKIP LOCKED`; SQLite is one process and serializes writers), and
/// `$serialize` what serializes completions of one account (a transaction-scoped advisory
/// lock on PostgreSQL; SQLite's write lock, taken at once by `BEGIN IMMEDIATE`, on SQLite).
macro_rules! evidence_store {
    ($db:ty, $tx:ident, $lock:expr, $begin:expr, $serialize:expr) => {
        impl SqlEvidenceStore<$db> {
            fn snapshot(row: &<$db as Database>::Row) -> Result<StoredSnapshot, StoreError> {
                Ok(StoredSnapshot {
                    id: row.try_get("id")?,
                    integrated_account_id: row.try_get("integrated_account_id")?,
                    tenant_id: row.try_get("tenant_id")?,
                    kind: row.try_get("kind")?,
                    status: row.try_get("status")?,
                    taken_at: row.try_get("taken_at")?,
                    manifest: row.try_get("manifest")?,
                    manifest_sha256: row.try_get("manifest_sha256")?,
                    record_set: row.try_get("record_set")?,
                    record_set_seal: row.try_get("record_set_seal")?,
                    finding_ids: row.try_get("finding_ids")?,
                })
            }
        }

        #[async_trait]
        impl EvidenceStore for SqlEvidenceStore<$db> {
            async fn insert(&self, m: &Manifest) -> Result<(), StoreError> {
                sqlx::query(INSERT)
                    .bind(m.id)
                    .bind(m.integrated_account_id)
                    .bind(&m.tenant_id)
                    .bind(m.kind.as_str())
                    .bind(m.status.as_str())
                    .bind(m.taken_at)
                    .bind(manifest_json(m)?)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn complete(
                &self,
                c: Completion<'_>,
                observer: &dyn SnapshotObserver,
                completed: &Completed<'_>,
            ) -> Result<(), StoreError> {
                let m = completed.snapshot.manifest;
                let mut tx = self.pool.begin_with($begin).await?;
                if let Some(lock) = $serialize {
                    sqlx::query(lock)
                        .bind(format!("{}/{}", m.integrated_account_id, m.kind.as_str()))
                        .execute(&mut *tx)
                        .await?;
                }
                let latest: Option<Uuid> = sqlx::query(&latest_query())
                    .bind(m.integrated_account_id)
                    .bind(m.kind.as_str())
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|row| row.try_get("id"))
                    .transpose()?;
                if latest != c.previous {
                    return Err(StoreError::Conflict);
                }
                for record in c.records {
                    sqlx::query(INSERT_RECORD)
                        .bind(&record.sha256)
                        .bind(&record.body)
                        .execute(&mut *tx)
                        .await?;
                }
                let count = i64::try_from(c.records.len()).unwrap_or(i64::MAX);
                let new_set = sqlx::query(INSERT_SET)
                    .bind(&c.record_set)
                    .bind(count)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    > 0;
                if new_set {
                    for (position, record) in c.records.iter().enumerate() {
                        sqlx::query(INSERT_MEMBER)
                            .bind(&c.record_set)
                            .bind(i64::try_from(position).unwrap_or(i64::MAX))
                            .bind(&record.sha256)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                let finding_set = sha256(c.finding_ids.as_bytes()).to_vec();
                sqlx::query(INSERT_FINDINGS)
                    .bind(&finding_set)
                    .bind(&c.finding_ids)
                    .execute(&mut *tx)
                    .await?;
                let finished = sqlx::query(FINISH)
                    .bind(c.id)
                    .bind(SnapshotStatus::Complete.as_str())
                    .bind(&c.manifest)
                    .bind(&c.manifest_sha256)
                    .bind(&c.record_set)
                    .bind(&finding_set)
                    .bind(&c.record_set_seal)
                    .execute(&mut *tx)
                    .await?;
                if finished.rows_affected() == 0 {
                    return Err(StoreError::Superseded(format!(
                        "snapshot {} is no longer pending: it was given up as interrupted",
                        c.id
                    )));
                }
                observer
                    .snapshot_completed(EvidenceTx::$tx(&mut *tx), completed)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn latest_complete(
                &self,
                account: Uuid,
                kind: EvidenceKind,
            ) -> Result<Option<StoredSnapshot>, StoreError> {
                let row = sqlx::query(&latest_query())
                    .bind(account)
                    .bind(kind.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::snapshot).transpose()
            }

            async fn fail(&self, m: &Manifest) -> Result<bool, StoreError> {
                let done = sqlx::query(FAIL)
                    .bind(m.id)
                    .bind(SnapshotStatus::Failed.as_str())
                    .bind(manifest_json(m)?)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn get(&self, id: Uuid) -> Result<Option<StoredSnapshot>, StoreError> {
                let query = format!("SELECT {COLUMNS} FROM evidence_snapshots WHERE id = $1");
                let row = sqlx::query(&query)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::snapshot).transpose()
            }

            async fn list(&self, f: &SnapshotFilter) -> Result<Vec<StoredSnapshot>, StoreError> {
                let mut query = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {COLUMNS} FROM evidence_snapshots WHERE integrated_account_id = "
                ));
                query.push_bind(f.integrated_account_id);
                if let Some(kind) = f.kind {
                    query.push(" AND kind = ").push_bind(kind.as_str());
                }
                if let Some(status) = f.status {
                    query.push(" AND status = ").push_bind(status.as_str());
                }
                if let Some(since) = f.since {
                    query.push(" AND taken_at >= ").push_bind(since);
                }
                if let Some(until) = f.until {
                    query.push(" AND taken_at < ").push_bind(until);
                }
                if let Some(before) = f.before {
                    query.push(" AND id < ").push_bind(before);
                }
                query
                    .push(" ORDER BY id DESC LIMIT ")
                    .push_bind(i64::from(f.limit));
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter().map(Self::snapshot).collect()
            }

            async fn records(&self, record_set: &[u8]) -> Result<Vec<StoredRecord>, StoreError> {
                let rows = sqlx::query(SELECT_RECORDS)
                    .bind(record_set)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|row| {
                        Ok(StoredRecord {
                            sha256: row.try_get(0)?,
                            body: row.try_get(1)?,
                        })
                    })
                    .collect()
            }

            async fn members(&self, record_set: &[u8]) -> Result<Vec<Vec<u8>>, StoreError> {
                Ok(sqlx::query_scalar(SELECT_MEMBERS)
                    .bind(record_set)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn records_at(
                &self,
                addresses: &[Vec<u8>],
            ) -> Result<Vec<StoredRecord>, StoreError> {
                let mut records = Vec::with_capacity(addresses.len());
                for chunk in addresses.chunks(ADDRESSES_PER_QUERY) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "SELECT sha256, body FROM evidence_records WHERE sha256 IN (",
                    );
                    let mut list = query.separated(", ");
                    for address in chunk {
                        list.push_bind(address);
                    }
                    query.push(")");
                    for row in query.build().fetch_all(&self.pool).await? {
                        records.push(StoredRecord {
                            sha256: row.try_get(0)?,
                            body: row.try_get(1)?,
                        });
                    }
                }
                Ok(records)
            }

            async fn pending_before(
                &self,
                cutoff: DateTime<Utc>,
            ) -> Result<Vec<StoredSnapshot>, StoreError> {
                let query = format!(
                    "SELECT {COLUMNS} FROM evidence_snapshots WHERE status = 'pending' \
                     AND taken_at < $1 ORDER BY id"
                );
                let rows = sqlx::query(&query)
                    .bind(cutoff)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::snapshot).collect()
            }

            async fn delete_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
                let mut tx = self.pool.begin().await?;
                let deleted = sqlx::query(DELETE_OLD)
                    .bind(cutoff)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                sqlx::query(FORGET_DELETED).execute(&mut *tx).await?;
                // Collecting scans the record tables: only when a snapshot went.
                if deleted > 0 {
                    for statement in GC {
                        sqlx::query(statement).execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
                Ok(deleted)
            }

            async fn save_key(&self, kid: &str, jwk: &str) -> Result<(), StoreError> {
                sqlx::query(SAVE_KEY)
                    .bind(kid)
                    .bind(jwk)
                    .bind(Utc::now())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn keys(&self, current: &str) -> Result<Vec<String>, StoreError> {
                Ok(sqlx::query_scalar(KEYS)
                    .bind(current)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn claim_due(
                &self,
                accounts: &[Uuid],
                now: DateTime<Utc>,
                next: DateTime<Utc>,
            ) -> Result<Option<Uuid>, StoreError> {
                for account in accounts {
                    sqlx::query(ADD_SCHEDULE)
                        .bind(account)
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                }
                let mut tx = self.pool.begin_with($begin).await?;
                let query = format!(
                    "SELECT integrated_account_id FROM evidence_schedule WHERE due_at <= $1 \
                     ORDER BY due_at LIMIT 1{}",
                    $lock
                );
                let due: Option<Uuid> = sqlx::query_scalar(&query)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some(account) = due {
                    sqlx::query(SET_DUE)
                        .bind(account)
                        .bind(next)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(due)
            }
        }
    };
}

evidence_store!(Sqlite, Sqlite, "", "BEGIN IMMEDIATE", None::<&str>);
evidence_store!(
    Postgres,
    Postgres,
    " FOR UPDATE SKIP LOCKED",
    "BEGIN",
    Some("SELECT pg_advisory_xact_lock(hashtext($1))")
);

fn manifest_json(manifest: &Manifest) -> Result<String, StoreError> {
    serde_json::to_string(manifest).map_err(|e| StoreError::Corrupt(e.to_string()))
}
