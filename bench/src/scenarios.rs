//! Rows 3–5: scenarios through the real service over HTTP.

use std::time::Duration;

use anyhow::{Context as _, bail};
use axum::http::{HeaderValue, header};
use futures::{StreamExt as _, stream};
use jamf_sim::{SimConfig, SimServer};

use crate::load::{self, Load, Pacing, Target};
use crate::service::{Service, USERS};

/// One directory fetch reads SSO exactly once (both plans), so its count is the fetch count.
pub const ONE_PER_FETCH: &str = "GET /api/v3/sso";

pub struct Stampede {
    pub callers: usize,
    pub ok: usize,
    pub misses: usize,
    pub fetches: u64,
}

/// `callers` concurrent list requests on an account whose cache is cold.
pub async fn stampede(
    service: &Service,
    sim: &SimServer,
    account: &str,
    callers: usize,
) -> anyhow::Result<Stampede> {
    sim.control().reset_stats();
    let calls = (0..callers).map(|_| service.users(account, "limit=1"));
    let mut result = Stampede {
        callers,
        ok: 0,
        misses: 0,
        fetches: 0,
    };
    for response in futures::future::join_all(calls).await {
        let response = response?;
        result.ok += usize::from(response.status() == 200);
        let cache_status = response.headers().get("cache-status");
        let miss = cache_status
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("fwd=miss"));
        result.misses += usize::from(miss);
    }
    result.fetches = sim.control().stats().count(ONE_PER_FETCH);
    Ok(result)
}

pub struct Warm {
    pub body_bytes: usize,
    pub connections: usize,
    pub service: Load,
    pub bare: Load,
    pub paced_rate: f64,
    pub paced: Load,
}

/// Warm `limit=100` lists: closed-loop against the bare handler then the service, then the
/// service at a fixed rate. `account` must be cached already.
pub async fn warm(
    service: &Service,
    account: &str,
    connections: usize,
    rate: f64,
    duration: Duration,
) -> anyhow::Result<Warm> {
    let path = Service::users_path(account, "limit=100");
    let response = service.users(account, "limit=100").await?;
    let hit = response.headers().get("cache-status")
        == Some(&HeaderValue::from_static("jamf-directory; hit"));
    if response.status() != 200 || !hit {
        bail!(
            "the warm list is not a cache hit: {} {:?}",
            response.status(),
            response.headers()
        );
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("application/json"));
    let body = response.bytes().await?;
    let bare_addr = load::bare_handler(USERS, body.clone(), content_type).await?;
    let warmup = (duration / 4).min(Duration::from_secs(2));
    let measure = |addr, pacing| {
        let target = Target::new(addr, &path, &service.token);
        load::run(target, connections, pacing, warmup, duration)
    };
    let bare = measure(bare_addr, Pacing::Closed)
        .await
        .context("bare handler")?;
    let closed = measure(service.addr, Pacing::Closed)
        .await
        .context("service")?;
    let paced = measure(service.addr, Pacing::Rate(rate))
        .await
        .context("service, paced")?;
    Ok(Warm {
        body_bytes: body.len(),
        connections,
        service: closed,
        bare,
        paced_rate: rate,
        paced,
    })
}

pub struct Memory {
    pub tenants: usize,
    pub users: usize,
    pub baseline: u64,
    pub after: u64,
    pub fetches: u64,
    pub failures: usize,
}

/// `tenants` integrated accounts (one simulated instance, `users` accounts each) all cached.
/// Baseline RSS is read once the service runs and the accounts are connected, before any
/// directory is cached; the simulator and bench are in both readings, so the delta is the cache.
pub async fn memory(tenants: usize, users: usize, concurrency: usize) -> anyhow::Result<Memory> {
    let sim = SimServer::start(SimConfig {
        accounts: users,
        ..SimConfig::default()
    })
    .await?;
    let service = Service::start(concurrency).await?;
    let connects = (0..tenants).map(|i| {
        let (service, sim) = (&service, &sim);
        async move { service.connect(sim, &format!("tenant-{i}")).await }
    });
    let accounts: Vec<String> = stream::iter(connects)
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let baseline = rss_bytes()?;
    sim.control().reset_stats();
    let fills = accounts
        .iter()
        .map(|account| service.users(account, "limit=1"));
    let statuses: Vec<_> = stream::iter(fills).buffer_unordered(8).collect().await;
    let failures = statuses
        .iter()
        .filter(|r| !r.as_ref().is_ok_and(|r| r.status() == 200))
        .count();
    let after = rss_bytes()?;
    let fetches = sim.control().stats().count(ONE_PER_FETCH);
    service.stop().await?;
    Ok(Memory {
        tenants,
        users,
        baseline,
        after,
        fetches,
        failures,
    })
}

/// Resident set size of this process (`VmRSS` in /proc/self/status).
pub fn rss_bytes() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status").context("/proc/self/status")?;
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .context("no VmRSS line")?;
    Ok(kib * 1024)
}
