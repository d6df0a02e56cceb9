//! The one storage seam for integrated accounts: [`AccountStore`], with SQLite (embedded default)
//! and PostgreSQL (scale-out) behind it, chosen by `storage.database_url`.

use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use super::model::{AccountStatus, IntegratedAccount};
use super::sql;
use crate::outbox::ChangeEvent;
use crate::settings::Settings;

/// The connection pool behind the store, for modules that keep their own tables in the same
/// database (webhooks): one database, one pool, one transaction for a change and its events.
#[derive(Debug, Clone)]
pub enum Database {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Which tenants a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantScope {
    All,
    Only(Vec<String>),
}

impl TenantScope {
    /// From a caller's configured `tenants` list, where `"*"` means all.
    pub fn from_list(tenants: &[String]) -> Self {
        if tenants.iter().any(|t| t == "*") {
            Self::All
        } else {
            Self::Only(tenants.to_vec())
        }
    }

    pub fn allows(&self, tenant_id: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(tenants) => tenants.iter().any(|t| t == tenant_id),
        }
    }
}

/// A list query: visibility, filters and the keyset position.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub visible: TenantScope,
    pub tenant_id: Option<String>,
    pub status: Option<AccountStatus>,
    /// Only accounts with an id greater than this one (the cursor).
    pub after: Option<Uuid>,
    pub limit: u32,
}

/// One page of integrated accounts, in id (= creation) order.
#[derive(Debug, Clone)]
pub struct AccountPage {
    pub accounts: Vec<IntegratedAccount>,
    /// The id to continue after; `None` on the last page.
    pub next_after: Option<Uuid>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("integrated account not found")]
    NotFound,
    /// The row changed since it was read (its revision moved on); re-read and retry.
    #[error("integrated account was changed concurrently")]
    Conflict,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored integrated account is unreadable: {0}")]
    Corrupt(String),
    #[error("storage.database_url: {0}")]
    Config(String),
    /// The database server did not accept a connection at start-up; names it and the cause.
    #[error("{0}")]
    Unreachable(String),
    /// The row is no longer in the state the write was for (an evidence snapshot given up as
    /// interrupted before its completion was written); says which and why.
    #[error("{0}")]
    Superseded(String),
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Inserts a new account (its `revision` as given, normally 0), and `events` into the
    /// outbox in the same transaction.
    async fn create(
        &self,
        account: &IntegratedAccount,
        events: &[ChangeEvent],
    ) -> Result<(), StoreError>;
    async fn get(&self, id: Uuid) -> Result<Option<IntegratedAccount>, StoreError>;
    async fn list(&self, filter: &ListFilter) -> Result<AccountPage, StoreError>;
    /// Writes every mutable field if the stored revision still equals `account.revision`;
    /// returns the account as stored (revision bumped). `id`, `tenant_id` and `created_at`
    /// never change. A stale revision is [`StoreError::Conflict`], a missing row `NotFound`.
    /// `events` go to the outbox in the same transaction, only when the update is written.
    async fn update(
        &self,
        account: &IntegratedAccount,
        events: &[ChangeEvent],
    ) -> Result<IntegratedAccount, StoreError>;
    /// True when a row was removed (then `events` are written with the removal).
    async fn delete(&self, id: Uuid, events: &[ChangeEvent]) -> Result<bool, StoreError>;
    /// A round trip to the database (readiness).
    async fn ping(&self) -> Result<(), StoreError>;
    /// How many accounts are in each status (the `integrated_accounts` gauge).
    async fn count_by_status(&self) -> Result<Vec<(String, i64)>, StoreError>;
    /// The pool, shared with the webhook tables.
    fn database(&self) -> Database;
}

/// The database `database_url` names, after creating it (SQLite) and running migrations.
pub async fn connect(settings: &Settings) -> Result<Arc<dyn AccountStore>, StoreError> {
    let url = settings.storage.database_url.as_str();
    if is_postgres(url) {
        Ok(Arc::new(sql::SqlStore::connect_postgres(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(sql::SqlStore::connect_sqlite(url).await?))
    } else {
        Err(StoreError::Config(
            "must start with sqlite: or postgres://".into(),
        ))
    }
}

pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}
