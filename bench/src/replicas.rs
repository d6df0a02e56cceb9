//! Row 7: three replicas sharing Redis (a `redis-server` of the bench's own, on a free port)
//! and one database, with a stampede of cold callers spread over them.

// The integration tests' helper, as it is; not every method serves the bench.
#[path = "../../tests/it/support/redis_server.rs"]
#[allow(dead_code)]
mod redis_server;

use std::time::{Duration, Instant};

use base64::Engine as _;
use jamf_sim::{SimConfig, SimServer};
use rand::RngCore as _;
use secrecy::SecretString;

use self::redis_server::RedisServer;
use crate::Config;
use crate::scenarios::ONE_PER_FETCH;
use crate::service::Service;

pub const REPLICAS: usize = 3;

pub struct Replicated {
    pub callers: usize,
    pub ok: usize,
    pub fetches: u64,
    pub peak_in_flight: u64,
    pub concurrency: usize,
    /// From the first call sent to the last answer.
    pub wall: Duration,
}

/// `REPLICAS × config.callers` concurrent list requests on a cold account, round-robin over
/// the replicas.
pub async fn stampede(config: &Config) -> anyhow::Result<Replicated> {
    let redis = RedisServer::start_with(None).await;
    let shared = tempfile::tempdir()?;
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let key = base64::engine::general_purpose::STANDARD.encode(key);
    let mut replicas = Vec::new();
    // One after the other: the first creates the database, the others find it migrated.
    for _ in 0..REPLICAS {
        let service = Service::start_with(config.concurrency, |s| {
            s.storage.database_url = format!("sqlite://{}/shared.db", shared.path().display());
            s.storage.encryption_key = Some(SecretString::from(key.clone()));
            s.redis.url = Some(SecretString::from(redis.url()));
        })
        .await?;
        replicas.push(service);
    }
    let sim = SimServer::start(SimConfig {
        accounts: config.accounts,
        latency: config.latency,
        ..SimConfig::default()
    })
    .await?;
    let account = replicas[0].connect(&sim, "bench").await?;
    sim.control().reset_stats();
    let callers = REPLICAS * config.callers;
    let started = Instant::now();
    let calls = (0..callers).map(|n| replicas[n % REPLICAS].users(&account, "limit=1"));
    let mut ok = 0;
    for response in futures::future::join_all(calls).await {
        ok += usize::from(response?.status() == 200);
    }
    let wall = started.elapsed();
    let stats = sim.control().stats();
    for service in replicas {
        service.stop().await?;
    }
    Ok(Replicated {
        callers,
        ok,
        fetches: stats.count(ONE_PER_FETCH),
        peak_in_flight: stats.peak_in_flight,
        concurrency: config.concurrency,
        wall,
    })
}
