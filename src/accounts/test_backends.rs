//! Test harness: runs one store test against a real SQLite file in a temp dir and against the
//! real PostgreSQL server, each test in its own schema so tests run in parallel.

use std::future::Future;
use std::sync::Arc;

use secrecy::{SecretBox, SecretString};
use sqlx::Connection as _;
use uuid::Uuid;

use super::model::{AccountStatus, AuthMethod, IntegratedAccount, new_account_id, now};
use super::seal::Sealer;
use super::store::AccountStore;
use super::store::{self, StoreError};
use crate::settings::Settings;

#[path = "../../tests/it/support/missing.rs"]
mod missing;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
pub const POSTGRES_URL_ENV: &str = "JAMF_DIRECTORY_TEST_POSTGRES_URL";

/// One store under test and how to reach its raw rows.
#[derive(Clone)]
pub struct Backend {
    pub name: &'static str,
    pub url: String,
    pub store: Arc<dyn AccountStore>,
}

impl Backend {
    /// Connects again to the same database, as a restarted process would.
    pub async fn reconnect(&self) -> Result<Arc<dyn AccountStore>, StoreError> {
        store::connect(&settings_for(&self.url)).await
    }
}

pub fn settings_for(url: &str) -> Settings {
    let mut settings = Settings::default();
    settings.storage.database_url = url.to_owned();
    settings
}

/// Runs `test` on SQLite, then on PostgreSQL unless the server is unreachable (then says so
/// loudly and returns: a missing server must not look like a pass in the log).
pub async fn on_both_backends<F, Fut>(test: F)
where
    F: Fn(Backend) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/nested/accounts.db", dir.path().display());
    let store = store::connect(&settings_for(&url))
        .await
        .expect("sqlite store");
    test(Backend {
        name: "sqlite",
        url,
        store,
    })
    .await;

    let Some(schema) = PgSchema::create().await else {
        return;
    };
    let store = store::connect(&settings_for(&schema.url))
        .await
        .expect("postgres store");
    test(Backend {
        name: "postgres",
        url: schema.url.clone(),
        store,
    })
    .await;
    schema.drop().await;
}

/// A fresh schema on the test PostgreSQL server.
pub struct PgSchema {
    base: String,
    name: String,
    pub url: String,
}

impl PgSchema {
    pub async fn create() -> Option<Self> {
        let base = std::env::var(POSTGRES_URL_ENV).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
        let mut conn = match sqlx::PgConnection::connect(&base).await {
            Ok(conn) => conn,
            Err(e) => {
                return missing::service_missing(
                    "PostgreSQL",
                    &format!("cannot connect to {base}: {e}"),
                    &format!("start it or set {POSTGRES_URL_ENV}"),
                );
            }
        };
        let name = format!("jd_test_{}", Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut conn)
            .await
            .expect("create schema");
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options[search_path]={name}");
        Some(Self { base, name, url })
    }

    pub async fn drop(self) {
        let mut conn = sqlx::PgConnection::connect(&self.base)
            .await
            .expect("connect");
        sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.name))
            .execute(&mut conn)
            .await
            .expect("drop schema");
    }
}

pub fn test_sealer() -> Sealer {
    Sealer::new(&SecretBox::new(vec![7u8; 32].into_boxed_slice())).expect("key")
}

/// A fresh account of `tenant`, its secret sealed with [`test_sealer`].
pub fn account(tenant: &str, secret: &str) -> IntegratedAccount {
    let id = new_account_id();
    let at = now();
    IntegratedAccount {
        id,
        tenant_id: tenant.into(),
        status: AccountStatus::Connecting,
        authentication_method: AuthMethod::OAuth2ClientCredentials,
        instance_url: "https://acme.jamfcloud.com".into(),
        principal: "api-client".into(),
        secret: test_sealer()
            .seal(id, &SecretString::from(secret))
            .expect("seal"),
        jamf_pro_version: None,
        capabilities: Vec::new(),
        last_error: None,
        revision: 0,
        created_at: at,
        updated_at: at,
    }
}
