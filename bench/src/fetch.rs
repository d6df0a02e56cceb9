//! Rows 1–2: one cold directory fetch through the Jamf client, timed against the plan's lower
//! bound and against the same requests made one at a time, and counted against the formula.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use jamf_directory::jamf::records::JamfDirectory;
use jamf_directory::jamf::{
    JamfClient, JamfCredentials, JamfHub, PAGE_SIZE, PlanInputs, PlanKind, planned_requests,
};
use jamf_directory::settings::UpstreamSettings;
use jamf_sim::{SimConfig, SimServer};
use secrecy::SecretString;
use url::Url;

/// One fetch as the simulator saw it.
pub struct Timed {
    pub wall: Duration,
    pub requests: u64,
    pub peak_in_flight: u64,
}

/// Both fetches of one plan over the same simulated data.
pub struct PlanRun {
    pub version: String,
    pub kind: PlanKind,
    pub bound: Bound,
    pub concurrent: Timed,
    pub sequential: Timed,
    /// `planned_requests` for what the concurrent fetch read.
    pub planned: usize,
}

/// Requests grouped by dependency depth: a request at depth k needs an answer from depth k−1
/// (Classic details need the list; v1 details need every account and group page).
pub struct Bound {
    pub stages: Vec<(usize, &'static str)>,
    pub concurrency: usize,
    pub latency: Duration,
}

impl PlanRun {
    /// The plan the version actually selected.
    pub fn name(&self) -> &'static str {
        match self.kind {
            PlanKind::V1 => "v1",
            PlanKind::Classic => "Classic",
        }
    }
}

impl Bound {
    pub fn total(&self) -> usize {
        self.stages.iter().map(|(n, _)| n).sum()
    }

    /// The fewest rounds any schedule can take: requests at depth ≥ k cannot start before
    /// round k, and a round holds at most c requests, so
    /// rounds ≥ max over k of (k − 1) + ⌈(requests at depth ≥ k) / c⌉. For k = 1 this is the
    /// plain ⌈R / c⌉; it is tighter than summing ⌈stage / c⌉, because requests nothing waits
    /// on (sites, SSO, API roles and clients) can fill the gaps of a later round.
    pub fn rounds(&self) -> usize {
        (0..self.stages.len())
            .map(|k| {
                let rest: usize = self.stages[k..].iter().map(|(n, _)| n).sum();
                k + rest.div_ceil(self.concurrency)
            })
            .max()
            .unwrap_or(0)
    }

    /// Summing ⌈stage / c⌉, shown next to the tight bound for comparison.
    pub fn stage_sum_rounds(&self) -> usize {
        let c = self.concurrency;
        self.stages.iter().map(|(n, _)| n.div_ceil(c)).sum()
    }

    pub fn time(&self) -> Duration {
        self.latency * u32::try_from(self.rounds()).unwrap_or(u32::MAX)
    }

    /// "depth 1: 5 (list, sites, SSO, roles p0, clients p0); depth 2: 1006 (details)".
    pub fn explain(&self) -> String {
        let stages: Vec<String> = self
            .stages
            .iter()
            .enumerate()
            .map(|(i, (n, what))| format!("depth {}: {n} ({what})", i + 1))
            .collect();
        stages.join("; ")
    }
}

fn pages(items: usize) -> usize {
    items.div_ceil(PAGE_SIZE).max(1)
}

/// The dependency structure of `fetch_directory` (see `jamf::plan`), as implemented: v1 reads
/// every account and group page before any Classic detail; Classic reads the list first.
pub fn bound(kind: PlanKind, inputs: &PlanInputs, concurrency: usize, latency: Duration) -> Bound {
    let more_pages = |n| pages(n) - 1;
    let extra_instance_pages = more_pages(inputs.api_roles) + more_pages(inputs.api_clients);
    let stages = match kind {
        PlanKind::Classic => vec![
            (
                5,
                "account list, sites, SSO, first page of API roles and clients",
            ),
            (
                inputs.accounts + inputs.groups + extra_instance_pages,
                "one Classic detail per account and group",
            ),
        ],
        PlanKind::V1 => {
            let list_pages = more_pages(inputs.accounts) + more_pages(inputs.groups);
            let details = inputs.groups + inputs.classic_account_details;
            let first = (
                6,
                "first pages of accounts, groups, API roles, clients; sites, SSO",
            );
            if list_pages > 0 {
                vec![
                    first,
                    (list_pages + extra_instance_pages, "further list pages"),
                    (
                        details,
                        "Classic detail of every group and the accounts v1 leaves short",
                    ),
                ]
            } else {
                vec![
                    first,
                    (
                        details + extra_instance_pages,
                        "Classic detail of every group and the accounts v1 leaves short",
                    ),
                ]
            }
        }
    };
    Bound {
        stages,
        concurrency: concurrency.max(1),
        latency,
    }
}

