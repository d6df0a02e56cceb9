//! The unified user-directory API end to end: real service, real simulator, real SQLite.

mod cache;
mod failures;
mod inventory;
mod lists;
mod long_fetch;
mod one_truth;
mod stale;

use crate::support::Fixture;

const USERS: &str = "/unified/user-directory/users";
