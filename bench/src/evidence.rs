//! Row 10: evidence through the service. Storage grows with change, not with time: snapshots
//! of an unchanged Jamf add next to nothing after the first. And the changes between two
//! large snapshots are computed from the records that differ, not by reading both whole.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use jamf_sim::{SimConfig, SimServer};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::Connection as _;

use crate::service::Service;

/// Storage: `snapshots` snapshots of `admins` unchanged admins.
pub struct Growth {
    pub admins: usize,
    pub snapshots: usize,
    /// Bytes the database uses after the first snapshot, and after the last.
    pub first: u64,
    pub last: u64,
}

impl Growth {
    pub fn added(&self) -> u64 {
        self.last.saturating_sub(self.first)
    }
}

/// The changes between two snapshots of `users` admins, a handful of them changed.
pub struct Comparison {
    pub users: usize,
    /// Users the changes name.
    pub changed: usize,
    /// The first request, and the median of the next ones.
    pub first: Duration,
    pub median: Duration,
    /// One snapshot read whole (its bundle), for scale.
    pub bundle: Duration,
}

/// The service with evidence on (a random signing key, nothing scheduled).
async fn service(concurrency: usize) -> anyhow::Result<Service> {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut seed);
    Service::start_with(concurrency, |settings| {
        settings.evidence.signing_key = Some(SecretString::from(
            base64::engine::general_purpose::STANDARD.encode(seed),
        ));
        settings.evidence.schedule_secs = 0;
    })
    .await
}

async fn take(service: &Service, account: &str) -> anyhow::Result<Value> {
    let response = service
        .http
        .post(service.url("/access-review/snapshots"))
        .bearer_auth(&service.token)
        .json(&json!({"integrated_account_id": account}))
        .send()
        .await
        .context("POST /access-review/snapshots")?;
    let status = response.status();
    let manifest: Value = response.json().await?;
    if status != StatusCode::CREATED || manifest["status"] != "complete" {
        bail!("snapshot not complete ({status}): {manifest}");
    }
    Ok(manifest)
}

/// Bytes the SQLite database holds in use (pages less free pages), its WAL checkpointed.
async fn used_bytes(database_url: &str) -> anyhow::Result<u64> {
    let mut conn = sqlx::SqliteConnection::connect(database_url).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    let mut pragma = async |name: &str| -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar(&format!("PRAGMA {name}"))
            .fetch_one(&mut conn)
            .await?)
    };
    let (pages, free, size) = (
        pragma("page_count").await?,
        pragma("freelist_count").await?,
        pragma("page_size").await?,
    );
    Ok(u64::try_from((pages - free) * size)?)
}

pub async fn growth(admins: usize, snapshots: usize, concurrency: usize) -> anyhow::Result<Growth> {
    let sim = SimServer::start(SimConfig::with_accounts(admins)).await?;
    let service = service(concurrency).await?;
    let account = service.connect(&sim, "bench").await?;
    take(&service, &account).await?;
    let first = used_bytes(&service.database_url).await?;
    for _ in 1..snapshots {
        take(&service, &account).await?;
    }
    let last = used_bytes(&service.database_url).await?;
    service.stop().await?;
    Ok(Growth {
        admins,
        snapshots,
        first,
        last,
    })
}

pub async fn comparison(users: usize, concurrency: usize) -> anyhow::Result<Comparison> {
    let sim = SimServer::start(SimConfig::with_accounts(users)).await?;
    let service = service(concurrency).await?;
    let account = service.connect(&sim, "bench").await?;
    let before = take(&service, &account).await?;
    // A quarter's worth of change: one leaves, one is disabled, one joins, one is promoted.
    sim.control().edit_dataset(|d| {
        let n = d.accounts.len();
        let mut joiner = d.accounts[n / 2].clone();
        joiner.id = 1_000_000;
        joiner.username = "new.joiner".into();
        d.accounts.remove(n / 3);
        d.accounts[n / 4].enabled = false;
        d.accounts[n / 5].privilege_set = jamf_sim::PrivilegeSet::Administrator;
        d.accounts.push(joiner);
    });
    let after = take(&service, &account).await?;
    let path = format!(
        "/access-review/changes?integrated_account_id={account}&from={}&to={}",
        before["id"].as_str().context("id")?,
        after["id"].as_str().context("id")?
    );
    let mut times = Vec::new();
    let mut changed = 0;
    for _ in 0..6 {
        let started = Instant::now();
        let response = service
            .http
            .get(service.url(&path))
            .bearer_auth(&service.token)
            .send()
            .await?;
        if response.status() != StatusCode::OK {
            bail!("{path}: {}", response.status());
        }
        let changes: Value = response.json().await?;
        times.push(started.elapsed());
        changed = changes["result"].as_array().map_or(0, Vec::len);
    }
    let first = times.remove(0);
    times.sort();
    let started = Instant::now();
    let bundle = service
        .http
        .get(service.url(&format!(
            "/access-review/snapshots/{}/bundle",
            after["id"].as_str().context("id")?
        )))
        .bearer_auth(&service.token)
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    let bundle_time = started.elapsed();
    if bundle.is_empty() {
        bail!("empty bundle");
    }
    service.stop().await?;
    Ok(Comparison {
        users,
        changed,
        first,
        median: times[times.len() / 2],
        bundle: bundle_time,
    })
}
