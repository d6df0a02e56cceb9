//! Adaptive concurrency against a simulator that sheds load as Jamf Cloud does: beyond K
//! requests in progress it answers 503, and its `/api/v1/health-status` reports the share it
//! accepted.

use std::future::Future;
use std::time::Duration;

use jamf_directory::jamf::JamfHub;
use jamf_sim::{Faults, SimServer};
use url::Url;

use super::{client, count_status, hub, oauth, sim, with_local_metrics};

const HEALTH: &str = "GET /api/v1/health-status";
const MAX_CONCURRENCY: usize = 5;
const SHED_ABOVE: u64 = 2;

fn limit(hub: &JamfHub, sim: &SimServer) -> Option<usize> {
    hub.concurrency_limit(&Url::parse(sim.base_url()).expect("url"))
}

fn shedding(shed_above: Option<u64>) -> Faults {
    Faults {
        shed_above,
        health_status: true,
        ..Faults::default()
    }
}

/// Waits (bounded) until `done` holds; the caller asserts afterwards.
async fn settle(mut done: impl FnMut() -> bool) {
    for _ in 0..250 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Lets more than one health-status interval (1 s in these tests) pass, not a readiness wait.
async fn next_interval<T>(then: impl Future<Output = T>) -> T {
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    then.await
}

/// With a local recorder, so the gauge is this test's alone.
#[test]
fn a_fetch_against_a_shedding_jamf_completes_at_a_lowered_limit() {
    let (lowered, text) = with_local_metrics(|handle| async move {
        let sim = sim(|c| {
            c.jamf_version = "10.42.1".into(); // Classic: one request per account
            c.accounts = 60;
            c.latency = Duration::from_millis(20);
        })
        .await;
        sim.control()
            .set_faults(shedding(Some(SHED_ABOVE)))
            .expect("faults");
        let hub = hub(|s| s.max_concurrency = MAX_CONCURRENCY);
        let client = client(&hub, sim.base_url(), oauth(&sim));

        let directory = client.fetch_directory().await.expect("completes");
        assert_eq!(directory.accounts.len(), 60);
        assert!(
            directory.incomplete.is_empty(),
            "{:?}",
            directory.incomplete
        );
        assert!(sim.control().stats().refused > 0, "Jamf refused some");
        let lowered = limit(&hub, &sim).expect("limiter");
        assert!(lowered < MAX_CONCURRENCY, "limit {lowered}");

        // The next fetch starts from the lowered limit: it probes one above what Jamf
        // accepts at most, never back to all five at once.
        sim.control().reset_stats();
        let again = client.fetch_directory().await.expect("completes again");
        assert_eq!(again.accounts.len(), 60);
        let stats = sim.control().stats();
        assert!(
            stats.peak_in_flight <= SHED_ABOVE + 1,
            "peak {}",
            stats.peak_in_flight
        );
        // At a constant 5 in flight, 3 of 5 would be refused.
        assert!(
            stats.refused * 3 < stats.requests_total,
            "{} of {} refused",
            stats.refused,
            stats.requests_total
        );
        assert_eq!(
            count_status(&sim, HEALTH, 200),
            0,
            "not read within a minute"
        );
        // Rendered while the hub lives: a dropped instance leaves the gauge.
        (limit(&hub, &sim).expect("limiter"), handle.render())
    });
    assert!(lowered < MAX_CONCURRENCY);
    assert!(
        text.contains(&format!("jamf_concurrency_limit {lowered}")),
        "{text}"
    );
    assert!(
        text.contains("jamf_concurrency_lowered_instances 1"),
        "{text}"
    );
}

#[tokio::test]
async fn health_status_below_one_halves_the_limit() {
    let sim = sim(|c| c.latency = Duration::from_millis(50)).await;
    sim.control().set_faults(shedding(Some(1))).expect("faults");
    // Another integration overloads Jamf; its refusals stay in Jamf's 30-second window.
    let other = client(&hub(|_| {}), sim.base_url(), oauth(&sim));
    let calls = (0..5).map(|_| other.can_read_accounts());
    futures::future::join_all(calls).await;
    assert!(sim.control().stats().refused > 0);
    sim.control().set_faults(shedding(None)).expect("faults");

    let hub = hub(|s| s.health_status_interval_secs = 1);
    let client = client(&hub, sim.base_url(), oauth(&sim));
    client.can_read_accounts().await.expect("first read");
    assert_eq!(limit(&hub, &sim), Some(MAX_CONCURRENCY));
    next_interval(client.can_read_accounts())
        .await
        .expect("a read after the interval");
    settle(|| limit(&hub, &sim) != Some(MAX_CONCURRENCY)).await;
    assert_eq!(count_status(&sim, HEALTH, 200), 1);
    assert_eq!(limit(&hub, &sim), Some(MAX_CONCURRENCY / 2));
}

#[tokio::test]
async fn an_instance_without_health_status_is_asked_once() {
    let sim = sim(|_| {}).await; // on premises: 404
    let hub = hub(|s| s.health_status_interval_secs = 1);
    let client = client(&hub, sim.base_url(), oauth(&sim));
    client.can_read_accounts().await.expect("first read");
    assert_eq!(
        count_status(&sim, HEALTH, 404),
        0,
        "not before one interval"
    );
    next_interval(client.can_read_accounts())
        .await
        .expect("read");
    settle(|| count_status(&sim, HEALTH, 404) == 1).await;
    assert_eq!(count_status(&sim, HEALTH, 404), 1);
    next_interval(client.can_read_accounts())
        .await
        .expect("read");
    client.can_read_accounts().await.expect("read");
    assert_eq!(count_status(&sim, HEALTH, 404), 1, "never asked again");
    assert_eq!(limit(&hub, &sim), Some(MAX_CONCURRENCY));
}
