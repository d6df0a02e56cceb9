//! The Jamf Pro client: authentication, limits, retries, wire records and fetch plans.

pub mod records;
