//! The SQL backends. Every statement is written once, with `$N` parameters (which SQLite also
//! accepts), and the store is instantiated for SQLite and PostgreSQL by one macro, so the two
//! backends cannot drift apart. Only the migrations (column types) differ per backend.

use std::borrow::Cow;
use std::path::PathBuf;
use std::str::FromStr as _;
use std::time::Duration;

use async_trait::async_trait;
use futures::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection as _, Database, Pool, Postgres, QueryBuilder, Row as _, Sqlite};
use uuid::Uuid;

use super::model::{AccountStatus, AuthMethod, IntegratedAccount, SealedSecret};
use super::store::{
    AccountPage, AccountStore, Database as Pooled, ListFilter, StoreError, TenantScope,
};
use crate::outbox::{ChangeEvent, OutboxBackend};

/// How long start-up waits for PostgreSQL to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

macro_rules! columns {
    () => {
        "id, tenant_id, status, authentication_method, instance_url, principal, sealed_secret, \
         jamf_pro_version, capabilities, last_error, revision, created_at, updated_at"
    };
}

const INSERT: &str = concat!(
    "INSERT INTO integrated_accounts (",
    columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
);
const SELECT_ONE: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM integrated_accounts WHERE id = $1"
);
const SELECT_MANY: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM integrated_accounts WHERE 1 = 1"
);
const UPDATE: &str = "UPDATE integrated_accounts SET status = $2, authentication_method = $3, \
     instance_url = $4, principal = $5, sealed_secret = $6, jamf_pro_version = $7, \
     capabilities = $8, last_error = $9, updated_at = $10, revision = revision + 1 \
     WHERE id = $1 AND revision = $11";
const DELETE: &str = "DELETE FROM integrated_accounts WHERE id = $1";
const PING: &str = "SELECT 1";
const COUNT_BY_STATUS: &str =
    "SELECT status, COUNT(*) FROM integrated_accounts GROUP BY status ORDER BY status";

/// The store over one connection pool.
pub struct SqlStore<DB: Database> {
    pool: Pool<DB>,
}

/// A SQLite `database_url`'s file, or `None` for an in-memory database.
pub fn sqlite_file(url: &str) -> Result<Option<PathBuf>, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("not a SQLite URL: {e}")))?;
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    Ok((!memory).then(|| options.get_filename().to_path_buf()))
}

impl SqlStore<Sqlite> {
    pub async fn connect_sqlite(url: &str) -> Result<Self, StoreError> {
        Ok(Self {
            pool: sqlite_pool(url).await?,
        })
    }
}

impl SqlStore<Postgres> {
    pub async fn connect_postgres(url: &str) -> Result<Self, StoreError> {
        Ok(Self {
            pool: postgres_pool(url).await?,
        })
    }
}

/// The service's SQLite database: opened (creating file and parent directory if needed) in
/// WAL mode and migrated. Other stores of the same database (evidence) open it here too.
pub async fn sqlite_pool(url: &str) -> Result<Pool<Sqlite>, StoreError> {
    let file = sqlite_file(url)?;
    if let Some(parent) = file.as_deref().and_then(|f| f.parent())
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", parent.display())))?;
    }
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    let mut pool = SqlitePoolOptions::new().max_connections(8);
    if file.is_none() {
        // An in-memory database lives only while a connection holds it open.
        pool = pool
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
    }
    let pool = pool.connect_with(options).await?;
    migrator(SQLITE_MIGRATIONS).await?.run(&pool).await?;
    Ok(pool)
}

