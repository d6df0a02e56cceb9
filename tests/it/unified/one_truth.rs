//! One truth per Jamf account: every path (cold single get, warm single get, list) and both
//! fetch plans return the same record, whatever quirks the Jamf instance shows.

use std::collections::BTreeMap;

use jamf_sim::{Quirks, SimConfig};
use reqwest::StatusCode;
use serde_json::Value;

use super::{Fixture, USERS};
use crate::support::connect_sim;

/// The simulator's 23 fixed edge cases plus generated accounts.
const ACCOUNTS: usize = 60;
/// v1 plan (11.27+), Classic plan with `/api/v3/sso`, Classic plan with only `/api/v2/sso`.
const V1: &str = "11.30.1";
const CLASSIC: &str = "11.20.0";
const CLASSIC_V2_SSO: &str = "11.9.0";

/// Fields one Jamf API has and the other lacks (the README's "Differences between the fetch
/// plans"); `remote_data` is the raw Jamf record, different by nature.
const PLAN_DIFFERENCES: [&str; 3] = ["remote_data", "last_password_change_at", "status_detail"];
/// MFA evidence facts only the Jamf Pro API reports (the verdict itself never differs).
const PLAN_EVIDENCE_DIFFERENCES: [&str; 1] = ["account_type"];

fn sim_config(version: &str, quirks: Quirks) -> SimConfig {
    SimConfig {
        accounts: ACCOUNTS,
        jamf_version: version.to_owned(),
        quirks,
        ..SimConfig::default()
    }
}

fn without(mut record: Value, fields: &[&str]) -> Value {
    let object = record.as_object_mut().expect("a record is an object");
    for field in fields {
        object.remove(*field);
    }
    record
}

fn without_evidence(mut record: Value, facts: &[&str]) -> Value {
    if let Some(evidence) = record["mfa"]["evidence"].as_array_mut() {
        evidence.retain(|e| !facts.iter().any(|fact| e["fact"] == *fact));
    }
    record
}

async fn get(f: &Fixture, account: &str, path: &str, query: &str) -> reqwest::Response {
    f.app
        .client
        .get(
            f.app
                .url(&format!("{path}?integrated_account_id={account}&{query}")),
        )
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap()
}

