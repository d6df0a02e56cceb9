//! `bench soak`: the service in-process on loopback, several integrated accounts on simulated
//! Jamf instances, and an open-loop mixed workload (tokens, lists, gets, no-cache refreshes) at
//! a fixed rate for a given duration. Prints requests, errors by status, latency and the
//! process's RSS after warm-up and at the end, with PASS/MISS for 0 unexpected answers and RSS
//! growth under 10 %.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use clap::Args;
use jamf_sim::{SimConfig, SimServer};

use crate::load::{self, Load, Pacing, Target};
use crate::report;
use crate::scenarios::rss_bytes;
use crate::service::Service;
use crate::soak_mix::Paths;

#[derive(Args, Debug, Clone)]
pub struct SoakArgs {
    /// Length of the measured window, in seconds (after the warm-up)
    #[arg(long, default_value_t = 300.0)]
    pub duration_secs: f64,
    /// Unrecorded warm-up at the same rate; RSS "start" is read at its end
    #[arg(long, default_value_t = 30.0)]
    pub warmup_secs: f64,
    /// Total request rate, per second, on a fixed schedule (open loop)
    #[arg(long, default_value_t = 200.0)]
    pub rate: f64,
    /// Jamf administrator accounts on each simulated instance
    #[arg(long, default_value_t = 500)]
    pub accounts: usize,
    /// Integrated accounts, each on its own simulated Jamf instance (v1 and Classic in turn)
    #[arg(long, default_value_t = 5)]
    pub instances: usize,
    /// Jamf versions the instances take in turn: 11.27+ is read with the v1 plan, older ones
    /// with the Classic plan (one detail request per account)
    #[arg(long, value_delimiter = ',', default_value = "11.30.1,11.30.1,11.20.0")]
    pub jamf_versions: Vec<String>,
    /// Simulated Jamf latency per request, in ms
    #[arg(long, default_value_t = 20)]
    pub latency_ms: u64,
    /// Lifetime of the simulated Jamf OAuth tokens, so the service renews them mid-soak
    #[arg(long, default_value_t = 120)]
    pub jamf_token_secs: u64,
    /// `cache.ttl_secs`: snapshots expire and are rebuilt during the soak
    #[arg(long, default_value_t = 30)]
    pub ttl_secs: u64,
    /// Share of requests that are users lists with `Cache-Control: no-cache` (a Jamf refetch)
    #[arg(long, default_value_t = 0.02)]
    pub no_cache_share: f64,
    /// `upstream.max_concurrency`: Jamf requests in flight per instance
    #[arg(long, default_value_t = 5)]
    pub concurrency: usize,
    /// Keep-alive connections sharing the rate (each one's schedule is rate / connections)
    #[arg(long, default_value_t = 256)]
    pub connections: usize,
    /// Seconds between RSS samples
    #[arg(long, default_value_t = 30.0)]
    pub sample_secs: f64,
    /// Seed of the workload's order and of the simulated data
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// What the soak measured, for the report.
pub struct Soak {
    pub args: SoakArgs,
    pub load: Load,
    pub shares: [usize; 6],
    /// (seconds since the window opened, RSS bytes); the first is "start", the last "end".
    pub rss: Vec<(f64, u64)>,
    /// Full directory fetches from Jamf during the window (one account-list read each, at up
    /// to 2,000 accounts).
    pub fetches: u64,
    /// SSO reads: one per directory fetch and per single-user get on a cold cache.
    pub sso_reads: u64,
    /// Jamf OAuth tokens the simulators issued during the window.
    pub jamf_tokens: u64,
    /// Jamf's answers during the window, by status, across the instances.
    pub jamf_statuses: BTreeMap<u16, u64>,
    /// Integrated-account statuses at the end, one per instance.
    pub statuses: Vec<String>,
}

pub async fn run(mut args: SoakArgs) -> anyhow::Result<Soak> {
    if args.jamf_versions.is_empty() {
        args.jamf_versions.push("11.30.1".to_owned());
    }
    let mut sims = Vec::with_capacity(args.instances);
    for i in 0..args.instances.max(1) {
        let sim = SimServer::start(SimConfig {
            accounts: args.accounts,
            latency: Duration::from_millis(args.latency_ms),
            seed: args.seed + i as u64,
            jamf_version: args.jamf_versions[i % args.jamf_versions.len()].clone(),
            token_lifetime_secs: args.jamf_token_secs,
            ..SimConfig::default()
        })
        .await?;
        sims.push(sim);
    }
    let ttl = args.ttl_secs;
    let service = Service::start_with(args.concurrency, |settings| {
        settings.cache.ttl_secs = ttl;
        // The load's bearer token is minted once; it must outlive any soak.
        settings.auth.token_ttl_secs = 86_400;
    })
    .await?;
    let mut accounts = Vec::with_capacity(sims.len());
    let mut paths = Paths::default();
    for (i, sim) in sims.iter().enumerate() {
        let account = service.connect(sim, &format!("soak-{i}")).await?;
        paths.discover(&service, &account).await?;
        accounts.push(account);
    }
    let (deck, shares) = paths.deck(&service, args.no_cache_share, args.seed);
    let target = Target::mixed(service.addr, deck);

    let warmup = Duration::from_secs_f64(args.warmup_secs.max(0.0));
    let duration = Duration::from_secs_f64(args.duration_secs.max(1.0));
    let pacing = Pacing::Rate(args.rate.max(1.0));
    let connections = args.connections.max(1);
    eprintln!(
        "soak: {:.0} s warm-up, then {:.0} s at {} req/s",
        warmup.as_secs_f64(),
        duration.as_secs_f64(),
        args.rate
    );
    let driving = tokio::spawn(load::run(target, connections, pacing, warmup, duration));
    tokio::time::sleep(warmup).await;
    let opened = Instant::now();
    for sim in &sims {
        sim.control().reset_stats();
    }
    let mut rss = vec![(0.0, rss_bytes()?)];
    let every = Duration::from_secs_f64(args.sample_secs.max(1.0));
    // The last sample is read while the load still runs: once it stops, the generator frees
    // its connections' buffers and RSS would drop for a reason unrelated to the service.
    let last = opened + duration.saturating_sub(Duration::from_secs(1));
    let mut next = (opened + every).min(last);
    let mut ended = false;
    while !driving.is_finished() {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if !ended && Instant::now() >= next {
            let sample = (opened.elapsed().as_secs_f64(), rss_bytes()?);
            eprintln!("soak: {:.0} s, RSS {}", sample.0, report::mib(sample.1));
            rss.push(sample);
            ended = next >= last;
            next = (next + every).min(last);
        }
    }
    let load = driving.await??;
    if !ended {
        rss.push((opened.elapsed().as_secs_f64(), rss_bytes()?));
    }
    let count = |endpoint: &str| -> u64 {
        let stats = sims.iter().map(|s| s.control().stats());
        stats.map(|s| s.count(endpoint)).sum()
    };
    let mut jamf_statuses = BTreeMap::new();
    for sim in &sims {
        for (status, n) in sim.control().stats().by_status {
            *jamf_statuses.entry(status).or_default() += n;
        }
    }
    let fetches = count("GET /api/v1/accounts") + count("GET /JSSResource/accounts");
    let sso_reads = count("GET /api/v3/sso");
    let jamf_tokens = count("POST /api/v1/oauth/token");
    let mut statuses = Vec::with_capacity(accounts.len());
    for account in &accounts {
        let path = format!("/integrated-account/{account}");
        let response = service.http.get(service.url(&path));
        let body: serde_json::Value = response
            .bearer_auth(&service.token)
            .send()
            .await?
            .json()
            .await?;
        statuses.push(body["status"].as_str().unwrap_or("?").to_owned());
    }
    service.stop().await?;
    Ok(Soak {
        args,
        load,
        shares,
        rss,
        fetches,
        sso_reads,
        jamf_tokens,
        jamf_statuses,
        statuses,
    })
}
