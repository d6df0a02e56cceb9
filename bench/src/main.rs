//! `cargo run --release --bin bench -- [options]`: measures the performance targets of the README's Performance section in
//! one run, against the in-process simulator and service on loopback, and prints a Markdown
//! table with a PASS/MISS column. Timing misses are reported, not fatal; a missed count
//! (upstream requests, fetches per stampede) exits 1, since that is a bug on any machine.
//! Row 7 (replicas sharing Redis) starts a `redis-server` of its own on a free port.
//!
//! `cargo run --release --bin bench -- soak [options]`: a load and soak run instead (see
//! `soak`); exits 1 on an unexpected answer, RSS growth of 10 % or more, or a rate not held.

mod conn;
mod evidence;
mod fetch;
mod inventory;
mod load;
mod replicas;
mod report;
mod rows;
mod scenarios;
mod service;
mod shedding;
mod size;
mod soak;
mod soak_mix;
mod soak_report;
mod tally;

use std::time::{Duration, Instant};

use clap::Parser;
use jamf_sim::{SimConfig, SimServer};

use crate::report::Report;

/// Options; each unset one takes its full-run default, or its `--quick` default.
#[derive(Parser, Debug)]
#[command(
    name = "bench",
    about = "Benchmarks jamf-directory against its simulator (the README's Performance targets)",
    args_conflicts_with_subcommands = true
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Jamf accounts for the cold-fetch, stampede and warm-list rows [1000; quick 100]
    #[arg(long)]
    accounts: Option<usize>,
    /// Simulated Jamf latency per request, in ms [20; quick 5]
    #[arg(long)]
    latency_ms: Option<u64>,
    /// `upstream.max_concurrency`: Jamf requests in flight per instance
    #[arg(long, default_value_t = 5)]
    concurrency: usize,
    /// Length of each load measurement, in seconds [10; quick 2]
    #[arg(long)]
    duration_secs: Option<f64>,
    /// Integrated accounts cached in the memory row [100; quick 10]
    #[arg(long)]
    tenants: Option<usize>,
    /// Jamf accounts behind each of those integrated accounts [1000; quick 200]
    #[arg(long)]
    tenant_users: Option<usize>,
    /// Keep-alive connections of the closed-loop load generator [32; quick 16]
    #[arg(long)]
    connections: Option<usize>,
    /// Inventory users behind the end-user fetch row [1000; quick 100]
    #[arg(long)]
    inventory_users: Option<usize>,
    /// Jamf accounts behind the load-shedding row (at 100 ms per request) [300; quick 30]
    #[arg(long)]
    shed_accounts: Option<usize>,
    /// Admins behind the evidence storage row [1000; quick 100]
    #[arg(long)]
    evidence_admins: Option<usize>,
    /// Unchanged snapshots taken in the evidence storage row [30; quick 5]
    #[arg(long)]
    evidence_snapshots: Option<usize>,
    /// Admins behind the two snapshots the evidence changes row compares [10000; quick 300]
    #[arg(long)]
    changes_users: Option<usize>,
    /// Concurrent callers on a cold account
    #[arg(long, default_value_t = 100)]
    callers: usize,
    /// Request rate of the paced latency run, per second
    #[arg(long, default_value_t = 1000.0)]
    rate: f64,
    /// CI mode: every row small; finishes in seconds, in debug builds too
    #[arg(long)]
    quick: bool,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Load and soak: a mixed workload at a fixed rate for a duration; errors, latency, RSS
    Soak(soak::SoakArgs),
}

/// Resolved options.
pub struct Config {
    pub accounts: usize,
    pub latency: Duration,
    pub concurrency: usize,
    pub duration: Duration,
    pub tenants: usize,
    pub tenant_users: usize,
    pub connections: usize,
    pub callers: usize,
    pub rate: f64,
    pub inventory_users: usize,
    /// Row 8: the sizes and latencies of the long fetches.
    pub sizes: Sizes,
    pub shed_accounts: usize,
    /// Row 10: admins and unchanged snapshots of the storage row; admins compared.
    pub evidence_admins: usize,
    pub evidence_snapshots: usize,
    pub changes_users: usize,
}

