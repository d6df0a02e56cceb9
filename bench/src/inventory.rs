//! Row 6: the cost of an end-user (inventory user) fetch on each plan: calls against
//! `planned_inventory_requests` and wall time against the plan's lower bound.

use std::time::Duration;

use anyhow::Context as _;
use jamf_directory::jamf::records::JamfVersion;
use jamf_directory::jamf::{USERS_PAGE_SIZE, planned_inventory_requests};
use jamf_sim::{SimConfig, SimServer};

use crate::fetch::{Bound, Timed, timed};

/// One inventory fetch of one plan.
pub struct InventoryRun {
    pub version: String,
    pub v1: bool,
    pub users: usize,
    pub groups: usize,
    pub bound: Bound,
    pub fetched: Timed,
    pub planned: usize,
}

impl InventoryRun {
    pub fn name(&self) -> &'static str {
        if self.v1 { "v1" } else { "Classic" }
    }
}

/// Starts a simulator with `users` inventory users reporting `version` and fetches them once.
pub async fn run(
    version: &str,
    users: usize,
    latency: Duration,
    concurrency: usize,
) -> anyhow::Result<InventoryRun> {
    let sim = SimServer::start(SimConfig {
        accounts: 10,
        inventory_users: users,
        latency,
        jamf_version: version.to_owned(),
        ..SimConfig::default()
    })
    .await?;
    let (fetched, inventory) = timed(&sim, concurrency, |client| async move {
        client.fetch_inventory().await.context("fetch_inventory")
    })
    .await?;
    let v1 = JamfVersion::parse(version).is_some_and(|v| v.supports_v1_users());
    let groups = inventory.groups.len();
    let users = inventory.users.len();
    // Depth 1: the user list (its pages) and the user-group list; depth 2: one Classic detail
    // per user group, and on the Classic plan per user too (v1 pages are the records).
    let (list_pages, details) = if v1 {
        (users.div_ceil(USERS_PAGE_SIZE).max(1), groups)
    } else {
        (1, users + groups)
    };
    let bound = Bound {
        stages: vec![
            (list_pages + 1, "user list pages, user-group list"),
            (
                details,
                "one Classic detail per user group (and per user before 11.26)",
            ),
        ],
        concurrency: concurrency.max(1),
        latency,
    };
    Ok(InventoryRun {
        version: version.to_owned(),
        v1,
        users,
        groups,
        bound,
        fetched,
        planned: planned_inventory_requests(v1, users, groups),
    })
}
