//! The access review, served: findings, leavers, CSV evidence and the report page. Pure
//! functions over one [`DirectorySnapshot`](crate::directory::model::DirectorySnapshot); they
//! do no Jamf I/O of their own, and know nothing of HTTP (`http::review` serves them).

pub mod bidi;
pub mod changes;
pub mod csv;
pub mod digest;
pub mod findings;
pub mod leavers;
pub mod report;
