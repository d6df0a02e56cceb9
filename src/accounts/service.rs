//! The integrated-account lifecycle: create and update validate against Jamf before answering,
//! refresh forces a new Jamf token, and runtime outcomes move accounts between `active` and
//! `needs_reauth`. One [`JamfClient`] per account is kept so its Jamf token is reused.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};

use futures::FutureExt as _;
use secrecy::SecretString;
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use super::error::AccountError;
use super::events::transition_events;
use super::model::{
    AccountStatus, AuthMethod, IntegratedAccount, SealedSecret, new_account_id, now,
};
use super::seal::Sealer;
use super::store::{AccountPage, AccountStore, ListFilter, StoreError};
use crate::jamf::{
    JamfClient, JamfCredentials, JamfError, JamfHub, check_instance_url, check_resolution,
};

/// The capability the validation probe confirms (the API role can read administrator accounts).
pub const READ_ACCOUNTS: &str = "read_accounts";
/// Read-modify-write attempts before a contended account answers "busy".
const MAX_ATTEMPTS: usize = 5;

/// How to reach and sign in to one Jamf instance, as a caller supplies it.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub method: AuthMethod,
    pub instance_url: String,
    /// OAuth client id or Basic user name.
    pub principal: String,
    /// OAuth client secret or Basic password.
    pub secret: SecretString,
}

/// A PATCH: the fields to change; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct AccountPatch {
    pub method: Option<AuthMethod>,
    pub instance_url: Option<String>,
    pub principal: Option<String>,
    pub secret: Option<SecretString>,
}

/// Identifies the credentials a client was built from: any change of them (a new secret is a
/// new sealing, hence new bytes) means the cached client is stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CredentialKey {
    method: AuthMethod,
    instance_url: String,
    principal: String,
    secret: SealedSecret,
}

impl CredentialKey {
    pub(super) fn of(account: &IntegratedAccount) -> Self {
        Self {
            method: account.authentication_method,
            instance_url: account.instance_url.clone(),
            principal: account.principal.clone(),
            secret: account.secret.clone(),
        }
    }
}

impl IntegratedAccount {
    /// Changes with any change of how the account reaches Jamf (method, URL, principal, sealed
    /// secret): data read with other credentials must not be served under these.
    ///
    /// It is part of every shared-tier (Redis) key, so replicas built by different toolchains
    /// must agree on it: the first 8 bytes of a SHA-256 over the length-prefixed fields, never
    /// `std`'s `DefaultHasher`, whose output may change between Rust releases.
    pub fn credentials_fingerprint(&self) -> u64 {
        let mut digest = Sha256::new();
        for field in [
            self.authentication_method.as_str().as_bytes(),
            self.instance_url.as_bytes(),
            self.principal.as_bytes(),
            self.secret.as_bytes(),
        ] {
            digest.update((field.len() as u64).to_be_bytes());
            digest.update(field);
        }
        let hash = digest.finalize();
        u64::from_be_bytes(hash[..8].try_into().expect("a SHA-256 has 32 bytes"))
    }
}

pub struct AccountService {
    store: Arc<dyn AccountStore>,
    sealer: Sealer,
    hub: JamfHub,
    allow_private_networks: bool,
    clients: Mutex<HashMap<Uuid, (CredentialKey, JamfClient)>>,
    /// Accounts read by request paths, kept briefly: every unified request resolves its
    /// account, and a database round trip per request was a fifth of a warm list's cost.
    /// Writes through this service refresh it at once; a change made by another replica shows
    /// within [`ACCOUNT_CACHE_TTL`]. Read-modify-write always reads the database.
    recent: moka::future::Cache<Uuid, IntegratedAccount>,
}

/// How long another replica's change to an account may go unseen by this one.
pub const ACCOUNT_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(2);

impl AccountService {
    pub fn new(
        store: Arc<dyn AccountStore>,
        sealer: Sealer,
        hub: JamfHub,
        allow_private_networks: bool,
    ) -> Self {
        Self {
            store,
            sealer,
            hub,
            allow_private_networks,
            clients: Mutex::default(),
            recent: moka::future::Cache::builder()
                .time_to_live(ACCOUNT_CACHE_TTL)
                .max_capacity(100_000)
                .build(),
        }
    }

    /// A key for `purpose` derived from the storage key (see [`Sealer::derive_key`]).
    pub fn derive_key(&self, purpose: &str) -> secrecy::SecretBox<[u8]> {
        self.sealer.derive_key(purpose)
    }

