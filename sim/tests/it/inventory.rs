//! Inventory users and user groups: Classic `/users` and `/usergroups` (JSON and XML),
//! privileges, fixed edge cases and seeded data.

use jamf_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Sim, content_type};

/// The default client's privileges: every read the directory service needs.
fn all_reads() -> Vec<String> {
    SimConfig::default().client_privileges
}

async fn classic_user(sim: &Sim, token: &str, id: i64) -> Value {
    sim.json(&format!("/JSSResource/users/id/{id}"), token)
        .await["user"]
        .clone()
}

async fn xml(sim: &Sim, token: &str, path: &str) -> String {
    let resp = sim.get(path, token, false).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    assert!(content_type(&resp).starts_with("text/xml"), "{path}");
    resp.text().await.unwrap()
}

#[tokio::test]
async fn classic_user_list_is_sorted_case_sensitively_with_ids_and_names() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let resp = sim.get("/JSSResource/users", &token, true).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(content_type(&resp), "text/plain;charset=UTF-8");
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    let users = body["users"].as_array().unwrap();
    assert_eq!(users.len(), 30, "SimConfig::inventory_users default");
    assert!(users.iter().all(|u| {
        let keys: Vec<&String> = u.as_object().unwrap().keys().collect();
        keys == ["id", "name"] && u["id"].is_i64()
    }));
    let names: Vec<&str> = users.iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert!(
        names.windows(2).all(|w| w[0] <= w[1]),
        "byte order: {names:?}"
    );
    assert_eq!(
        users[0],
        json!({"id": 10, "name": "O'Brien, Conan <R&D>"}),
        "capitals sort first"
    );

    let xml = xml(&sim, &token, "/JSSResource/users").await;
    assert!(xml.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><users><size>30</size><user><id>10</id><name>O&apos;Brien, Conan &lt;R&amp;D&gt;</name></user><user><id>"
    ), "{xml:.300}");
}

#[tokio::test]
async fn classic_user_detail_has_the_real_shape() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let raw = sim
        .get("/JSSResource/users/id/1", &token, true)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        raw,
        r#"{"user":{"id":1,"name":"jane.appleseed","full_name":"Jane Appleseed","email":"jane.appleseed@example.com","email_address":"jane.appleseed@example.com","phone_number":"715-555-0101","position":"Engineer","managed_apple_id":"","enable_custom_photo_url":false,"custom_photo_url":"","ldap_server":{"id":-1,"name":"None"},"extension_attributes":[],"sites":[{"id":1,"name":"Eau Claire"}],"links":{"computers":[],"peripherals":[],"mobile_devices":[],"vpp_assignments":[],"total_vpp_code_count":0},"user_groups":{"size":1}}}"#,
        "Jamf's key order"
    );
    let two = classic_user(&sim, &token, 2).await;
    assert_eq!(two["user_groups"], json!({"size": 2}));
    assert_eq!(two["position"], "Manager");
    let ldap = classic_user(&sim, &token, 6).await;
    assert_eq!(ldap["ldap_server"], json!({"id": 1, "name": "Corp AD"}));
    let xml = xml(&sim, &token, "/JSSResource/users/id/10").await;
    assert!(
        xml.contains("<name>O&apos;Brien, Conan &lt;R&amp;D&gt;</name><full_name>Conan &quot;Coco&quot; O&apos;Brien &amp; Co.</full_name>"),
        "{xml}"
    );
    assert!(xml.contains(
        "<ldap_server><id>-1</id><name>None</name></ldap_server><extension_attributes/><sites><site><id>2</id><name>Austin</name></site></sites><links><computers/><peripherals/><mobile_devices/><vpp_assignments/><total_vpp_code_count>0</total_vpp_code_count></links><user_groups><size>0</size></user_groups></user>"
    ), "{xml}");
    for path in ["/JSSResource/users/id/9999", "/JSSResource/users/id/abc"] {
        let resp = sim.get(path, &token, true).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(resp.text().await.unwrap().contains(">Not Found</p>"));
    }
}

