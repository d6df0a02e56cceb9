//! A fetch that failed part-way on one replica is resumed by another: what the first read is
//! in Redis (signed), so the second asks Jamf only for what is missing.

use std::time::Duration;

use jamf_sim::{Faults, SimServer};
use reqwest::StatusCode;

use super::{Replicas, USERS, keys};
use crate::support::classic_sim;

const DETAIL: &str = "GET /JSSResource/accounts/userid/{id}";

#[tokio::test]
async fn another_replica_resumes_a_failed_fetch_and_reads_nothing_twice() {
    const ACCOUNTS: usize = 60;
    // One attempt per request, so the first injected 500 ends the attempt.
    let Some(replicas) = Replicas::start(2, |s| s.upstream.max_retries = 0).await else {
        return;
    };
    let sim = SimServer::start(classic_sim(ACCOUNTS, Duration::ZERO))
        .await
        .expect("sim");
    let account = replicas.connect(&sim, "acme").await;
    sim.control().reset_stats();
    sim.control()
        .set_faults(Faults {
            error_rate: 0.1,
            error_status: 500,
            endpoints: vec![DETAIL.into()],
            ..Faults::default()
        })
        .unwrap();
    let path = format!("{USERS}?integrated_account_id={account}&limit=1000");
    assert_eq!(
        replicas.get(0, &path).await.status(),
        StatusCode::BAD_GATEWAY
    );
    let detail_ok = format!("{DETAIL} 200");
    let read_by_the_first = sim.control().stats().by_endpoint_status[&detail_ok];
    assert!(read_by_the_first < ACCOUNTS as u64, "it failed part-way");
    assert_eq!(
        keys(&replicas.redis, "*:reads:*").await.len(),
        1,
        "what it read is shared"
    );

    // Whoever can write to Redis cannot feed the fetch an answer Jamf never gave: a forged
    // entry (here, the account list's) is refused and read from Jamf again.
    let hash = keys(&replicas.redis, "*:reads:*").await.remove(0);
    let mut conn = replicas.redis.connection().await;
    let fields: Vec<String> = redis::cmd("HKEYS")
        .arg(&hash)
        .query_async(&mut conn)
        .await
        .unwrap();
    let list = fields
        .iter()
        .find(|field| field.starts_with("/JSSResource/accounts?"))
        .expect("the list was read");
    let _: () = redis::cmd("HSET")
        .arg(&hash)
        .arg(list)
        .arg(vec![0u8; 64])
        .query_async(&mut conn)
        .await
        .unwrap();

    sim.control().clear_faults();
    let resumed = replicas.get(1, &path).await;
    assert_eq!(resumed.status(), StatusCode::OK);
    let page: serde_json::Value = resumed.json().await.unwrap();
    assert_eq!(page["result"].as_array().unwrap().len(), ACCOUNTS);
    let stats = sim.control().stats();
    assert_eq!(
        stats.by_endpoint_status[&detail_ok], ACCOUNTS as u64,
        "each detail read once, over both replicas: {stats:?}"
    );
    assert_eq!(
        stats.count("GET /JSSResource/accounts"),
        2,
        "the forged list was read again: {stats:?}"
    );
    assert!(
        keys(&replicas.redis, "*:reads:*").await.is_empty(),
        "a success forgets them"
    );
    replicas.stop().await;
}
