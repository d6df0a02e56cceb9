//! Redis killed under load: every replica keeps answering from its own memory, says it is
//! degraded, keeps Jamf within `redis.fallback_concurrency`; once Redis is back, sharing
//! resumes without a restart.

use std::time::{Duration, Instant};

use jamf_sim::{SimConfig, SimServer};
use serde_json::Value;

use super::{Replicas, USERS, count, keys};
use crate::support::{Fixture, TestApp, classic_sim, redis_server, test_settings};

const REPLICAS: usize = 3;
const FALLBACK: u64 = 1;

/// `rounds` rounds of reads on every replica at once, `no-cache` every other time (so Jamf is
/// asked); the statuses.
async fn load(replicas: &Replicas, account: &str, rounds: usize) -> Vec<u16> {
    let path = format!("{USERS}?integrated_account_id={account}&limit=5");
    let workers = (0..REPLICAS).map(|n| {
        let path = path.clone();
        async move {
            let mut statuses = Vec::new();
            for round in 0..rounds {
                let headers: &[(&str, &str)] = if round % 2 == 0 {
                    &[("cache-control", "no-cache")]
                } else {
                    &[]
                };
                statuses.push(replicas.get_with(n, &path, headers).await.status().as_u16());
            }
            statuses
        }
    });
    futures::future::join_all(workers).await.concat()
}

#[tokio::test]
async fn replicas_ride_out_a_redis_outage_and_share_again_when_it_returns() {
    let Some(replicas) = Replicas::start(REPLICAS, |s| {
        s.upstream.max_concurrency = 5;
        s.redis.fallback_concurrency = FALLBACK as usize;
    })
    .await
    else {
        return;
    };
    let sim = SimServer::start(classic_sim(60, Duration::from_millis(5)))
        .await
        .expect("sim");
    let account = replicas.connect(&sim, "acme").await;
    let (_, ready) = replicas.ready(0).await;
    assert_eq!(ready["redis"], "ok", "{ready}");

    // Redis dies while every replica is busy fetching.
    let busy = load(&replicas, &account, 6);
    let kill = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        replicas.redis.kill();
    };
    let (statuses, ()) = tokio::join!(busy, kill);
    assert_eq!(
        count(&statuses, 200),
        statuses.len(),
        "no 5xx: {statuses:?}"
    );
    replicas.wait_for_redis("degraded").await;

    // On their own, each replica holds to the fallback: Jamf sees at most one each.
    sim.control().reset_stats();
    let statuses = load(&replicas, &account, 4).await;
    assert_eq!(
        count(&statuses, 200),
        statuses.len(),
        "no 5xx: {statuses:?}"
    );
    let stats = sim.control().stats();
    assert!(
        stats.count("GET /JSSResource/accounts") >= REPLICAS as u64,
        "{stats:?}"
    );
    assert!(
        stats.peak_in_flight <= REPLICAS as u64 * FALLBACK,
        "{} in flight from {REPLICAS} replicas with fallback {FALLBACK}",
        stats.peak_in_flight
    );
    let metrics = replicas.apps[0].metrics_text().await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("redis_unavailable_total ")),
        "the outage is counted"
    );

    // Back, empty: the replicas notice by themselves, and fetch once for all again.
    replicas.redis.restart().await;
    replicas.wait_for_redis("ok").await;
    let second = replicas.connect(&sim, "globex").await;
    sim.control().reset_stats();
    let path = format!("{USERS}?integrated_account_id={second}&limit=5");
    let reads = (0..30).map(|n| replicas.get(n, &path));
    let responses = futures::future::join_all(reads).await;
    assert!(responses.iter().all(|r| r.status() == 200));
    let stats = sim.control().stats();
    assert_eq!(
        stats.count("GET /JSSResource/accounts"),
        1,
        "shared again: {stats:?}"
    );
    replicas.stop().await;
}

#[tokio::test]
async fn a_replica_started_while_redis_is_down_serves_and_shares_once_redis_appears() {
    let Some(redis) = redis_server(None).await else {
        return;
    };
    redis.kill();
    let mut settings = test_settings();
    settings.redis.url = Some(redis.url().into());
    let fixture = Fixture::start_with(SimConfig::default(), settings).await;
    let ready = |app: &TestApp| {
        let request = app.client.get(app.url("/health/ready")).send();
        async move {
            let response = request.await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()["redis"].clone()
        }
    };
    assert_eq!(ready(&fixture.app).await, "degraded");
    let users = fixture.get(USERS, "limit=5").await;
    assert_eq!(users.status(), 200, "served from its own memory");

    redis.restart().await;
    let started = Instant::now();
    while ready(&fixture.app).await != "ok" {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never noticed Redis"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let fresh = fixture
        .get_with(USERS, "limit=5", &[("cache-control", "no-cache")])
        .await;
    assert_eq!(fresh.status(), 200);
    assert_eq!(
        keys(&redis, "jamf-directory:snapshot:*").await.len(),
        1,
        "the new fetch is stored for other replicas"
    );
}
