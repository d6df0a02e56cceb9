//! Inventory users (`type=end-user`): fetched only when asked for, the same record from
//! either Jamf API and from the list or the single get, partial on a 403 without touching the
//! admin directory.

use std::collections::BTreeMap;

use jamf_sim::{Faults, Quirks, SimConfig};
use reqwest::StatusCode;
use serde_json::Value;

use super::USERS;
use crate::support::{Fixture, connect_sim, send_expecting};

const INVENTORY_ENDPOINTS: [&str; 5] = [
    "GET /api/v1/users",
    "GET /JSSResource/users",
    "GET /JSSResource/users/id/{id}",
    "GET /JSSResource/usergroups",
    "GET /JSSResource/usergroups/id/{id}",
];
const V1: &str = "11.30.1";
const CLASSIC: &str = "11.20.0";

fn config(version: &str, quirks: Quirks) -> SimConfig {
    SimConfig {
        accounts: 40,
        inventory_users: 60,
        jamf_version: version.to_owned(),
        quirks,
        ..SimConfig::default()
    }
}

fn inventory_calls(f: &Fixture) -> u64 {
    let stats = f.sim.control().stats();
    INVENTORY_ENDPOINTS.iter().map(|e| stats.count(e)).sum()
}

async fn end_users_of(f: &Fixture, account: &str) -> BTreeMap<String, Value> {
    let page: Value = send_expecting(f
        .app
        .client
        .get(f.app.url(&format!(
            "{USERS}?integrated_account_id={account}&type=end-user&include=permissions&limit=1000"
        )))
        .bearer_auth(&f.token), StatusCode::OK).await;
    assert_eq!(
        page["is_partial_response"], false,
        "{}",
        page["missing_sources"]
    );
    page["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["id"].as_str().unwrap().to_owned(), u.clone()))
        .collect()
}

fn without_remote_data(mut user: Value) -> Value {
    user.as_object_mut().unwrap().remove("remote_data");
    user
}

#[tokio::test]
async fn admin_lists_never_fetch_inventory_users() {
    let f = Fixture::start(config(V1, Quirks::default())).await;
    for query in ["limit=1000", "type=all&limit=1000", "type=service-account"] {
        let page = f.json(USERS, query).await;
        let users = page["result"].as_array().unwrap();
        assert!(users.iter().all(|u| u["type"] != "end-user"), "{query}");
    }
    assert_eq!(f.json(USERS, "limit=1000").await["result_count"], 40);
    assert_eq!(inventory_calls(&f), 0, "no inventory call for admin lists");
    let one = f.get(&format!("{USERS}/1"), "").await;
    assert_eq!(one.status(), StatusCode::OK);
    assert_eq!(inventory_calls(&f), 0);
}

#[tokio::test]
async fn every_inventory_user_reads_the_same_on_both_plans_and_every_path() {
    let f = Fixture::start(config(V1, Quirks::default())).await;
    let dataset = f.sim.control().dataset();
    let from_v1 = end_users_of(&f, &f.account).await;
    assert_eq!(from_v1.len(), dataset.inventory_users.len());
    let stats = f.sim.control().stats();
    assert_eq!(stats.count("GET /api/v1/users"), 1, "one page of 1,000");
    assert_eq!(
        stats.count("GET /JSSResource/users/id/{id}"),
        0,
        "the pages are the records: no request per user"
    );

    // The fields of the contract, on a user the simulator puts in two groups.
    let in_two_groups = dataset
        .inventory_users
        .iter()
        .find(|u| {
            dataset
                .user_groups
                .iter()
                .filter(|g| g.member_ids.contains(&u.id))
                .count()
                >= 2
        })
        .expect("a user in two groups");
    let user = &from_v1[&format!("end-user-{}", in_two_groups.id)];
    assert_eq!(user["type"], "end-user");
    assert_eq!(user["status"], "unknown");
    assert!(user["status_detail"].is_string());
    assert_eq!(user["roles"], serde_json::json!([]));
    assert_eq!(user["access_level"], Value::Null);
    assert_eq!(user["is_2fa_enabled"], Value::Null);
    assert_eq!(user["mfa"]["status"], "unknown");
    assert_eq!(user["mfa"]["evidence"][0]["fact"], "console_access");
    assert_eq!(user["groups"].as_array().unwrap().len(), 2, "{user}");
    assert!(user["remote_data"]["inventory_user"].is_object());
    // The simulator's fixed edge cases: emails by the usual rules, no group. LDAP servers and
    // sites are not part of the record (the Jamf Pro API has neither), whatever Jamf holds.
    let emails = |id: &str| from_v1[id]["emails"].clone();
    assert_eq!(emails("end-user-3")[0]["email"], "alex.smith@example.com");
    assert_eq!(
        emails("end-user-4").as_array().unwrap().len(),
        1,
        "case duplicates"
    );
    assert_eq!(emails("end-user-5")[0]["email"], "sam.jones@example.com");
    assert_eq!(from_v1["end-user-6"]["is_directory_user"], Value::Null);
    assert_eq!(from_v1["end-user-7"]["workspaces"], serde_json::json!([]));
    assert_eq!(from_v1["end-user-9"]["name"], Value::Null);
    assert_eq!(from_v1["end-user-11"]["groups"], serde_json::json!([]));

    // Every path returns the list's record: a cold get (a newly connected account has no
    // snapshot yet) and a warm one.
    for (id, record) in from_v1.iter().take(12) {
        let cold_account = connect_sim(&f.app, &f.token, &f.sim, "acme").await;
        for account in [&cold_account, &f.account] {
            let response = f
                .app
                .client
                .get(
                    f.app
                        .url(&format!("{USERS}/{id}?integrated_account_id={account}")),
                )
                .bearer_auth(&f.token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{id}");
            let single: Value = response.json().await.unwrap();
            assert_eq!(
                without_remote_data(single),
                without_remote_data(record.clone()),
                "{id}"
            );
        }
    }

    // The Classic plan gives the same records.
    f.sim.control().set_jamf_version(CLASSIC);
    let classic_account = connect_sim(&f.app, &f.token, &f.sim, "acme").await;
    f.sim.control().reset_stats();
    let from_classic = end_users_of(&f, &classic_account).await;
    assert_eq!(f.sim.control().stats().count("GET /api/v1/users"), 0);
    assert!(
        f.sim
            .control()
            .stats()
            .count("GET /JSSResource/users/id/{id}")
            > 0
    );
    assert_eq!(
        from_v1.keys().collect::<Vec<_>>(),
        from_classic.keys().collect::<Vec<_>>()
    );
    for (id, record) in &from_v1 {
        assert_eq!(
            without_remote_data(record.clone()),
            without_remote_data(from_classic[id].clone()),
            "{id}"
        );
    }
    // What only Classic has stays in its remote_data.
    assert_eq!(
        from_classic["end-user-7"]["remote_data"]["inventory_user"]["sites"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{}",
        from_classic["end-user-7"]["remote_data"]
    );
}

#[tokio::test]
async fn a_page_size_clamp_on_users_loses_no_one() {
    let quirks = Quirks {
        page_size_clamp: Some(7),
        ..Quirks::default()
    };
    let f = Fixture::start(config(V1, quirks)).await;
    let users = end_users_of(&f, &f.account).await;
    assert_eq!(users.len(), f.sim.control().dataset().inventory_users.len());
    assert!(f.sim.control().stats().count("GET /api/v1/users") >= 60 / 7);
}

#[tokio::test]
async fn a_403_on_users_leaves_the_end_user_list_partial_and_admins_complete() {
    let f = Fixture::start(config(V1, Quirks::default())).await;
    let faults = Faults {
        missing_privileges: vec!["Read User".into()],
        ..Faults::default()
    };
    f.sim.control().set_faults(faults).unwrap();
    let end_users = f.json(USERS, "type=end-user").await;
    assert_eq!(end_users["is_partial_response"], true, "{end_users}");
    assert!(
        end_users["missing_sources"]
            .to_string()
            .contains("inventory_users"),
        "{end_users}"
    );
    let admins = f.json(USERS, "limit=1000").await;
    assert_eq!(admins["is_partial_response"], false, "{admins}");
    assert_eq!(admins["result_count"], 40);
}
