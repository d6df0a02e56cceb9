//! Inventory users and user groups: Classic `/users` and `/usergroups` (JSON and XML), the
//! Jamf Pro API `/v1/users` with its own envelope, paging quirks, version gating, privileges,
//! fixed edge cases and seeded data.

use std::collections::BTreeSet;

use jamf_sim::{Quirks, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Sim, content_type, result_ids};

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

#[tokio::test]
async fn v1_users_envelope_records_and_detail() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let body = sim.json("/api/v1/users", &token).await;
    let keys: BTreeSet<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "page",
            "pageSize",
            "totalCount",
            "totalPages",
            "hasNext",
            "hasPrevious",
            "results"
        ])
    );
    assert_eq!(
        (
            &body["page"],
            &body["pageSize"],
            &body["totalCount"],
            &body["totalPages"],
            &body["hasNext"],
            &body["hasPrevious"]
        ),
        (
            &json!(0),
            &json!(100),
            &json!(30),
            &json!(1),
            &json!(false),
            &json!(false)
        )
    );
    let ids = result_ids(&body);
    assert_eq!(ids.len(), 30);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "default sort id:asc");
    let kim = json!({"id": "4", "username": "kim.lee", "realname": "Kim Lee",
        "email": "kim.lee@example.com", "phone": "", "position": "",
        "enableCustomPhotoUrl": false, "customPhotoUrl": "", "managedAppleId": ""});
    assert_eq!(body["results"][3], kim);
    assert_eq!(sim.json("/api/v1/users/4", &token).await, kim);
    let alex = sim.json("/api/v1/users/3", &token).await;
    assert_eq!(
        alex["email"], "alex.smith@example.com",
        "Classic email_address"
    );
    let padded = sim.json("/api/v1/users/5", &token).await;
    assert_eq!(padded["email"], "sam.jones@example.com");
    let first = sim.json("/api/v1/users/1", &token).await;
    assert_eq!(
        (first["phone"].as_str(), first["position"].as_str()),
        (Some("715-555-0101"), Some("Engineer"))
    );
    let resp = sim.get("/api/v1/users/9999", &token, true).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["httpStatus"], 404);

    let sorted = sim
        .json("/api/v1/users?sort=username:desc&page-size=3", &token)
        .await;
    let names: Vec<&str> = sorted["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["username"].as_str().unwrap())
        .collect();
    assert!(
        names
            .windows(2)
            .all(|w| w[0].to_lowercase() >= w[1].to_lowercase())
    );
    assert_eq!(
        (
            &sorted["pageSize"],
            &sorted["totalPages"],
            &sorted["hasNext"]
        ),
        (&json!(3), &json!(10), &json!(true))
    );
    let managers = sim
        .json("/api/v1/users?filter=position%3D%3Dmanager", &token)
        .await;
    assert!(result_ids(&managers).contains(&2));
    assert!(
        managers["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["position"] == "Manager")
    );
}

#[tokio::test]
async fn v1_users_page_size_limits() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let full = sim.json("/api/v1/users?page-size=1000", &token).await;
    assert_eq!(full["pageSize"], 1000);
    for query in ["page-size=1001", "page-size=2000", "page-size=0", "page=-1"] {
        let resp = sim
            .get(&format!("/api/v1/users?{query}"), &token, true)
            .await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(resp.json::<Value>().await.unwrap()["httpStatus"], 400);
    }
    let past = sim.json("/api/v1/users?page=5&page-size=10", &token).await;
    assert_eq!(
        past,
        json!({"page": 5, "pageSize": 10, "totalCount": 30, "totalPages": 3,
               "hasNext": false, "hasPrevious": true, "results": []})
    );
}

/// Pages `/api/v1/users` asking for `page_size` until an empty page (or `hasNext` false when
/// `trust_has_next`); returns every page body.
async fn walk(sim: &Sim, token: &str, page_size: usize, trust_has_next: bool) -> Vec<Value> {
    let mut pages = Vec::new();
    for page in 0..1000 {
        let body = sim
            .json(
                &format!("/api/v1/users?page={page}&page-size={page_size}"),
                token,
            )
            .await;
        let done = body["results"].as_array().unwrap().is_empty()
            || (trust_has_next && body["hasNext"] == false);
        pages.push(body);
        if done {
            return pages;
        }
    }
    unreachable!("pages are finite")
}