/// The service's PostgreSQL database, connected and migrated. A `search_path` can be set in
/// the URL (`?options[search_path]=x`).
pub async fn postgres_pool(url: &str) -> Result<Pool<Postgres>, StoreError> {
    let options = PgConnectOptions::from_str(url)?;
    // One direct attempt first: the pool would retry a refused connection until its
    // acquire timeout and then report only "pool timed out", hiding the cause.
    let server = format!("{}:{}", options.get_host(), options.get_port());
    let unreachable = |cause: String| {
        StoreError::Unreachable(format!("cannot connect to PostgreSQL at {server}: {cause}"))
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
        Ok(Ok(conn)) => conn.close().await?,
        Ok(Err(e)) => return Err(unreachable(e.to_string())),
        Err(_) => return Err(unreachable(format!("no answer within {CONNECT_TIMEOUT:?}"))),
    }
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    migrator(POSTGRES_MIGRATIONS).await?.run(&pool).await?;
    Ok(pool)
}

type Embedded = &'static [(i64, &'static str, &'static str)];

const SQLITE_MIGRATIONS: Embedded = &[
    (
        1,
        "integrated accounts",
        include_str!("../../migrations/sqlite/0001_integrated_accounts.sql"),
    ),
    (
        2,
        "evidence",
        include_str!("../../migrations/sqlite/0002_evidence.sql"),
    ),
    (
        3,
        "webhooks",
        include_str!("../../migrations/sqlite/0003_webhooks.sql"),
    ),
    (
        4,
        "record set seal",
        include_str!("../../migrations/sqlite/0004_record_set_seal.sql"),
    ),
];
const POSTGRES_MIGRATIONS: Embedded = &[
    (
        1,
        "integrated accounts",
        include_str!("../../migrations/postgres/0001_integrated_accounts.sql"),
    ),
    (
        2,
        "evidence",
        include_str!("../../migrations/postgres/0002_evidence.sql"),
    ),
    (
        3,
        "webhooks",
        include_str!("../../migrations/postgres/0003_webhooks.sql"),
    ),
    (
        4,
        "record set seal",
        include_str!("../../migrations/postgres/0004_record_set_seal.sql"),
    ),
];

/// Migrations compiled into the binary (sqlx's `migrate!` macro needs a feature we don't use).
#[derive(Debug)]
struct EmbeddedMigrations(Embedded);

impl MigrationSource<'static> for EmbeddedMigrations {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        let migrations = self
            .0
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            })
            .collect();
        Box::pin(async move { Ok(migrations) })
    }
}

async fn migrator(migrations: Embedded) -> Result<Migrator, StoreError> {
    Ok(Migrator::new(EmbeddedMigrations(migrations)).await?)
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} {value:?}"))
}