/// Row 8's fetches: 50,000 end users on the v1 plan, 5,000 end users and 5,000 admins on the
/// Classic plan, at 100 ms (the admins at 150 ms) per Jamf request; `--quick` shrinks them.
pub struct Sizes {
    pub v1_end_users: usize,
    pub classic_end_users: usize,
    pub classic_admins: usize,
    pub latency: Duration,
    pub admin_latency: Duration,
}

impl From<Args> for Config {
    fn from(a: Args) -> Self {
        let pick = |set: Option<usize>, full: usize, quick: usize| {
            set.unwrap_or(if a.quick { quick } else { full })
        };
        let latency_ms = a.latency_ms.unwrap_or(if a.quick { 5 } else { 20 });
        let duration = a.duration_secs.unwrap_or(if a.quick { 2.0 } else { 10.0 });
        Config {
            accounts: pick(a.accounts, 1_000, 100),
            latency: Duration::from_millis(latency_ms),
            concurrency: a.concurrency.max(1),
            duration: Duration::from_secs_f64(duration.max(0.1)),
            tenants: pick(a.tenants, 100, 10),
            tenant_users: pick(a.tenant_users, 1_000, 200),
            connections: pick(a.connections, 32, 16).max(1),
            callers: a.callers.max(1),
            rate: a.rate.max(1.0),
            inventory_users: pick(a.inventory_users, 1_000, 100),
            sizes: if a.quick {
                Sizes {
                    v1_end_users: 2_000,
                    classic_end_users: 150,
                    classic_admins: 150,
                    latency: Duration::from_millis(5),
                    admin_latency: Duration::from_millis(5),
                }
            } else {
                Sizes {
                    v1_end_users: 50_000,
                    classic_end_users: 5_000,
                    classic_admins: 5_000,
                    latency: Duration::from_millis(100),
                    admin_latency: Duration::from_millis(150),
                }
            },
            shed_accounts: pick(a.shed_accounts, 300, 30),
            evidence_admins: pick(a.evidence_admins, 1_000, 100),
            evidence_snapshots: pick(a.evidence_snapshots, 30, 5).max(2),
            changes_users: pick(a.changes_users, 10_000, 300),
        }
    }
}

/// Plans and the versions that select them (v1 lists exist from 11.27).
const PLANS: [&str; 2] = ["11.20.0", "11.30.1"];