fn all_ids(pages: &[Value]) -> Vec<i64> {
    pages.iter().flat_map(result_ids).collect()
}

#[tokio::test]
async fn v1_users_paging_yields_every_user_once_with_and_without_the_clamp() {
    let config = SimConfig::with_inventory_users(250);
    let expected: Vec<i64> = {
        let sim = Sim::start(config.clone()).await;
        sim.ctl()
            .dataset()
            .inventory_users
            .iter()
            .map(|u| u.id)
            .collect()
    };
    assert_eq!(expected.len(), 250);

    let plain = Sim::start(config.clone()).await;
    let token = plain.token().await;
    let pages = walk(&plain, &token, 60, true).await;
    assert_eq!(pages.len(), 5, "250 = 4 * 60 + 10");
    assert!(
        pages
            .iter()
            .all(|p| p["totalCount"] == 250 && p["pageSize"] == 60 && p["totalPages"] == 5)
    );
    assert_eq!(all_ids(&pages), expected);
    assert_eq!(pages[4]["hasNext"], false);
    assert_eq!(pages[3]["hasNext"], true);
    let whole = walk(&plain, &token, 1000, true).await;
    assert_eq!(whole.len(), 1);
    assert_eq!(all_ids(&whole), expected);

    let clamped = Sim::start(SimConfig {
        quirks: Quirks {
            page_size_clamp: Some(40),
            ..Quirks::default()
        },
        ..config.clone()
    })
    .await;
    let token = clamped.token().await;
    let pages = walk(&clamped, &token, 1000, false).await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p["results"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [40, 40, 40, 40, 40, 40, 10, 0]);
    assert!(
        pages
            .iter()
            .all(|p| p["totalCount"] == 250 && p["pageSize"] == 40 && p["totalPages"] == 7)
    );
    assert_eq!(all_ids(&pages), expected, "every user exactly once");
    // Trusting hasNext reaches the end too: it counts in clamped pages.
    assert_eq!(all_ids(&walk(&clamped, &token, 1000, true).await), expected);
    // Below the clamp the requested size stands.
    let small = clamped
        .json("/api/v1/users?page=1&page-size=7", &token)
        .await;
    assert_eq!(result_ids(&small), expected[7..14]);

    let surplus = Sim::start(SimConfig {
        quirks: Quirks {
            total_count_surplus: 5,
            ..Quirks::default()
        },
        ..config
    })
    .await;
    let token = surplus.token().await;
    let last = surplus
        .json("/api/v1/users?page=4&page-size=50", &token)
        .await;
    assert_eq!(
        (&last["totalCount"], &last["totalPages"], &last["hasNext"]),
        (&json!(255), &json!(6), &json!(true))
    );
    assert_eq!(last["results"].as_array().unwrap().len(), 50);
    let beyond = surplus
        .json("/api/v1/users?page=5&page-size=50", &token)
        .await;
    assert_eq!(beyond["results"], json!([]));
    assert_eq!(beyond["hasNext"], false);
}

