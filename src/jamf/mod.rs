//! The Jamf Pro client: authentication, limits, retries, wire records and fetch plans.

pub mod budget;
mod client;
mod directory_plan;
pub mod endpoints;
pub mod error;
mod hub;
mod inventory_plan;
pub mod plan;
mod reads;
pub mod records;
mod token;
mod transport;
pub mod url_policy;

pub use budget::{BudgetPermit, SharedBudget, SharedBudgetConfig};
pub use client::JamfClient;
pub use error::JamfError;
pub use hub::JamfHub;
pub use inventory_plan::{USERS_PAGE_SIZE, planned_inventory_requests};
pub use plan::{PAGE_SIZE, PlanInputs, PlanKind, planned_requests};
pub use token::JamfCredentials;
pub use url_policy::{UrlRefusal, check_instance_url, check_resolution};
