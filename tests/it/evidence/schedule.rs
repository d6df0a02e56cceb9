//! Scheduled snapshots with three replicas on one PostgreSQL: each due snapshot is taken once.

use std::time::{Duration, Instant};

use jamf_sim::{SimConfig, SimServer};

use super::{EVIDENCE_KEY, serve_account};
use crate::support::PgSchema;
use crate::support::serve::{Serve, write_config};

const CLIENT: (&str, &str) = ("evidence-schedule", "evidence-schedule-secret-012345");

/// The replica's `evidence_schedule_ticks_total`.
async fn ticks(http: &reqwest::Client, serve: &Serve) -> u64 {
    let text = http
        .get(format!("{}/metrics", serve.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("evidence_schedule_ticks_total "))
        .map_or(0, |n| n.trim().parse().unwrap())
}

async fn wait_until<F: Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < Duration::from_secs(90), "never: {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn three_replicas_take_each_scheduled_snapshot_once() {
    let Some(schema) = PgSchema::create().await else {
        return;
    };
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // 60 s: replicas look for due snapshots every 3 s or so.
    let extra = format!(
        "[upstream]\nallow_private_networks = true\n[evidence]\nsigning_key = \"{EVIDENCE_KEY}\"\nschedule_secs = 60\n"
    );
    let config = write_config(dir.path(), &schema.url, CLIENT, &extra);
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(Serve::start(&config).await);
    }
    let http = reqwest::Client::new();
    let token = replicas[0].token(CLIENT.0, CLIENT.1).await;
    let account = serve_account(&replicas[0], &token, &sim).await;
    let list_path = format!(
        "/access-review/snapshots?integrated_account_id={}",
        account["id"].as_str().unwrap()
    );
    let list = || async {
        let body = replicas[1].get_json(&token, &list_path).await;
        body["result"].as_array().unwrap().clone()
    };
    wait_until("a scheduled snapshot completes", || async {
        list().await.iter().any(|m| m["status"] == "complete")
    })
    .await;
    // Every replica looks at least twice more: none of them takes it again.
    let mut seen = Vec::new();
    for replica in &replicas {
        seen.push(ticks(&http, replica).await);
    }
    for (replica, before) in replicas.iter().zip(seen) {
        wait_until("every replica ticks twice more", || async {
            ticks(&http, replica).await >= before + 2
        })
        .await;
    }
    let snapshots = list().await;
    assert_eq!(snapshots.len(), 1, "{snapshots:?}");
    assert_eq!(snapshots[0]["trigger"], "schedule");
    drop(replicas);
    schema.drop().await;
}