    /// Stores the account, validates it against Jamf, and returns it `active` or
    /// `validation_error`. A refused URL stores nothing.
    pub async fn create(
        &self,
        tenant_id: String,
        credentials: Credentials,
    ) -> Result<IntegratedAccount, AccountError> {
        let instance_url = self.checked_url(&credentials.instance_url).await?;
        let id = new_account_id();
        let at = now();
        let account = IntegratedAccount {
            id,
            tenant_id,
            status: AccountStatus::Connecting,
            authentication_method: credentials.method,
            instance_url,
            principal: credentials.principal,
            secret: self.sealer.seal(id, &credentials.secret)?,
            jamf_pro_version: None,
            capabilities: Vec::new(),
            last_error: None,
            revision: 0,
            created_at: at,
            updated_at: at,
        };
        let events = transition_events(None, Some(&account), None);
        self.store.create(&account, &events).await?;
        self.validate(account, None).await
    }

    pub async fn get(&self, id: Uuid) -> Result<IntegratedAccount, AccountError> {
        if let Some(account) = self.recent.get(&id).await {
            return Ok(account);
        }
        let account = self.fresh(id).await?;
        self.recent.insert(id, account.clone()).await;
        Ok(account)
    }

    /// The account as the database holds it now.
    async fn fresh(&self, id: Uuid) -> Result<IntegratedAccount, AccountError> {
        self.store.get(id).await?.ok_or(AccountError::NotFound)
    }

    pub async fn list(&self, filter: &ListFilter) -> Result<AccountPage, AccountError> {
        Ok(self.store.list(filter).await?)
    }

    /// Applies a PATCH and re-validates. The tenant never changes. Pointing an account at
    /// another URL needs the secret again, so a caller cannot send the stored secret elsewhere.
    pub async fn update(
        &self,
        id: Uuid,
        patch: AccountPatch,
    ) -> Result<IntegratedAccount, AccountError> {
        let url = match patch.instance_url.as_deref() {
            Some(u) => Some(self.checked_url(u).await?),
            None => None,
        };
        let mut left = None;
        let updated = self
            .modify(id, |account| {
                if url.as_ref().is_some_and(|u| *u != account.instance_url)
                    && patch.secret.is_none()
                {
                    return Err(AccountError::Invalid(
                        "changing instance_url requires the secret (client_secret or password) too"
                            .into(),
                    ));
                }
                let method = patch.method.unwrap_or(account.authentication_method);
                if method != account.authentication_method
                    && (patch.principal.is_none() || patch.secret.is_none())
                {
                    return Err(AccountError::Invalid(
                        "changing authentication_method requires the new identity and secret"
                            .into(),
                    ));
                }
                account.authentication_method = method;
                if let Some(url) = &url {
                    account.instance_url.clone_from(url);
                }
                if let Some(principal) = &patch.principal {
                    account.principal.clone_from(principal);
                }
                if let Some(secret) = &patch.secret {
                    account.secret = self.sealer.seal(account.id, secret)?;
                }
                left = Some(account.status);
                account.status = AccountStatus::Connecting;
                account.capabilities.clear();
                account.last_error = None;
                Ok(true)
            })
            .await?;
        self.validate(updated, left).await
    }

    /// True when the account existed.
    pub async fn delete(&self, id: Uuid) -> Result<bool, AccountError> {
        let Some(account) = self.store.get(id).await? else {
            return Ok(false);
        };
        let events = transition_events(Some(&account), None, None);
        let removed = self.store.delete(id, &events).await?;
        self.recent.invalidate(&id).await;
        self.cached_clients().remove(&id);
        Ok(removed)
    }

    /// Forces a new Jamf token. Refused credentials move the account to `needs_reauth` and come
    /// back as the error; success brings an account that was not `active` back through
    /// validation. Other failures (Jamf unreachable) change nothing: they say nothing about the
    /// credentials.
    pub async fn refresh_credentials(&self, id: Uuid) -> Result<IntegratedAccount, AccountError> {
        let account = self.get(id).await?;
        let client = self.jamf_client(&account).await?;
        match client.refresh_token().await {
            Ok(()) if account.status == AccountStatus::Active => Ok(account),
            Ok(()) => self.validate_with(account, client, None).await,
            Err(err @ JamfError::Unauthorized { .. }) => {
                self.mark_needs_reauth(&account, &err.to_string()).await?;
                Err(AccountError::Jamf(err))
            }
            Err(err) => Err(AccountError::Jamf(err)),
        }
    }

