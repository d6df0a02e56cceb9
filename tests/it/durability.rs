//! Durability: the real `jamf-directory serve` binary takes concurrent creates and PATCHes,
//! is SIGKILLed mid-stream, restarts on the same database, and must still hold every write it
//! acknowledged with a 2xx — on SQLite and on PostgreSQL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::PgSchema;
use crate::support::serve::Serve;
use jamf_sim::{SimConfig, SimServer};
use serde_json::{Value, json};

const CLIENT_ID: &str = "durability";
const CLIENT_SECRET: &str = "durability-secret-0123456789";
const WRITERS: usize = 6;
/// Acknowledged writes to collect before the kill; the kill lands while writers still run.
const KILL_AFTER: usize = 200;

/// Last acknowledged PATCH sequence number per account (0 = only the create).
type Acks = Arc<Mutex<HashMap<String, u64>>>;

/// Creates an account, then PATCHes its `client_id` to `<writer>-<seq>` with rising `seq`,
/// repeating until the server stops answering. Records each 2xx before the next write; an
/// answer other than 2xx while the server lives is a failure of its own.
async fn writer(base: String, token: String, jamf: Value, n: usize, acks: Acks) {
    let http = reqwest::Client::new();
    let token = token.as_str();
    let send = |request: reqwest::RequestBuilder, expected: u16| async move {
        let response = request.bearer_auth(token).send().await.ok()?;
        let status = response.status().as_u16();
        // Only a complete body counts as acknowledged.
        let body: Value = response.json().await.ok()?;
        assert_eq!(status, expected, "writer {n}: {body}");
        Some(body)
    };
    loop {
        let create = json!({"tenant_id": format!("t{n}"),
            "authentication_method": "oauth2_client_credentials", "context": jamf});
        let request = http
            .post(format!("{base}/integrated-account"))
            .json(&create);
        let Some(created) = send(request, 201).await else {
            return;
        };
        let id = created["id"].as_str().expect("id").to_owned();
        acks.lock().unwrap().insert(id.clone(), 0);
        for seq in 1..=4u64 {
            let patch = json!({"context": {"client_id": format!("{n}-{seq}")}});
            let url = format!("{base}/integrated-account/{id}");
            if send(http.patch(url).json(&patch), 200).await.is_none() {
                return;
            }
            acks.lock().unwrap().insert(id.clone(), seq);
        }
    }
}

fn acknowledged(acks: &HashMap<String, u64>) -> u64 {
    acks.values().map(|seq| 1 + seq).sum()
}

/// Writes, SIGKILL, restart, verify; returns (acknowledged, found).
async fn run(backend: &str, database_url: &str) -> (u64, u64) {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let config = sim.control().config().clone();
    let jamf = json!({"instance_url": sim.base_url(), "client_id": config.client_id,
        "client_secret": config.client_secret});
    let dir = tempfile::tempdir().expect("temp dir");
    let config = crate::support::serve::write_config(
        dir.path(),
        database_url,
        (CLIENT_ID, CLIENT_SECRET),
        "[upstream]\nallow_private_networks = true\n",
    );
    let http = reqwest::Client::new();

    let server = Serve::start(&config).await;
    let token = server.token(CLIENT_ID, CLIENT_SECRET).await;
    let acks: Acks = Arc::default();
    let writers: Vec<_> = (0..WRITERS)
        .map(|n| {
            tokio::spawn(writer(
                server.base.clone(),
                token.clone(),
                jamf.clone(),
                n,
                acks.clone(),
            ))
        })
        .collect();
    let started = Instant::now();
    while acknowledged(&acks.lock().unwrap()) < KILL_AFTER as u64 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{backend}: writes too slow"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().await;
    for w in writers {
        w.await.expect("writer");
    }
    let acks = acks.lock().unwrap().clone();

    let server = Serve::start(&config).await;
    let token = server.token(CLIENT_ID, CLIENT_SECRET).await;
    let mut found = 0;
    for (id, seq) in &acks {
        let response = http
            .get(format!("{}/integrated-account/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(
            response.status(),
            200,
            "{backend}: acknowledged account {id} lost"
        );
        let account: Value = response.json().await.expect("JSON");
        let client_id = account["context"]["client_id"].as_str().expect("client_id");
        let tenant = account["tenant_id"].as_str().expect("tenant");
        // `<writer>-<seq>`, or the create's own client id when no PATCH landed yet.
        let stored = match client_id.split_once('-') {
            Some((n, s)) if format!("t{n}") == tenant => s.parse::<u64>().expect("seq"),
            _ => 0,
        };
        assert!(
            stored >= *seq,
            "{backend}: {id} has PATCH {stored}, acknowledged {seq}"
        );
        found += 1 + seq;
    }
    server.kill().await;
    let acknowledged = acknowledged(&acks);
    println!(
        "durability {backend}: acknowledged {acknowledged}, found {found} ({} accounts)",
        acks.len()
    );
    (acknowledged, found)
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/durability.db", dir.path().display());
    let (acknowledged, found) = run("sqlite", &url).await;
    assert_eq!(acknowledged, found);
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill_on_postgres() {
    let Some(schema) = PgSchema::create().await else {
        return;
    };
    let (acknowledged, found) = run("postgres", &schema.url).await;
    schema.drop().await;
    assert_eq!(acknowledged, found);
}
