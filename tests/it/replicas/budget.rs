//! `upstream.max_concurrency` is one budget per Jamf instance across replicas.

use std::time::Duration;

use jamf_sim::SimServer;

use super::{Replicas, USERS, count, wait_until_no_permits_are_held};
use crate::support::classic_sim;

#[tokio::test]
async fn three_accounts_of_one_jamf_fetched_through_three_replicas_keep_jamf_within_its_budget() {
    let Some(replicas) = Replicas::start(3, |s| s.upstream.max_concurrency = 5).await else {
        return;
    };
    // The Classic plan: one detail call per account, so each fetch alone keeps 5 in flight.
    let sim = SimServer::start(classic_sim(120, Duration::from_millis(10)))
        .await
        .expect("sim");
    let mut accounts = Vec::new();
    for tenant in ["acme", "globex", "initech"] {
        accounts.push(replicas.connect(&sim, tenant).await);
    }
    sim.control().reset_stats();

    let all = &replicas;
    let reads = accounts.iter().enumerate().map(|(n, account)| {
        let path = format!("{USERS}?integrated_account_id={account}&limit=1");
        async move { all.get(n, &path).await.status().as_u16() }
    });
    let statuses = futures::future::join_all(reads).await;
    assert_eq!(count(&statuses, 200), 3, "{statuses:?}");
    let stats = sim.control().stats();
    assert_eq!(
        stats.count("GET /JSSResource/accounts"),
        3,
        "three fetches: {stats:?}"
    );
    assert!(
        stats.peak_in_flight <= 5,
        "Jamf saw {} requests at once from 3 replicas (budget 5)",
        stats.peak_in_flight
    );
    // Every permit goes back (released in the background as each request ends).
    wait_until_no_permits_are_held(&replicas.redis).await;
    replicas.stop().await;
}