    /// The Jamf client of `account`, reused while its credentials are unchanged (so is its
    /// token), rebuilt after a credential change.
    /// Async so a later shared (cross-replica) token store can slot in without touching callers.
    pub async fn jamf_client(
        &self,
        account: &IntegratedAccount,
    ) -> Result<JamfClient, AccountError> {
        let key = CredentialKey::of(account);
        if let Some((cached_key, client)) = self.cached_clients().get(&account.id)
            && *cached_key == key
        {
            return Ok(client.clone());
        }
        let client = self.build_client(account)?;
        self.cached_clients()
            .insert(account.id, (key, client.clone()));
        Ok(client)
    }

    /// Accounts per status, every status listed (zero when none), for the metrics gauge.
    pub async fn count_by_status(&self) -> Result<Vec<(AccountStatus, i64)>, AccountError> {
        let counted = self.store.count_by_status().await?;
        Ok(AccountStatus::ALL
            .into_iter()
            .map(|status| {
                let n = counted
                    .iter()
                    .find(|(s, _)| s == status.as_str())
                    .map_or(0, |(_, n)| *n);
                (status, n)
            })
            .collect())
    }

    /// The database the accounts live in, for the tables kept beside them (webhooks).
    pub fn database(&self) -> super::store::Database {
        self.store.database()
    }

    /// The sealing of secrets at rest, shared with webhook secrets.
    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// Readiness: the database answers.
    pub async fn ping(&self) -> Result<(), AccountError> {
        Ok(self.store.ping().await?)
    }

    /// The URL policy (including where the name resolves now, so the caller gets a clear 400
    /// rather than a stored account that can never connect), then the stored form:
    /// normalized, without a trailing slash.
    async fn checked_url(&self, url: &str) -> Result<String, AccountError> {
        let url = check_instance_url(url, self.allow_private_networks)?;
        check_resolution(&url, self.allow_private_networks).await?;
        Ok(url.as_str().trim_end_matches('/').to_owned())
    }

    /// `left`: the status the account had before new credentials made it `connecting`.
    async fn validate(
        &self,
        account: IntegratedAccount,
        left: Option<AccountStatus>,
    ) -> Result<IntegratedAccount, AccountError> {
        match self.build_client(&account) {
            Ok(client) => self.validate_with(account, client, left).await,
            Err(err) => {
                tracing::error!(account_id = %account.id, error = %err, "could not build a Jamf client to validate with");
                let failure = "internal error while validating; the service log has the details";
                self.record_validation(account, None, Err(failure.to_owned()), left)
                    .await
            }
        }
    }

