//! Row 8: fetches of any size, through the service as a caller meets them: at a realistic
//! Jamf Cloud latency, each caller waits `server.fetch_wait_secs` and then hears 503 with
//! the fetch's progress; it calls again until the list arrives. The fetch itself runs on its
//! own, once: the simulator's counters show how many requests it took and that no detail
//! was read twice.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use jamf_sim::{SimConfig, SimServer, SimStats};
use reqwest::StatusCode;

use crate::service::Service;

/// One fetch of one kind of record, as a caller polled it.
pub struct SizedFetch {
    pub what: &'static str,
    pub version: &'static str,
    pub records: usize,
    pub latency: Duration,
    pub wall: Duration,
    /// 503 answers the caller got before the list (each after waiting `fetch_wait_secs`).
    pub waits: usize,
    pub stats: SimStats,
    /// The per-record endpoint whose 200 answers must equal `records` (none on the v1 plan).
    pub detail: Option<&'static str>,
}

impl SizedFetch {
    /// GET requests the fetch sent, less the version read every new client makes once.
    pub fn requests(&self) -> u64 {
        let gets: u64 = self
            .stats
            .by_endpoint
            .iter()
            .filter(|(endpoint, _)| endpoint.starts_with("GET "))
            .map(|(_, n)| n)
            .sum();
        gets - self.stats.count("GET /api/v1/jamf-pro-version")
    }

    /// Successful reads of the per-record endpoint, when the plan has one.
    pub fn detail_reads(&self) -> Option<u64> {
        let detail = self.detail?;
        let ok = format!("{detail} 200");
        Some(self.stats.by_endpoint_status.get(&ok).copied().unwrap_or(0))
    }
}

/// End users (`type=end-user`) or admins (the default list) behind `config`, listed cold.
pub async fn run(
    what: &'static str,
    version: &'static str,
    config: SimConfig,
    concurrency: usize,
) -> anyhow::Result<SizedFetch> {
    let end_users = what == "end users";
    let records = if end_users {
        config.inventory_users
    } else {
        config.accounts
    };
    let latency = config.latency;
    let sim = SimServer::start(SimConfig {
        jamf_version: version.to_owned(),
        ..config
    })
    .await?;
    // The defaults callers meet: a 20 s wait, a fetch deadline of 30 minutes.
    let service = Service::start_with(concurrency, |settings| {
        let defaults = jamf_directory::settings::Settings::default();
        settings.server.fetch_wait_secs = defaults.server.fetch_wait_secs;
        settings.server.request_timeout_secs = defaults.server.request_timeout_secs;
        settings.upstream.deadline_secs = defaults.upstream.deadline_secs;
    })
    .await?;
    let account = service.connect(&sim, "bench").await?;
    sim.control().reset_stats();
    let query = if end_users {
        "type=end-user&limit=1"
    } else {
        "limit=1"
    };
    let started = Instant::now();
    let mut waits = 0;
    loop {
        let response = service.users(&account, query).await?;
        match response.status() {
            StatusCode::OK => break,
            StatusCode::SERVICE_UNAVAILABLE if waits < 1_000 => waits += 1,
            status => bail!("{what}: {status}: {}", response.text().await?),
        }
    }
    let wall = started.elapsed();
    let stats = sim.control().stats();
    service.stop().await.context("stop the service")?;
    let detail = match (end_users, version.starts_with("11.30")) {
        (true, true) => None,
        (true, false) => Some("GET /JSSResource/users/id/{id}"),
        (false, _) => Some("GET /JSSResource/accounts/userid/{id}"),
    };
    Ok(SizedFetch {
        what,
        version,
        records,
        latency,
        wall,
        waits,
        stats,
        detail,
    })
}
