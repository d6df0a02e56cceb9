//! A poisoned Redis: someone with write access to it forges a snapshot (unsigned, dated in
//! the past or in the future), writes junk as a fetch time, or a key of the wrong type. No
//! replica serves any of it, each counts and overwrites it, and none calls Redis down.

use std::time::{SystemTime, UNIX_EPOCH};

use jamf_sim::{SimConfig, SimServer};
use redis::AsyncCommands as _;
use reqwest::StatusCode;
use serde_json::Value;

use super::{Replicas, USERS, keys};

const FORGED_NAME: &str = "forged-admin";

fn now_ms() -> i64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(since_epoch.as_millis()).unwrap()
}

/// The stored entry's snapshot with its first user renamed, LZ4 again, behind a made-up HMAC.
fn forged_from(entry: &[u8]) -> Vec<u8> {
    // An entry: format byte, 32-byte HMAC, then the LZ4 of the snapshot's JSON.
    let json = lz4_flex::decompress_size_prepended(&entry[33..]).expect("a stored snapshot");
    let mut snapshot: Value = serde_json::from_slice(&json).unwrap();
    snapshot["users"][0]["username"] = FORGED_NAME.into();
    let payload = lz4_flex::compress_prepend_size(&serde_json::to_vec(&snapshot).unwrap());
    [&[1u8][..], &[7u8; 32], &payload].concat()
}

#[tokio::test]
async fn forged_and_malformed_entries_are_never_served_nor_taken_for_an_outage() {
    let Some(replicas) = Replicas::start(3, |_| {}).await else {
        return;
    };
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let account = replicas.connect(&sim, "acme").await;
    let path = format!("{USERS}?integrated_account_id={account}&limit=1000");
    let read = |n: usize, no_cache: bool| {
        let headers: &'static [(&str, &str)] = if no_cache {
            &[("cache-control", "no-cache")]
        } else {
            &[]
        };
        let (replicas, path) = (&replicas, path.clone());
        async move {
            let response = replicas.get_with(n, &path, headers).await;
            assert_eq!(response.status(), StatusCode::OK);
            let body = response.text().await.unwrap();
            assert!(
                !body.contains(FORGED_NAME),
                "replica {n} served the forgery"
            );
            body
        }
    };
    read(0, false).await;
    let stored = keys(&replicas.redis, "*:snapshot:*").await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    let key = stored[0].clone();
    let mut redis = replicas.redis.connection().await;
    let entry: Vec<u8> = redis.hget(&key, "data").await.unwrap();
    let forged = forged_from(&entry);

    // Unsigned, dated just now: a cold replica refuses it, fetches, and overwrites it.
    let writer = redis.clone();
    let write = |at: String, data: Vec<u8>| {
        let (key, mut redis) = (key.clone(), writer.clone());
        async move {
            let fields = [
                ("at", at.into_bytes()),
                ("by", b"forger".to_vec()),
                ("data", data),
            ];
            let _: () = redis.hset_multiple(&key, &fields).await.unwrap();
        }
    };
    write((now_ms() - 1_000).to_string(), forged.clone()).await;
    read(1, false).await;
    let by: String = redis.hget(&key, "by").await.unwrap();
    assert_ne!(by, "forger", "overwritten by the next fetch");

    // Dated a day ahead, to stay "fresh" for ever: refused even by a no-cache read, and
    // overwritten by the fetch it makes.
    let tomorrow = now_ms() + 86_400_000;
    write(tomorrow.to_string(), forged).await;
    read(1, true).await;
    let at: String = redis.hget(&key, "at").await.unwrap();
    assert!(at.parse::<i64>().unwrap() < tomorrow, "overwritten: {at}");

    // A fetch time that is no number, and bytes that are no entry.
    write("soon".into(), b"junk".to_vec()).await;
    read(2, false).await;
    write("soon".into(), b"junk".to_vec()).await;
    read(0, true).await;
    // The key holds another type altogether.
    let _: () = redis.del(&key).await.unwrap();
    let _: () = redis.set(&key, "junk").await.unwrap();
    read(1, true).await;
    let kind: String = redis::cmd("TYPE")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(kind, "hash", "replaced by a snapshot");

    for n in 0..3 {
        let (status, ready) = replicas.ready(n).await;
        assert_eq!(status, 200);
        assert_eq!(ready["redis"], "ok", "replica {n}: {ready}");
    }
    let rejected: f64 = replicas.apps[1]
        .metrics_text()
        .await
        .lines()
        .filter(|l| l.starts_with("redis_snapshots_rejected_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(rejected >= 1.0, "replica 1 counted its refusal: {rejected}");
    replicas.stop().await;
}
