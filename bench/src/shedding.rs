//! Row 9: a directory fetch from a Jamf that sheds load as Jamf Cloud does (beyond
//! [`SHED_ABOVE`] requests in progress it answers 503) at a Jamf Cloud latency: it completes,
//! at the cost of the requests refused while the per-instance limit adapts.

use std::time::Duration;

use anyhow::Context as _;
use jamf_sim::{Faults, SimConfig, SimServer};

use crate::fetch::{Timed, timed};

pub const SHED_ABOVE: u64 = 2;
pub const LATENCY: Duration = Duration::from_millis(100);
/// Classic: one request per account, enough requests for the limit to settle.
const VERSION: &str = "11.20.0";

pub struct ShedRun {
    pub accounts: usize,
    pub concurrency: usize,
    /// Every account read and no list incomplete.
    pub complete: bool,
    pub fetched: Timed,
    pub refused: u64,
}

pub async fn run(accounts: usize, concurrency: usize) -> anyhow::Result<ShedRun> {
    let sim = SimServer::start(SimConfig {
        accounts,
        latency: LATENCY,
        jamf_version: VERSION.to_owned(),
        ..SimConfig::default()
    })
    .await?;
    let shedding = Faults {
        shed_above: Some(SHED_ABOVE),
        health_status: true,
        ..Faults::default()
    };
    sim.control()
        .set_faults(shedding)
        .map_err(anyhow::Error::msg)?;
    let (fetched, directory) = timed(&sim, concurrency, |client| async move {
        client.fetch_directory().await.context("fetch_directory")
    })
    .await?;
    Ok(ShedRun {
        accounts,
        concurrency,
        complete: directory.accounts.len() == accounts && directory.incomplete.is_empty(),
        fetched,
        refused: sim.control().stats().refused,
    })
}
