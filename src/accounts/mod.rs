//! Integrated accounts: the stored model, its storage (SQLite, PostgreSQL), secret sealing, and
//! the lifecycle service that validates accounts against Jamf.

mod error;
mod events;
mod model;
mod runtime;
pub mod seal;
mod service;
mod setup;
mod sql;
pub mod store;

pub use error::AccountError;
pub use events::account_payload;
pub use model::{AccountStatus, AuthMethod, IntegratedAccount, SealedSecret, new_account_id, now};
pub use seal::{SealError, Sealer};
pub use service::{AccountPatch, AccountService, Credentials, READ_ACCOUNTS};
pub use setup::account_service;
pub use sql::{postgres_pool, sqlite_pool};
pub use store::{AccountPage, AccountStore, Database, ListFilter, StoreError, TenantScope};

#[cfg(test)]
mod store_tests;
#[cfg(test)]
pub(crate) mod test_backends;