#[tokio::test]
async fn v1_users_appear_in_11_26() {
    let sim = Sim::start(SimConfig {
        jamf_version: "11.25.2".into(),
        ..SimConfig::default()
    })
    .await;
    let token = sim.token().await;
    for path in ["/api/v1/users", "/api/v1/users/1"] {
        let resp = sim.get(path, &token, true).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(
            (&body["httpStatus"], &body["errors"][0]["code"]),
            (&json!(404), &json!("NOT_FOUND"))
        );
    }
    for path in [
        "/JSSResource/users",
        "/JSSResource/users/id/1",
        "/JSSResource/usergroups",
        "/JSSResource/usergroups/id/2",
    ] {
        assert_eq!(
            sim.status(path, &token).await,
            StatusCode::OK,
            "{path}: Classic at every version"
        );
    }
    sim.ctl().set_jamf_version("11.26.0");
    assert_eq!(sim.json("/api/v1/users", &token).await["totalCount"], 30);
    sim.ctl().set_jamf_version("11.30.1");
    assert_eq!(sim.json("/api/v1/users/1", &token).await["id"], "1");
    let stats = sim.ctl().stats();
    assert_eq!(stats.by_endpoint_status["GET /api/v1/users 404"], 1);
    assert_eq!(stats.by_endpoint_status["GET /api/v1/users 200"], 1);
    assert_eq!(stats.by_endpoint_status["GET /api/v1/users/{id} 404"], 1);
    assert_eq!(stats.count("GET /JSSResource/users"), 1);
    assert_eq!(stats.count("GET /JSSResource/users/id/{id}"), 1);
    assert_eq!(stats.count("GET /JSSResource/usergroups"), 1);
    assert_eq!(stats.count("GET /JSSResource/usergroups/id/{id}"), 1);
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
    sim.status(path, token).await
}

#[tokio::test]
async fn each_missing_privilege_answers_403() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let ok = StatusCode::OK;
    let forbidden = StatusCode::FORBIDDEN;

    sim.ctl().set_client_privileges(without("Read User"));
    for path in [
        "/JSSResource/users",
        "/JSSResource/users/id/1",
        "/api/v1/users",
        "/api/v1/users/1",
    ] {
        assert_eq!(status(&sim, &token, path).await, forbidden, "{path}");
    }
    let resp = sim.get("/JSSResource/users", &token, true).await;
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("refusing to fulfill it")
    );
    let resp = sim.get("/api/v1/users", &token, true).await;
    assert_eq!(resp.json::<Value>().await.unwrap()["httpStatus"], 403);
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
        "/api/v1/users",
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
    let json = [
        "/JSSResource/users",
        "/JSSResource/usergroups",
        "/api/v1/users?page-size=1000",
        "/JSSResource/usergroups/id/1",
        "/JSSResource/usergroups/id/5",
    ];
    let xml = (1..=11).map(|id| format!("/JSSResource/users/id/{id}"));
    sim.bodies(&json, xml).await
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
    let few = Sim::start(SimConfig::with_inventory_users(0)).await;
    let many = Sim::start(SimConfig::with_inventory_users(500)).await;
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

#[tokio::test]
async fn classic_and_v1_agree_on_every_user() {
    let sim = Sim::start(SimConfig::with_inventory_users(400)).await;
    let token = sim.token().await;
    let v1 = sim.json("/api/v1/users?page-size=1000", &token).await;
    let classic = sim.json("/JSSResource/users", &token).await;
    let mut from_classic: Vec<(i64, String)> = classic["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["id"].as_i64().unwrap(),
                u["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    from_classic.sort();
    let from_v1: Vec<(i64, String)> = v1["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap().parse().unwrap(),
                u["username"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(from_classic, from_v1);
    let data = sim.ctl().dataset();
    assert!(data.user_groups.len() >= 8, "departments at scale");
    for (u, r) in data
        .inventory_users
        .iter()
        .zip(v1["results"].as_array().unwrap())
    {
        assert_eq!(r["realname"], u.full_name.as_str());
        assert_eq!(r["email"], u.email_address.as_str());
        assert_eq!(r["phone"], u.phone_number.as_str());
        assert_eq!(r["position"], u.position.as_str());
    }
    for u in data.inventory_users.iter().step_by(37) {
        let c = classic_user(&sim, &token, u.id).await;
        assert_eq!(c["email"], u.email.as_str());
        assert_eq!(c["email_address"], u.email_address.as_str());
        assert_eq!(
            c["sites"].as_array().unwrap().len(),
            u.site_ids.len(),
            "{c}"
        );
        assert_eq!(
            c["user_groups"]["size"],
            data.user_groups_of(u.id).count(),
            "{c}"
        );
    }
}
