//! The unified directory: the use case ([`DirectoryService`]), normalized records, the
//! normalization from Jamf, the snapshot cache, list queries and cursors.

pub mod cache;
pub mod cursor;
pub mod model;
pub mod normalize;
pub mod query;
pub mod resume;
mod service;

pub use cache::SnapshotKind;
pub use service::{DirectoryError, DirectoryService, Served};
