//! The unified directory: normalized records, the normalization from Jamf, snapshot cache.

pub mod cache;
pub mod cursor;
pub mod model;
pub mod normalize;
pub mod query;