#[tokio::main]
async fn main() {
    let mut args = Args::parse();
    if let Some(Command::Soak(soak)) = args.command.take() {
        let soak = match soak::run(soak).await {
            Ok(soak) => soak,
            Err(e) => {
                eprintln!("soak failed: {e:#}");
                std::process::exit(2);
            }
        };
        let (report, met) = soak_report::render(&soak);
        println!("{report}");
        std::process::exit(if met { 0 } else { 1 });
    }
    let config = Config::from(args);
    let started = Instant::now();
    let mut report = Report::default();

    // Memory first: the baseline is then not inflated by heap the other rows leave behind.
    eprintln!(
        "row 5: caching {} accounts x {} users",
        config.tenants, config.tenant_users
    );
    let memory = scenarios::memory(config.tenants, config.tenant_users, config.concurrency).await;

    let mut runs = Vec::new();
    for version in PLANS {
        eprintln!("rows 1-2: cold fetch from Jamf {version}, concurrent then sequential");
        match fetch::run(version, config.accounts, config.latency, config.concurrency).await {
            Ok(run) => runs.push(run),
            Err(e) => rows::failed(
                &mut report,
                "1-2",
                &format!("cold fetch from {version}"),
                &e,
            ),
        }
    }

    let mut inventories = Vec::new();
    for version in PLANS {
        eprintln!("row 6: end-user fetch from Jamf {version}");
        let users = config.inventory_users;
        match inventory::run(version, users, config.latency, config.concurrency).await {
            Ok(run) => inventories.push(run),
            Err(e) => rows::failed(&mut report, "6", &format!("end users from {version}"), &e),
        }
    }

    eprintln!(
        "rows 3-4: {} cold callers, then warm list load",
        config.callers
    );
    let through_service = service_rows(&config).await;
    eprintln!(
        "row 7: {} replicas sharing Redis, {} cold callers",
        replicas::REPLICAS,
        replicas::REPLICAS * config.callers
    );
    let replicated = replicas::stampede(&config).await;
    let sized = sized_fetches(&config, &mut report).await;
    eprintln!("row 9: cold fetch from a Jamf shedding load");
    let shed = shedding::run(config.shed_accounts, config.concurrency).await;
    eprintln!(
        "row 10: {} snapshots of {} unchanged admins; changes between two snapshots of {} admins",
        config.evidence_snapshots, config.evidence_admins, config.changes_users
    );
    let growth = evidence::growth(
        config.evidence_admins,
        config.evidence_snapshots,
        config.concurrency,
    )
    .await;
    let comparison = evidence::comparison(config.changes_users, config.concurrency).await;

    for run in &runs {
        rows::cold_fetch(&mut report, &config, run);
    }
    for run in &runs {
        rows::request_count(&mut report, run);
    }
    match through_service {
        Ok((stampede, warm)) => {
            rows::stampede(&mut report, &stampede);
            rows::warm(&mut report, &config, &warm);
        }
        Err(e) => rows::failed(&mut report, "3-4", "through the service", &e),
    }
    match memory {
        Ok(memory) => rows::memory(&mut report, &memory),
        Err(e) => rows::failed(&mut report, "5", "memory", &e),
    }
    for run in &inventories {
        rows::end_user_fetch(&mut report, run);
    }
    match replicated {
        Ok(replicated) => rows::replicas(&mut report, &replicated),
        Err(e) => rows::failed(&mut report, "7", "replicas sharing Redis", &e),
    }
    for run in &sized {
        rows::sized(&mut report, config.concurrency, run);
    }
    match shed {
        Ok(run) => rows::shedding(&mut report, &run),
        Err(e) => rows::failed(&mut report, "9", "fetch from a Jamf shedding load", &e),
    }
    match growth {
        Ok(growth) => rows::evidence_growth(&mut report, &growth),
        Err(e) => rows::failed(&mut report, "10", "evidence storage growth", &e),
    }
    match comparison {
        Ok(comparison) => rows::evidence_changes(&mut report, &comparison),
        Err(e) => rows::failed(&mut report, "10", "evidence changes", &e),
    }
    rows::notes(&mut report, &config, &runs, started.elapsed());

    println!("{}", report.render());
    if report.count_missed() {
        eprintln!("a count target was missed or a row failed (see the table)");
        std::process::exit(1);
    }
}

/// Row 8: each long fetch through the service, one after the other.
async fn sized_fetches(config: &Config, report: &mut Report) -> Vec<size::SizedFetch> {
    let s = &config.sizes;
    let runs = [
        (
            "end users",
            "11.30.1",
            SimConfig {
                inventory_users: s.v1_end_users,
                latency: s.latency,
                ..SimConfig::default()
            },
        ),
        (
            "end users",
            "11.20.0",
            SimConfig {
                inventory_users: s.classic_end_users,
                latency: s.latency,
                ..SimConfig::default()
            },
        ),
        (
            "admins",
            "11.20.0",
            SimConfig {
                accounts: s.classic_admins,
                latency: s.admin_latency,
                ..SimConfig::default()
            },
        ),
    ];
    let mut done = Vec::new();
    for (what, version, sim) in runs {
        eprintln!("row 8: {what} from Jamf {version}, listed cold through the service");
        match size::run(what, version, sim, config.concurrency).await {
            Ok(run) => done.push(run),
            Err(e) => rows::failed(report, "8", &format!("{what} from {version}"), &e),
        }
    }
    done
}

/// Rows 3 and 4 share one service and account: the stampede leaves it warm for the load.
async fn service_rows(config: &Config) -> anyhow::Result<(scenarios::Stampede, scenarios::Warm)> {
    let sim = SimServer::start(SimConfig {
        accounts: config.accounts,
        latency: config.latency,
        ..SimConfig::default()
    })
    .await?;
    let service = service::Service::start(config.concurrency).await?;
    let account = service.connect(&sim, "bench").await?;
    let stampede = scenarios::stampede(&service, &sim, &account, config.callers).await?;
    let (connections, rate, duration) = (config.connections, config.rate, config.duration);
    let warm = scenarios::warm(&service, &account, connections, rate, duration).await?;
    service.stop().await?;
    Ok((stampede, warm))
}