/// Admins and API clients as the list shows them (with permissions), by id.
async fn listed(f: &Fixture, account: &str) -> BTreeMap<String, Value> {
    let response = get(f, account, USERS, "type=all&include=permissions&limit=1000").await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    assert_eq!(
        page["is_partial_response"], false,
        "{}",
        page["missing_sources"]
    );
    assert!(page["next_cursor"].is_null(), "one page holds them all");
    page["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| (user["id"].as_str().unwrap().to_owned(), user.clone()))
        .collect()
}

async fn single(f: &Fixture, account: &str, id: &str, cache_status: &str) -> Value {
    let response = get(f, account, &format!("{USERS}/{id}"), "").await;
    assert_eq!(response.status(), StatusCode::OK, "user {id}");
    assert_eq!(
        response.headers()["cache-status"],
        cache_status,
        "user {id}"
    );
    response.json().await.unwrap()
}

/// For every admin and API client: the cold single get (a newly connected integrated account
/// on the same Jamf has no snapshot yet), the warm single get and the list record are equal
/// apart from `remote_data`.
async fn every_path_returns_the_list_record(version: &str, quirks: Quirks) {
    let f = Fixture::start(sim_config(version, quirks)).await;
    let list = listed(&f, &f.account).await;
    let dataset = f.sim.control().dataset();
    assert_eq!(
        list.len(),
        dataset.accounts.len() + dataset.api_integrations.len(),
        "{version}: every admin and API client is listed"
    );
    for (id, record) in &list {
        let cold_account = connect_sim(&f.app, &f.token, &f.sim, "acme").await;
        let cold = single(&f, &cold_account, id, "jamf-directory; fwd=miss; stored").await;
        let warm = single(&f, &f.account, id, "jamf-directory; hit").await;
        let record = without(record.clone(), &["remote_data"]);
        assert_eq!(
            without(cold, &["remote_data"]),
            record,
            "{version}: cold get of {id}"
        );
        assert_eq!(
            without(warm, &["remote_data"]),
            record,
            "{version}: warm get of {id}"
        );
    }
}

#[tokio::test]
async fn every_path_returns_the_same_record_on_the_v1_plan() {
    every_path_returns_the_list_record(V1, Quirks::default()).await;
}

#[tokio::test]
async fn every_path_returns_the_same_record_on_the_classic_plan() {
    every_path_returns_the_list_record(CLASSIC, Quirks::default()).await;
}

#[tokio::test]
async fn every_path_returns_the_same_record_when_jamf_shows_its_quirks() {
    let quirks = Quirks {
        page_size_clamp: Some(7),
        v1_members_empty: true,
        ..Quirks::default()
    };
    every_path_returns_the_list_record(V1, quirks).await;
}

/// The records of one tenant read through each plan (and each SSO endpoint), by id.
async fn records_by_plan(versions: &[&str], quirks: Quirks) -> Vec<BTreeMap<String, Value>> {
    let f = Fixture::start(sim_config(versions[0], quirks)).await;
    let mut plans = Vec::new();
    for version in versions {
        // A newly connected account reads the version anew, and so picks its plan.
        f.sim.control().set_jamf_version(version);
        let account = connect_sim(&f.app, &f.token, &f.sim, "acme").await;
        plans.push(listed(&f, &account).await);
    }
    plans
}

fn assert_same_records(
    left: &BTreeMap<String, Value>,
    right: &BTreeMap<String, Value>,
    ignored: &[&str],
    ignored_evidence: &[&str],
    what: &str,
) {
    assert_eq!(
        left.keys().collect::<Vec<_>>(),
        right.keys().collect::<Vec<_>>(),
        "{what}: the same ids"
    );
    for (id, record) in left {
        let strip =
            |record: &Value| without_evidence(without(record.clone(), ignored), ignored_evidence);
        let (l, r) = (strip(record), strip(&right[id]));
        let differing: Vec<String> = l
            .as_object()
            .unwrap()
            .iter()
            .filter(|(field, value)| r.get(field.as_str()) != Some(value))
            .map(|(field, value)| format!("{field}: {value} vs {}", r[field.as_str()]))
            .collect();
        assert!(differing.is_empty(), "{what}: record {id}: {differing:#?}");
        assert_eq!(l, r, "{what}: record {id}");
    }
}

#[tokio::test]
async fn both_plans_differ_only_in_the_documented_fields() {
    let plans = records_by_plan(&[V1, CLASSIC], Quirks::default()).await;
    assert_same_records(
        &plans[0],
        &plans[1],
        &PLAN_DIFFERENCES,
        &PLAN_EVIDENCE_DIFFERENCES,
        "v1 vs Classic",
    );
    // Built-in sets carry their privileges, with categories, on both plans.
    let admin = &plans[0]["1"];
    let permissions = admin["permissions"].as_array().unwrap();
    assert!(permissions.len() > 50, "{admin}");
    assert!(
        permissions.iter().all(|p| p["category"].is_string()),
        "{admin}"
    );
}

#[tokio::test]
async fn sso_from_v2_gives_the_verdicts_v3_gives() {
    let plans = records_by_plan(&[CLASSIC, CLASSIC_V2_SSO], Quirks::default()).await;
    assert_same_records(&plans[0], &plans[1], &["remote_data"], &[], "v3 vs v2 SSO");
    let admins: Vec<&Value> = plans[1]
        .values()
        .filter(|user| user["type"] == "admin")
        .collect();
    assert!(
        admins.iter().all(|user| !user["is_2fa_enabled"].is_null()),
        "SSO settings were readable: no admin's MFA is unknown"
    );
    assert!(admins.iter().any(|user| user["is_2fa_enabled"] == true));
}

#[tokio::test]
async fn empty_v1_members_change_nothing() {
    let full = records_by_plan(&[V1], Quirks::default()).await;
    let empty = Quirks {
        v1_members_empty: true,
        ..Quirks::default()
    };
    let emptied = records_by_plan(&[V1], empty).await;
    assert_same_records(
        &full[0],
        &emptied[0],
        &["remote_data"],
        &[],
        "members empty",
    );
    let group_access = full[0]
        .values()
        .filter(|user| user["access_level"] == "group_access")
        .count();
    assert!(group_access >= 2, "the tenant has Group Access admins");
}

#[tokio::test]
async fn a_page_size_clamp_loses_no_one() {
    let quirks = Quirks {
        page_size_clamp: Some(100),
        ..Quirks::default()
    };
    let config = SimConfig {
        accounts: 320,
        quirks,
        ..SimConfig::default()
    };
    let f = Fixture::start(config).await;
    let page = f.json(USERS, "limit=1000").await;
    assert_eq!(
        page["result_count"], 320,
        "every account, though Jamf pages by 100"
    );
    assert_eq!(page["is_partial_response"], false);
    assert_eq!(f.sim.control().stats().count("GET /api/v1/accounts"), 4);
}

#[tokio::test]
async fn a_list_jamf_cannot_complete_makes_the_answer_partial_naming_it() {
    let quirks = Quirks {
        total_count_surplus: 5,
        ..Quirks::default()
    };
    let f = Fixture::start(sim_config(V1, quirks)).await;
    let page = f.json(USERS, "limit=1000").await;
    assert_eq!(page["result_count"], ACCOUNTS, "what Jamf gave is served");
    assert_eq!(page["is_partial_response"], true);
    let missing = page["missing_sources"].to_string();
    assert!(
        missing.contains("accounts") && missing.contains("totalCount"),
        "{missing}"
    );
}
