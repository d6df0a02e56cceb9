//! The access review end to end: findings, leavers, CSV and the report, on a real service
//! reading a real simulator.

mod amplification;
mod csv;
mod findings;
mod leavers;
mod report;

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Fixture, access_token, globex_reader, test_settings};

const FINDINGS: &str = "/access-review/findings";
const REPORT: &str = "/access-review/report";
const LEAVERS: &str = "/access-review/leavers";
const USERS: &str = "/unified/user-directory/users";

/// A simulator whose SSO is off: every active admin signs in with a password alone.
fn sso_off() -> jamf_sim::SimConfig {
    jamf_sim::SimConfig {
        sso: jamf_sim::SsoConfig {
            sso_enabled: false,
            ..jamf_sim::SsoConfig::default()
        },
        ..jamf_sim::SimConfig::default()
    }
}

/// Every finding the list yields for `query`, all pages walked.
async fn all_findings(f: &Fixture, query: &str) -> Vec<Value> {
    f.all_records(FINDINGS, query, 1000).await
}

/// The subject ids of the findings of `kind`.
fn subjects(findings: &[Value], kind: &str) -> BTreeSet<String> {
    findings
        .iter()
        .filter(|f| f["kind"] == kind)
        .map(|f| f["subject"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids of `users` that satisfy `keep`.
fn ids_where(users: &[Value], keep: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    users
        .iter()
        .filter(|u| keep(u))
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

fn is_active(user: &Value) -> bool {
    user["status"] == "active"
}

/// Whether the user's MFA evidence states `fact` with `value`.
fn has_fact(user: &Value, fact: &str, value: Value) -> bool {
    user["mfa"]["evidence"]
        .as_array()
        .is_some_and(|e| e.iter().any(|e| e["fact"] == fact && e["value"] == value))
}

async fn post_leavers(f: &Fixture, token: &str, body: &Value) -> reqwest::Response {
    f.app
        .client
        .post(f.app.url(LEAVERS))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Runs `python3 -c script` with `input` on stdin and returns what it printed, as JSON.
fn python_json(script: &str, input: &[u8]) -> Value {
    use std::io::Write as _;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python3 failed");
    serde_json::from_slice(&out.stdout).expect("python printed JSON")
}

#[tokio::test]
async fn review_routes_hide_other_tenants_accounts_like_unknown_ids() {
    let mut settings = test_settings();
    settings.auth.clients.push(globex_reader());
    let f = Fixture::start_with(jamf_sim::SimConfig::default(), settings).await;
    let other = access_token(&f.app, "globex-reader", "globex-secret-123").await;
    let unknown = uuid::Uuid::new_v4().to_string();
    for (token, account, expected) in [
        (&f.token, f.account.as_str(), StatusCode::OK),
        (&other, f.account.as_str(), StatusCode::NOT_FOUND),
        (&f.token, unknown.as_str(), StatusCode::NOT_FOUND),
    ] {
        for (path, accept) in [
            (FINDINGS, "application/json"),
            (FINDINGS, "text/csv"),
            (USERS, "text/csv"),
            (REPORT, "text/html"),
        ] {
            let response = f
                .app
                .client
                .get(
                    f.app
                        .url(&format!("{path}?integrated_account_id={account}")),
                )
                .header("accept", accept)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), expected, "{path} {accept}");
            if expected == StatusCode::NOT_FOUND {
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["statusCode"], 404, "the error envelope");
            }
        }
        let body =
            json!({"integrated_account_id": account, "people": [{"email": "a@example.com"}]});
        let response = post_leavers(&f, token, &body).await;
        assert_eq!(response.status(), expected, "leavers");
    }
}
