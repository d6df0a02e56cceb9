//! Runtime transitions reported by the layers that use an account's Jamf client: a Jamf 401
//! moves the account to `needs_reauth`, a later success moves it back to `active`.

use crate::jamf::JamfError;

use super::error::AccountError;
use super::model::{AccountStatus, IntegratedAccount};
use super::service::{AccountService, CredentialKey};

impl AccountService {
    /// Records that Jamf refused `account`'s credentials at run time. Ignored when the stored
    /// credentials changed since `account` was read: the refusal was of the old ones. A no-op
    /// when the account already needs reauth (keeping the first `last_error`): many callers
    /// hit by one refusal at once must not race each other into a 409.
    pub async fn mark_needs_reauth(
        &self,
        account: &IntegratedAccount,
        error: &str,
    ) -> Result<IntegratedAccount, AccountError> {
        let key = CredentialKey::of(account);
        self.modify(account.id, |current| {
            if CredentialKey::of(current) != key || current.status == AccountStatus::NeedsReauth {
                return Ok(false);
            }
            current.status = AccountStatus::NeedsReauth;
            current.last_error = Some(error.to_owned());
            Ok(true)
        })
        .await
    }

    /// Records that `account`'s credentials worked again; a no-op when it is already active.
    pub async fn mark_active(
        &self,
        account: &IntegratedAccount,
    ) -> Result<IntegratedAccount, AccountError> {
        let key = CredentialKey::of(account);
        self.modify(account.id, |current| {
            if CredentialKey::of(current) != key || current.status == AccountStatus::Active {
                return Ok(false);
            }
            current.status = AccountStatus::Active;
            current.last_error = None;
            Ok(true)
        })
        .await
    }

    /// A Jamf call with `account`'s client succeeded. Writes only when the status changes, so
    /// the common case costs nothing; a storage failure is logged, not returned (the caller's
    /// data is fine).
    pub async fn jamf_succeeded(&self, account: &IntegratedAccount) {
        if account.status == AccountStatus::Active {
            return;
        }
        if let Err(err) = self.mark_active(account).await {
            tracing::warn!(account_id = %account.id, error = %err, "could not mark the integrated account active");
        }
    }

    /// A Jamf call with `account`'s client failed. Only a refusal of the credentials changes
    /// the account; outages and missing privileges say nothing about them.
    pub async fn jamf_failed(&self, account: &IntegratedAccount, err: &JamfError) {
        if !matches!(err, JamfError::Unauthorized { .. }) {
            return;
        }
        if let Err(store_err) = self.mark_needs_reauth(account, &err.to_string()).await {
            tracing::warn!(account_id = %account.id, error = %store_err, "could not mark the integrated account needs_reauth");
        }
    }
}