#[tokio::test]
async fn classic_user_groups_list_and_detail() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let list = sim.json("/JSSResource/usergroups", &token).await;
    assert_eq!(
        list,
        json!({"user_groups": [
            {"id": 1, "name": "Engineering", "is_smart": false, "is_notify_on_change": false},
            {"id": 2, "name": "Managers", "is_smart": true, "is_notify_on_change": false},
            {"id": 3, "name": "Austin Loaners", "is_smart": false, "is_notify_on_change": false},
            {"id": 4, "name": "Former Staff", "is_smart": false, "is_notify_on_change": false},
        ]})
    );
    let data = sim.ctl().dataset();
    let member = |id: i64| {
        let u = data.inventory_user(id).unwrap();
        json!({"id": u.id, "username": u.username, "full_name": u.full_name,
               "phone_number": u.phone_number, "email_address": u.email_address})
    };
    let g1 = sim.json("/JSSResource/usergroups/id/1", &token).await;
    let members: Vec<Value> = data.user_groups[0]
        .member_ids
        .iter()
        .map(|id| member(*id))
        .collect();
    assert_eq!(
        g1,
        json!({"user_group": {"id": 1, "name": "Engineering", "is_smart": false,
            "is_notify_on_change": false, "site": {"id": -1, "name": "None"}, "criteria": [],
            "users": members}})
    );
    let users = g1["user_group"]["users"].as_array().unwrap();
    assert_eq!(users[..3], [member(1), member(2), member(6)]);

    let g2 = sim.json("/JSSResource/usergroups/id/2", &token).await["user_group"].clone();
    assert_eq!(g2["is_smart"], true);
    let managers: Vec<i64> = data
        .inventory_users
        .iter()
        .filter(|u| u.position == "Manager")
        .map(|u| u.id)
        .collect();
    let listed: Vec<i64> = g2["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, managers);
    assert_eq!(listed[0], 2);
    let g3 = sim.json("/JSSResource/usergroups/id/3", &token).await["user_group"].clone();
    assert_eq!(g3["site"], json!({"id": 2, "name": "Austin"}));
    assert_eq!(g3["users"][0]["username"], "pat.morgan");
    let g4 = sim.json("/JSSResource/usergroups/id/4", &token).await["user_group"].clone();
    assert_eq!(g4["users"], json!([]));

    let xml_list = xml(&sim, &token, "/JSSResource/usergroups").await;
    assert!(xml_list.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><user_groups><size>4</size><user_group><id>1</id><name>Engineering</name><is_smart>false</is_smart><is_notify_on_change>false</is_notify_on_change></user_group>"
    ), "{xml_list}");
    let xml_detail = xml(&sim, &token, "/JSSResource/usergroups/id/4").await;
    assert!(xml_detail.ends_with(
        "<site><id>-1</id><name>None</name></site><criteria><size>0</size></criteria><users/></user_group>"
    ), "{xml_detail}");
    for path in [
        "/JSSResource/usergroups/id/99",
        "/JSSResource/usergroups/id/x",
    ] {
        let resp = sim.get(path, &token, true).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(resp.text().await.unwrap().contains(">Not Found</p>"));
    }
}

fn without(privilege: &str) -> Vec<String> {
    let mut all = all_reads();
    assert!(
        all.iter().any(|p| p == privilege),
        "{privilege} is a default"
    );
    all.retain(|p| p != privilege);
    all
}

async fn status(sim: &Sim, token: &str, path: &str) -> StatusCode {
    sim.get(path, token, true).await.status()
}

