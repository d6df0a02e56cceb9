//! The adaptive limit on its own: halving, growth, permits forgotten and given back.

use super::*;

fn limiter(max: usize, health_interval: Duration) -> Arc<InstanceLimiter> {
    let registry = LimiterRegistry::new(max, health_interval, None);
    let limiter = registry.for_instance(&Url::parse("https://tenant.jamfcloud.com").unwrap());
    assert_eq!(limiter.limit(), max);
    limiter
}

/// Every permit the limit allows, the last one acquired saturating it.
async fn hold_all(limiter: &Arc<InstanceLimiter>) -> Vec<RequestPermit> {
    let mut held = Vec::new();
    for _ in 0..limiter.limit() {
        held.push(limiter.acquire().await.unwrap());
    }
    held
}

#[tokio::test]
async fn a_burst_of_refusals_halves_once_and_successes_grow_it_back() {
    let limiter = limiter(8, Duration::from_secs(60));
    let held = hold_all(&limiter).await;
    for permit in &held[..3] {
        permit.record(Load::Shedding);
    }
    assert_eq!(limiter.limit(), 4, "one cut for requests sent together");
    drop(held);
    assert_eq!(limiter.local.available_permits(), 4);

    let idle = limiter.acquire().await.unwrap();
    for _ in 0..10 {
        idle.record(Load::Accepted);
    }
    drop(idle);
    assert_eq!(
        limiter.limit(),
        4,
        "successes below the limit prove nothing"
    );

    let held = hold_all(&limiter).await;
    let last = held.last().unwrap();
    for _ in 0..3 {
        last.record(Load::Accepted);
    }
    assert_eq!(
        limiter.limit(),
        4,
        "growth needs `limit` successes in a row"
    );
    last.record(Load::Accepted);
    assert_eq!(limiter.limit(), 5);
    assert_eq!(
        limiter.local.available_permits(),
        1,
        "the new permit is free at once"
    );
    drop(held);

    // A refusal of a request sent after the cut cuts again.
    let permit = limiter.acquire().await.unwrap();
    permit.record(Load::Unknown);
    assert_eq!(limiter.limit(), 5, "a non-load error changes nothing");
    permit.record(Load::Shedding);
    assert_eq!(limiter.limit(), 2);
}

#[tokio::test]
async fn the_limit_stays_between_one_and_the_maximum() {
    let limiter = limiter(3, Duration::from_secs(60));
    for _ in 0..4 {
        let permit = limiter.acquire().await.unwrap();
        permit.record(Load::Shedding);
    }
    assert_eq!(limiter.limit(), 1);
    assert_eq!(limiter.local.available_permits(), 1);
    for _ in 0..50 {
        let held = hold_all(&limiter).await;
        held.last().unwrap().record(Load::Accepted);
    }
    assert_eq!(limiter.limit(), 3);
    assert_eq!(
        limiter.local.available_permits(),
        3,
        "never more than the maximum"
    );
}

#[tokio::test]
async fn permits_held_during_a_cut_are_forgotten_as_they_return() {
    let limiter = limiter(4, Duration::from_secs(60));
    let mut held = hold_all(&limiter).await;
    held[0].record(Load::Shedding);
    assert_eq!(limiter.limit(), 2);
    held.pop();
    held.pop();
    assert_eq!(
        limiter.local.available_permits(),
        0,
        "two returned, both forgotten"
    );
    held.pop();
    assert_eq!(limiter.local.available_permits(), 1);
    held.pop();
    assert_eq!(limiter.local.available_permits(), 2);
}

#[tokio::test]
async fn health_reads_are_spaced_single_and_stop_after_a_404() {
    let limiter = limiter(5, Duration::ZERO);
    assert!(limiter.claim_health_read());
    assert!(!limiter.claim_health_read(), "one read at a time");
    limiter.health_read(Health::Shedding);
    assert_eq!(limiter.limit(), 2, "acceptance below 1 halves the limit");
    assert!(limiter.claim_health_read());
    limiter.health_read(Health::Unknown);
    assert_eq!(limiter.limit(), 2);
    assert!(limiter.claim_health_read(), "errors are asked again");
    limiter.health_read(Health::Absent);
    assert!(!limiter.claim_health_read(), "a 404 is never asked again");

    let spaced = self::limiter(5, Duration::from_secs(60));
    assert!(
        !spaced.claim_health_read(),
        "the first read waits one interval"
    );
}
