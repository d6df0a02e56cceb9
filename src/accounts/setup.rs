//! Start-up: the store `storage.database_url` names and the sealing key for Jamf secrets.

use std::sync::Arc;

use anyhow::Context as _;
use secrecy::SecretBox;

use super::seal::{self, KeySource, Sealer};
use super::service::AccountService;
use super::sql::sqlite_file;
use super::store::{self, AccountStore};
use crate::jamf::{JamfHub, SharedBudgetConfig};
use crate::settings::Settings;

/// Connects (and migrates) the store, resolves the key, and builds the service. Jamf requests
/// also hold a permit of `shared_budget` when the deployment shares one.
pub async fn account_service(
    settings: &Settings,
    shared_budget: Option<SharedBudgetConfig>,
) -> anyhow::Result<AccountService> {
    // Decided before connecting, so a PostgreSQL without a key fails before touching it.
    let key = match settings.encryption_key()? {
        Some(key) => StorageKey::Configured(key),
        None => StorageKey::Default(default_key_source(settings)?),
    };
    let store: Arc<dyn AccountStore> = store::connect(settings)
        .await
        .context("cannot open the integrated-account database (storage.database_url)")?;
    let key = match key {
        StorageKey::Configured(key) => key,
        StorageKey::Default(source) => {
            if source == KeySource::Ephemeral {
                tracing::warn!(
                    "in-memory database without storage.encryption_key: Jamf secrets are sealed with a key that lasts until exit"
                );
            }
            seal::load_or_create_key(&source)?
        }
    };
    let hub = JamfHub::new(&settings.upstream, shared_budget)
        .context("cannot build the Jamf HTTP client")?;
    Ok(AccountService::new(
        store,
        Sealer::new(&key)?,
        hub,
        settings.upstream.allow_private_networks,
    ))
}

enum StorageKey {
    Configured(SecretBox<[u8]>),
    Default(KeySource),
}

/// With no configured key: a key file beside a SQLite file, an ephemeral key for an in-memory
/// SQLite, and a refusal for PostgreSQL (replicas must share one key; none can be invented).
fn default_key_source(settings: &Settings) -> anyhow::Result<KeySource> {
    let url = &settings.storage.database_url;
    if store::is_postgres(url) {
        anyhow::bail!(
            "configuration error: `storage.encryption_key` is required with PostgreSQL: set storage.encryption_key (base64 of 32 random bytes, e.g. `openssl rand -base64 32`), storage.encryption_key_file or JAMF_DIRECTORY__STORAGE__ENCRYPTION_KEY; every replica needs the same key"
        );
    }
    Ok(match sqlite_file(url)? {
        Some(file) => KeySource::FileBeside(seal::key_file_for(&file)),
        None => KeySource::Ephemeral,
    })
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::accounts::test_backends::settings_for;

    #[tokio::test]
    async fn postgres_without_a_key_refuses_to_start_naming_the_setting() {
        // Refused before any connection: the address need not answer.
        let settings = settings_for("postgres://nobody@127.0.0.1:1/none");
        let err = account_service(&settings, None)
            .await
            .err()
            .expect("refused");
        assert!(err.to_string().contains("storage.encryption_key"), "{err}");
    }

    #[tokio::test]
    async fn sqlite_without_a_key_creates_one_beside_the_database_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("data/jd.db");
        let settings = settings_for(&format!("sqlite://{}", db.display()));
        account_service(&settings, None).await.expect("first start");
        let key_file = dir.path().join("data/jd.db.key");
        let key = std::fs::read_to_string(&key_file).expect("key file created");
        account_service(&settings, None)
            .await
            .expect("second start");
        assert_eq!(
            std::fs::read_to_string(&key_file).expect("still there"),
            key
        );
    }

    #[tokio::test]
    async fn a_configured_key_is_used_and_no_file_is_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("jd.db");
        let mut settings = settings_for(&format!("sqlite://{}", db.display()));
        settings.storage.encryption_key = Some(SecretString::from(
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        ));
        account_service(&settings, None).await.expect("starts");
        assert!(db.exists());
        assert!(!dir.path().join("jd.db.key").exists());
    }
}