#[tokio::test]
async fn each_missing_privilege_answers_403() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let ok = StatusCode::OK;
    let forbidden = StatusCode::FORBIDDEN;

    sim.ctl().set_client_privileges(without("Read User"));
    for path in ["/JSSResource/users", "/JSSResource/users/id/1"] {
        assert_eq!(status(&sim, &token, path).await, forbidden, "{path}");
    }
    let resp = sim.get("/JSSResource/users", &token, true).await;
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("refusing to fulfill it")
    );
    assert_eq!(status(&sim, &token, "/JSSResource/usergroups").await, ok);

    sim.ctl()
        .set_client_privileges(without("Read Static User Groups"));
    assert_eq!(
        status(&sim, &token, "/JSSResource/usergroups").await,
        forbidden
    );
    assert_eq!(
        status(&sim, &token, "/JSSResource/usergroups/id/1").await,
        forbidden,
        "static group"
    );
    assert_eq!(
        status(&sim, &token, "/JSSResource/usergroups/id/2").await,
        ok,
        "smart group"
    );
    assert_eq!(
        status(&sim, &token, "/JSSResource/usergroups/id/99").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(status(&sim, &token, "/JSSResource/users").await, ok);

    sim.ctl()
        .set_client_privileges(without("Read Smart User Groups"));
    assert_eq!(status(&sim, &token, "/JSSResource/usergroups").await, ok);
    assert_eq!(
        status(&sim, &token, "/JSSResource/usergroups/id/2").await,
        forbidden,
        "smart group"
    );
    assert_eq!(
        status(&sim, &token, "/JSSResource/usergroups/id/1").await,
        ok,
        "static group"
    );

    let mut neither = without("Read Smart User Groups");
    neither.retain(|p| p != "Read Static User Groups");
    sim.ctl().set_client_privileges(neither);
    assert_eq!(
        status(&sim, &token, "/JSSResource/usergroups/id/99").await,
        forbidden,
        "an unknown group tells nothing to a client that may read no group"
    );

    sim.ctl().set_client_privileges(all_reads());
    for path in [
        "/JSSResource/users",
        "/JSSResource/usergroups/id/1",
        "/JSSResource/usergroups/id/2",
    ] {
        assert_eq!(status(&sim, &token, path).await, ok, "{path}");
    }
    let anonymous = sim
        .http
        .get(sim.url("/JSSResource/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

/// The fixed edge cases, read over HTTP, for any seed.
async fn check_fixed_edge_cases(seed: u64) {
    let sim = Sim::start(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let token = sim.token().await;
    let u = |id| classic_user(&sim, &token, id);
    let groups_of = |id: i64| -> Vec<(i64, bool)> {
        sim.ctl()
            .dataset()
            .user_groups_of(id)
            .map(|g| (g.id, g.is_smart))
            .collect()
    };
    assert_eq!(u(1).await["name"], "jane.appleseed");
    assert_eq!(groups_of(1), [(1, false)], "one static group");
    assert_eq!(groups_of(2), [(1, false), (2, true)], "static and smart");
    let three = u(3).await;
    assert_eq!(
        (three["email"].as_str(), three["email_address"].as_str()),
        (Some(""), Some("alex.smith@example.com"))
    );
    let four = u(4).await;
    assert_eq!(
        (four["email"].as_str(), four["email_address"].as_str()),
        (Some("Kim.Lee@Example.COM"), Some("kim.lee@example.com"))
    );
    let five = u(5).await;
    assert_eq!(
        (five["email"].as_str(), five["email_address"].as_str()),
        (
            Some("  sam.jones@example.com "),
            Some("sam.jones@example.com")
        )
    );
    assert_eq!(u(6).await["ldap_server"]["name"], "Corp AD");
    assert_eq!(
        u(7).await["sites"],
        json!([{"id": 1, "name": "Eau Claire"}, {"id": 2, "name": "Austin"}])
    );
    assert_eq!(u(8).await["sites"], json!([]));
    assert_eq!(u(9).await["full_name"], "");
    let ten = u(10).await;
    assert_eq!(ten["name"], "O'Brien, Conan <R&D>");
    assert_eq!(ten["full_name"], "Conan \"Coco\" O'Brien & Co.");
    assert_eq!(groups_of(11), []);
    assert_eq!(u(11).await["user_groups"], json!({"size": 0}));
    let groups = sim.json("/JSSResource/usergroups", &token).await["user_groups"].clone();
    let kinds: Vec<bool> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["is_smart"].as_bool().unwrap())
        .collect();
    assert!(kinds.len() >= 3 && kinds.contains(&true) && kinds.contains(&false));
}

#[tokio::test]
async fn fixed_edge_cases_hold_for_two_seeds() {
    check_fixed_edge_cases(1).await;
    check_fixed_edge_cases(977).await;
}

/// Every inventory rendering a client can see, as raw bodies.
async fn snapshot(seed: u64) -> Vec<String> {
    let sim = Sim::start(SimConfig {
        inventory_users: 150,
        seed,
        ..SimConfig::default()
    })
    .await;
    let token = sim.token().await;
    let mut out = Vec::new();
    for path in [
        "/JSSResource/users",
        "/JSSResource/usergroups",
        "/JSSResource/usergroups/id/1",
        "/JSSResource/usergroups/id/5",
    ] {
        out.push(sim.get(path, &token, true).await.text().await.unwrap());
    }
    for id in 1..=11 {
        let path = format!("/JSSResource/users/id/{id}");
        out.push(sim.get(&path, &token, false).await.text().await.unwrap());
    }
    out
}

#[tokio::test]
async fn inventory_data_is_deterministic_per_seed() {
    let first = snapshot(42).await;
    assert_eq!(first, snapshot(42).await);
    let other = snapshot(43).await;
    assert_ne!(first[0], other[0], "another seed gives other filler users");
    assert_ne!(first[2], other[2]);
    assert_eq!(
        first[5..],
        other[5..],
        "fixed users do not depend on the seed"
    );
    // Accounts are unchanged by the inventory users' count.
    let few = Sim::start(SimConfig {
        inventory_users: 0,
        ..SimConfig::default()
    })
    .await;
    let many = Sim::start(SimConfig {
        inventory_users: 500,
        ..SimConfig::default()
    })
    .await;
    assert_eq!(few.ctl().dataset().accounts, many.ctl().dataset().accounts);
    assert!(few.ctl().dataset().inventory_users.is_empty());
    assert!(
        few.ctl()
            .dataset()
            .user_groups
            .iter()
            .all(|g| g.member_ids.is_empty())
    );
}
