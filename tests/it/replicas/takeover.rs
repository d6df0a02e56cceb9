//! The replica holding a fetch lease dies mid-fetch (real `jamf-directory serve` processes,
//! SIGKILL): another replica takes the fetch over once the lease expires, and the dead
//! replica's Jamf permits come back.

use std::path::Path;
use std::time::{Duration, Instant};

use jamf_sim::{Faults, SimConfig, SimServer};
use serde_json::Value;

use super::{USERS, keys, live_permits, wait_until_no_permits_are_held};
use crate::support::serve::{Serve, write_config};
use crate::support::{ADMIN_ID, ADMIN_SECRET, PgSchema, redis_server, sim_account_body};

const LEASE_SECS: u64 = 2;
const DEADLINE_SECS: u64 = 30;
const MAX_CONCURRENCY: u64 = 2;

/// A replica: a real process and a caller token (good on every replica: one issuer).
struct Replica {
    serve: Serve,
    token: String,
}

impl Replica {
    async fn start(config: &Path) -> Self {
        let serve = Serve::start(config).await;
        let token = serve.token(ADMIN_ID, ADMIN_SECRET).await;
        Self { serve, token }
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .get(format!("{}{path}", self.serve.base))
            .bearer_auth(&self.token)
    }
}

#[tokio::test]
async fn when_the_lease_holder_dies_mid_fetch_another_replica_takes_over() {
    let Some(schema) = PgSchema::create().await else {
        return;
    };
    let Some(redis) = redis_server(None).await else {
        return;
    };
    let sim = SimServer::start(SimConfig {
        accounts: 30,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let dir = tempfile::tempdir().expect("temp dir");
    let extra = format!(
        "[upstream]\nallow_private_networks = true\nmax_concurrency = {MAX_CONCURRENCY}\ntimeout_secs = 10\ndeadline_secs = {DEADLINE_SECS}\n[redis]\nurl = \"{}\"\nlease_secs = {LEASE_SECS}\n",
        redis.url()
    );
    let config = write_config(dir.path(), &schema.url, (ADMIN_ID, ADMIN_SECRET), &extra);
    let a = Replica::start(&config).await;
    let b = Replica::start(&config).await;
    let c = Replica::start(&config).await;

    let created: Value = reqwest::Client::new()
        .post(format!("{}/integrated-account", a.serve.base))
        .bearer_auth(&a.token)
        .json(&sim_account_body(&sim, "acme"))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("account");
    assert_eq!(created["status"], "active", "{created}");
    let users = format!(
        "{USERS}?integrated_account_id={}&limit=1",
        created["id"].as_str().unwrap()
    );

    // A slow Jamf: the fetch takes seconds, and A holds every permit while it runs.
    sim.control()
        .set_faults(Faults {
            latency_ms: Some(400),
            ..Faults::default()
        })
        .unwrap();
    sim.control().reset_stats();
    let doomed = tokio::spawn(a.get(&users).send());
    let started = Instant::now();
    while keys(&redis, "*:lease:*").await.is_empty() || live_permits(&redis).await < MAX_CONCURRENCY
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "A never held the lease and permits"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // A client reads the version once: A did when it validated the account, so only a fetch
    // by B's or C's new client reads it again.
    let fetches_started = sim.control().stats().count("GET /api/v1/jamf-pro-version");
    a.serve.kill().await;
    assert!(doomed.await.unwrap().is_err(), "A died before answering");

    // B and C wait on A's lease; once it expires one of them fetches, for both.
    let killed = Instant::now();
    let (from_b, from_c) = tokio::join!(b.get(&users).send(), c.get(&users).send());
    let elapsed = killed.elapsed();
    let (from_b, from_c) = (from_b.expect("B answers"), from_c.expect("C answers"));
    assert_eq!(
        (from_b.status().as_u16(), from_c.status().as_u16()),
        (200, 200)
    );
    println!("takeover: answered {elapsed:?} after the kill (lease {LEASE_SECS} s)");
    assert!(
        elapsed < Duration::from_secs(LEASE_SECS + DEADLINE_SECS),
        "within the lease plus one fetch: {elapsed:?}"
    );
    let stats = sim.control().stats();
    assert_eq!(
        stats.count("GET /api/v1/jamf-pro-version"),
        fetches_started + 1,
        "one fetch took over for both: {stats:?}"
    );
    // A's permits expired (B or C could not have fetched otherwise: A held all of them), and
    // the new fetch's went back too.
    wait_until_no_permits_are_held(&redis).await;
    b.serve.kill().await;
    c.serve.kill().await;
    schema.drop().await;
}
