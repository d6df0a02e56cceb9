//! The leavers worst case: every person names one mailbox that many Jamf accounts share, so
//! the answer could grow with people × accounts. Measured on a real `serve` process (its
//! peak RSS from `/proc`), with the answer read as a client would.

use jamf_sim::{Quirks, SHARED_MAILBOX, SimConfig, SimServer};
use reqwest::StatusCode;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};

use super::LEAVERS;
use crate::support::serve::{Serve, write_config};
use crate::support::{ADMIN_ID, ADMIN_SECRET, sim_account_body};

const PEOPLE: usize = 10_000;
/// Accounts sharing the mailbox: unbounded, the answer would list 2,000,000 matches.
const SHARING: usize = 200;
const MAX_MATCHES: usize = 20;
const MIB: u64 = 1024 * 1024;

/// A field of `/proc/<pid>/status` in bytes (`VmRSS`, `VmHWM`).
fn proc_status_bytes(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .expect("field present")
}

#[derive(Deserialize)]
struct Answer {
    result: Vec<Verdict>,
    summary: Value,
}

#[derive(Deserialize)]
struct Verdict {
    status: String,
    matches: Vec<IgnoredAny>,
    matches_truncated: bool,
}

#[tokio::test]
async fn people_naming_a_shared_mailbox_get_bounded_answers_in_bounded_memory() {
    let sim = SimServer::start(SimConfig {
        accounts: 400,
        quirks: Quirks {
            shared_email_accounts: SHARING,
            ..Quirks::default()
        },
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/jd.db", dir.path().display());
    let extra = "[upstream]\nallow_private_networks = true\n";
    let config = write_config(dir.path(), &database, (ADMIN_ID, ADMIN_SECRET), extra);
    let serve = Serve::start(&config).await;
    let token = serve.token(ADMIN_ID, ADMIN_SECRET).await;
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{}/integrated-account", serve.base))
        .bearer_auth(&token)
        .json(&sim_account_body(&sim, "acme"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["status"], "active", "{created}");
    let leavers = |people: Vec<Value>| {
        http.post(format!("{}{LEAVERS}", serve.base))
            .bearer_auth(&token)
            .json(&json!({"integrated_account_id": created["id"], "people": people}))
            .send()
    };
    // Warm: the snapshot is fetched and cached before anything is measured.
    let person = json!({"email": SHARED_MAILBOX});
    let warm = leavers(vec![person.clone()]).await.unwrap();
    assert_eq!(warm.status(), StatusCode::OK);
    let _ = warm.bytes().await.unwrap();

    let pid = serve.pid();
    // Resets the peak ("VmHWM") to the current RSS, so the peak read after is this request's.
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    let before = proc_status_bytes(pid, "VmRSS");
    let mut response = leavers(vec![person; PEOPLE]).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        body.extend_from_slice(&chunk);
    }
    let peak = proc_status_bytes(pid, "VmHWM");
    let growth = peak.saturating_sub(before);
    eprintln!(
        "leavers worst case ({PEOPLE} people x {SHARING} accounts): answer {} bytes, server RSS {} MiB before, peak {} MiB, growth {} MiB",
        body.len(),
        before / MIB,
        peak / MIB,
        growth / MIB
    );

    let answer: Answer = serde_json::from_slice(&body).expect("one JSON document");
    assert_eq!(answer.result.len(), PEOPLE);
    for verdict in &answer.result {
        assert_eq!(verdict.matches.len(), MAX_MATCHES);
        assert!(verdict.matches_truncated);
        assert_eq!(verdict.status, "access_remains");
    }
    assert_eq!(answer.summary["people"], PEOPLE);
    assert_eq!(answer.summary["access_remains"], PEOPLE);
    // Each listed match is a few hundred bytes at most: the answer is bounded by people x 20.
    let bound = PEOPLE * (MAX_MATCHES + 1) * 400;
    assert!(body.len() < bound, "{} bytes, bound {bound}", body.len());
    assert!(growth < 64 * MIB, "server RSS grew {} MiB", growth / MIB);
    serve.kill().await;
}