/// A Jamf client of `sim` with its own hub bounded at `concurrency`.
pub fn client_for(sim: &SimServer, concurrency: usize) -> anyhow::Result<JamfClient> {
    let settings = UpstreamSettings {
        max_concurrency: concurrency,
        allow_private_networks: true,
        // A sequential fetch of a large directory takes minutes; only the bench waits that long.
        deadline_secs: 3_600,
        // Long fetches would read `/api/v1/health-status` after a minute: a request outside
        // the plan, which the rows compare with the simulator's count.
        health_status_interval_secs: 3_600,
        ..UpstreamSettings::default()
    };
    let hub = JamfHub::new(&settings, None)?;
    let config = sim.control().config();
    let credentials = JamfCredentials::OAuth {
        client_id: config.client_id.clone(),
        client_secret: SecretString::from(config.client_secret.clone()),
    };
    Ok(hub.client(&Url::parse(sim.base_url())?, credentials)?)
}

/// Starts a simulator reporting `version` and fetches its directory twice: with the bound
/// `concurrency`, then with 1 (the same requests, one at a time).
pub async fn run(
    version: &str,
    accounts: usize,
    latency: Duration,
    concurrency: usize,
) -> anyhow::Result<PlanRun> {
    let sim = SimServer::start(SimConfig {
        accounts,
        latency,
        jamf_version: version.to_owned(),
        ..SimConfig::default()
    })
    .await?;
    let (concurrent, directory) = timed_fetch(&sim, concurrency).await?;
    let (sequential, _) = timed_fetch(&sim, 1).await?;
    let kind = PlanKind::for_version(directory.version);
    let inputs = PlanInputs::of(&directory);
    Ok(PlanRun {
        version: version.to_owned(),
        kind,
        bound: bound(kind, &inputs, concurrency, latency),
        concurrent,
        sequential,
        planned: planned_requests(kind, &inputs),
    })
}

async fn timed_fetch(
    sim: &SimServer,
    concurrency: usize,
) -> anyhow::Result<(Timed, JamfDirectory)> {
    timed(sim, concurrency, |client| async move {
        client.fetch_directory().await.context("fetch_directory")
    })
    .await
}

/// Runs `fetch` with a fresh client of `sim` and times it, counting what the simulator saw.
/// The token and the version are per client, not per fetch (the service reads both when an
/// account is connected), so they are read before the clock starts.
pub async fn timed<T, F, Fut>(
    sim: &SimServer,
    concurrency: usize,
    fetch: F,
) -> anyhow::Result<(Timed, T)>
where
    F: FnOnce(JamfClient) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let client = client_for(sim, concurrency)?;
    client
        .version()
        .await
        .context("warming token and version")?;
    sim.control().reset_stats();
    let started = Instant::now();
    let fetched = fetch(client).await?;
    let wall = started.elapsed();
    let stats = sim.control().stats();
    let timed = Timed {
        wall,
        requests: stats.requests_total,
        peak_in_flight: stats.peak_in_flight,
    };
    Ok((timed, fetched))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_counts_every_planned_request_and_uses_free_slots() {
        let inputs = PlanInputs {
            accounts: 1_000,
            groups: 11,
            classic_account_details: 152,
            api_roles: 3,
            api_clients: 2,
        };
        let ms = Duration::from_millis(20);
        for kind in [PlanKind::V1, PlanKind::Classic] {
            let b = bound(kind, &inputs, 5, ms);
            assert_eq!(b.total(), planned_requests(kind, &inputs), "{kind:?}");
        }
        let v1 = bound(PlanKind::V1, &inputs, 5, ms);
        // 6 + 163 requests: round 1 holds 5 first-stage ones, the sixth rides with details.
        assert_eq!((v1.rounds(), v1.stage_sum_rounds()), (34, 35));
        let classic = bound(PlanKind::Classic, &inputs, 5, ms);
        assert_eq!(classic.rounds(), 1 + 1_011usize.div_ceil(5));
    }
}