/// The store for one backend; the body is identical for both, only the types differ.
macro_rules! sql_store {
    ($db:ty, $pooled:path) => {
        impl SqlStore<$db> {
            fn account(row: &<$db as Database>::Row) -> Result<IntegratedAccount, StoreError> {
                let status: String = row.try_get("status")?;
                let method: String = row.try_get("authentication_method")?;
                let capabilities: String = row.try_get("capabilities")?;
                Ok(IntegratedAccount {
                    id: row.try_get("id")?,
                    tenant_id: row.try_get("tenant_id")?,
                    status: AccountStatus::parse(&status)
                        .ok_or_else(|| corrupt("status", &status))?,
                    authentication_method: AuthMethod::parse(&method)
                        .ok_or_else(|| corrupt("authentication_method", &method))?,
                    instance_url: row.try_get("instance_url")?,
                    principal: row.try_get("principal")?,
                    secret: SealedSecret::from_stored(row.try_get("sealed_secret")?),
                    jamf_pro_version: row.try_get("jamf_pro_version")?,
                    capabilities: serde_json::from_str(&capabilities)
                        .map_err(|_| corrupt("capabilities", &capabilities))?,
                    last_error: row.try_get("last_error")?,
                    revision: row.try_get("revision")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }
        }

        #[async_trait]
        impl AccountStore for SqlStore<$db> {
            async fn create(
                &self,
                a: &IntegratedAccount,
                events: &[ChangeEvent],
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(INSERT)
                    .bind(a.id)
                    .bind(&a.tenant_id)
                    .bind(a.status.as_str())
                    .bind(a.authentication_method.as_str())
                    .bind(&a.instance_url)
                    .bind(&a.principal)
                    .bind(a.secret.as_bytes())
                    .bind(&a.jamf_pro_version)
                    .bind(capabilities_json(&a.capabilities))
                    .bind(&a.last_error)
                    .bind(a.revision)
                    .bind(a.created_at)
                    .bind(a.updated_at)
                    .execute(&mut *tx)
                    .await?;
                <$db>::record(&mut *tx, events).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get(&self, id: Uuid) -> Result<Option<IntegratedAccount>, StoreError> {
                let row = sqlx::query(SELECT_ONE)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::account).transpose()
            }

            async fn list(&self, filter: &ListFilter) -> Result<AccountPage, StoreError> {
                let mut query = QueryBuilder::<$db>::new(SELECT_MANY);
                if let TenantScope::Only(tenants) = &filter.visible {
                    if tenants.is_empty() {
                        return Ok(AccountPage {
                            accounts: Vec::new(),
                            next_after: None,
                        });
                    }
                    query.push(" AND tenant_id IN (");
                    let mut list = query.separated(", ");
                    for tenant in tenants {
                        list.push_bind(tenant.clone());
                    }
                    query.push(")");
                }
                if let Some(tenant) = &filter.tenant_id {
                    query.push(" AND tenant_id = ").push_bind(tenant.clone());
                }
                if let Some(status) = filter.status {
                    query.push(" AND status = ").push_bind(status.as_str());
                }
                if let Some(after) = filter.after {
                    query.push(" AND id > ").push_bind(after);
                }
                // One extra row tells whether another page follows.
                let limit = i64::from(filter.limit);
                query.push(" ORDER BY id LIMIT ").push_bind(limit + 1);
                let rows = query.build().fetch_all(&self.pool).await?;
                let mut accounts = rows
                    .iter()
                    .map(Self::account)
                    .collect::<Result<Vec<_>, _>>()?;
                let more = accounts.len() > filter.limit as usize;
                accounts.truncate(filter.limit as usize);
                let next_after = more.then(|| accounts.last().map(|a| a.id)).flatten();
                Ok(AccountPage {
                    accounts,
                    next_after,
                })
            }

            async fn update(
                &self,
                a: &IntegratedAccount,
                events: &[ChangeEvent],
            ) -> Result<IntegratedAccount, StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(UPDATE)
                    .bind(a.id)
                    .bind(a.status.as_str())
                    .bind(a.authentication_method.as_str())
                    .bind(&a.instance_url)
                    .bind(&a.principal)
                    .bind(a.secret.as_bytes())
                    .bind(&a.jamf_pro_version)
                    .bind(capabilities_json(&a.capabilities))
                    .bind(&a.last_error)
                    .bind(a.updated_at)
                    .bind(a.revision)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 1 {
                    <$db>::record(&mut *tx, events).await?;
                    tx.commit().await?;
                    return Ok(IntegratedAccount {
                        revision: a.revision + 1,
                        ..a.clone()
                    });
                }
                match self.get(a.id).await? {
                    Some(_) => Err(StoreError::Conflict),
                    None => Err(StoreError::NotFound),
                }
            }

            async fn delete(&self, id: Uuid, events: &[ChangeEvent]) -> Result<bool, StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(DELETE).bind(id).execute(&mut *tx).await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                <$db>::record(&mut *tx, events).await?;
                tx.commit().await?;
                Ok(true)
            }

            fn database(&self) -> Pooled {
                $pooled(self.pool.clone())
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query(PING).execute(&self.pool).await?;
                Ok(())
            }

            async fn count_by_status(&self) -> Result<Vec<(String, i64)>, StoreError> {
                Ok(sqlx::query_as(COUNT_BY_STATUS)
                    .fetch_all(&self.pool)
                    .await?)
            }
        }
    };
}

sql_store!(Sqlite, Pooled::Sqlite);
sql_store!(Postgres, Pooled::Postgres);

fn capabilities_json(capabilities: &[String]) -> String {
    serde_json::Value::from(capabilities.to_vec()).to_string()
}