    /// Gets a token, reads the version, probes that accounts can be read, and records the
    /// outcome — unless the credentials changed meanwhile (that change validates itself).
    async fn validate_with(
        &self,
        account: IntegratedAccount,
        client: JamfClient,
        left: Option<AccountStatus>,
    ) -> Result<IntegratedAccount, AccountError> {
        let probe = async {
            if let Err(err) = client.refresh_token().await {
                return (None, Err(err.to_string()));
            }
            match client.version().await {
                Err(err) => (None, Err(err.to_string())),
                Ok(version) => (
                    Some(version.to_string()),
                    client.can_read_accounts().await.map_err(|e| e.to_string()),
                ),
            }
        };
        // A bug in the probe must not leave the account `connecting`: it is a failure too.
        let (version, outcome) =
            AssertUnwindSafe(probe)
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    tracing::error!(account_id = %account.id, "validating against Jamf panicked");
                    let failure =
                        "internal error while validating; the service log has the details";
                    (None, Err(failure.to_owned()))
                });
        let worked = outcome.is_ok();
        let key = CredentialKey::of(&account);
        let recorded = self
            .record_validation(account, version, outcome, left)
            .await?;
        if worked && CredentialKey::of(&recorded) == key {
            self.cached_clients().insert(recorded.id, (key, client));
        }
        Ok(recorded)
    }

    /// Stores a validation's outcome: `active`, or `validation_error` with `last_error`.
    async fn record_validation(
        &self,
        account: IntegratedAccount,
        version: Option<String>,
        outcome: Result<(), String>,
        left: Option<AccountStatus>,
    ) -> Result<IntegratedAccount, AccountError> {
        let key = CredentialKey::of(&account);
        self.modify_after(account.id, left, |current| {
            if CredentialKey::of(current) != key {
                return Ok(false);
            }
            current.jamf_pro_version.clone_from(&version);
            match &outcome {
                Ok(()) => {
                    current.status = AccountStatus::Active;
                    current.capabilities = vec![READ_ACCOUNTS.to_owned()];
                    current.last_error = None;
                }
                Err(err) => {
                    current.status = AccountStatus::ValidationError;
                    current.capabilities.clear();
                    current.last_error = Some(err.clone());
                }
            }
            Ok(true)
        })
        .await
    }

    fn build_client(&self, account: &IntegratedAccount) -> Result<JamfClient, AccountError> {
        let secret = self.sealer.open(account.id, &account.secret)?;
        let principal = account.principal.clone();
        let credentials = match account.authentication_method {
            AuthMethod::OAuth2ClientCredentials => JamfCredentials::OAuth {
                client_id: principal,
                client_secret: secret,
            },
            AuthMethod::Basic => JamfCredentials::Basic {
                username: principal,
                password: secret,
            },
        };
        let url = url::Url::parse(&account.instance_url).map_err(|_| {
            AccountError::Store(StoreError::Corrupt(
                "stored instance_url does not parse".into(),
            ))
        })?;
        Ok(self.hub.client(&url, credentials)?)
    }

    /// Read-modify-write under the store's revision check, retried on a concurrent change.
    /// `change` returns false when there is nothing to write. The change's events are written
    /// with it.
    pub(super) async fn modify(
        &self,
        id: Uuid,
        change: impl FnMut(&mut IntegratedAccount) -> Result<bool, AccountError>,
    ) -> Result<IntegratedAccount, AccountError> {
        self.modify_after(id, None, change).await
    }

    /// [`Self::modify`] of an account that left `left` for `connecting` (its events say so).
    async fn modify_after(
        &self,
        id: Uuid,
        left: Option<AccountStatus>,
        mut change: impl FnMut(&mut IntegratedAccount) -> Result<bool, AccountError>,
    ) -> Result<IntegratedAccount, AccountError> {
        for _ in 0..MAX_ATTEMPTS {
            let before = self.fresh(id).await?;
            let mut account = before.clone();
            if !change(&mut account)? {
                return Ok(account);
            }
            account.updated_at = now();
            let events = transition_events(Some(&before), Some(&account), left);
            match self.store.update(&account, &events).await {
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => {
                    self.recent.invalidate(&id).await;
                    return Err(AccountError::NotFound);
                }
                other => {
                    let stored = other?;
                    self.recent.insert(id, stored.clone()).await;
                    return Ok(stored);
                }
            }
        }
        Err(AccountError::Busy)
    }

    fn cached_clients(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<Uuid, (CredentialKey, JamfClient)>> {
        // The map stays consistent even if a holder panicked: every write is one insert/remove.
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(principal: &str, secret: &[u8]) -> IntegratedAccount {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("valid time");
        IntegratedAccount {
            id: Uuid::nil(),
            tenant_id: "acme".into(),
            status: AccountStatus::Active,
            authentication_method: AuthMethod::OAuth2ClientCredentials,
            instance_url: "https://acme.jamfcloud.com".into(),
            principal: principal.into(),
            secret: SealedSecret::from_stored(secret.to_vec()),
            jamf_pro_version: None,
            capabilities: Vec::new(),
            last_error: None,
            revision: 1,
            created_at: at,
            updated_at: at,
        }
    }

    /// Pinned: a change of this value splits the Redis keys of replicas running different
    /// builds (a rolling upgrade would fetch twice and stop sharing).
    #[test]
    fn the_credentials_fingerprint_is_stable_across_builds() {
        // The first 8 bytes of SHA-256 over the length-prefixed fields, computed independently.
        assert_eq!(
            account("client-1", b"sealed").credentials_fingerprint(),
            0x3d21_d434_70b2_05bd
        );
    }

    #[test]
    fn the_credentials_fingerprint_changes_with_any_credential_field() {
        let base = account("client-1", b"sealed").credentials_fingerprint();
        assert_ne!(
            account("client-2", b"sealed").credentials_fingerprint(),
            base
        );
        assert_ne!(
            account("client-1", b"sealed2").credentials_fingerprint(),
            base
        );
        // Length prefixes keep field boundaries: moving a byte across them is a change.
        assert_ne!(
            account("client-1s", b"ealed").credentials_fingerprint(),
            base
        );
        let mut basic = account("client-1", b"sealed");
        basic.authentication_method = AuthMethod::Basic;
        assert_ne!(basic.credentials_fingerprint(), base);
    }
}
