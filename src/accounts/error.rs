//! What the account lifecycle can fail with; the HTTP layer maps each to a status.

use crate::jamf::{JamfError, UrlRefusal};

use super::seal::SealError;
use super::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("integrated account not found")]
    NotFound,
    /// The instance URL breaks the upstream URL policy; nothing was stored.
    #[error(transparent)]
    InvalidUrl(#[from] UrlRefusal),
    /// A request that cannot be applied as asked (e.g. a new URL without the secret).
    #[error("{0}")]
    Invalid(String),
    /// Jamf refused or failed an operation the caller asked for directly (refresh).
    #[error(transparent)]
    Jamf(JamfError),
    /// The account kept changing under concurrent updates.
    #[error("the integrated account is being changed concurrently; retry")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Seal(#[from] SealError),
}
