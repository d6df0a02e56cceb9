//! Classic API: XML and JSON renderings of every recorded quirk.

use std::collections::BTreeSet;

use jamf_sim::LOCKOUT_THRESHOLD;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Sim, content_type};

async fn account(sim: &Sim, token: &str, id: i64) -> Value {
    sim.json(&format!("/JSSResource/accounts/userid/{id}"), token)
        .await["account"]
        .clone()
}

/// The key set of an object (serde_json's map does not keep Jamf's key order).
fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

#[tokio::test]
async fn list_as_json_is_text_plain_sorted_by_name_with_group_sites() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let resp = sim.get("/JSSResource/accounts", &token, true).await;
    assert_eq!(content_type(&resp), "text/plain;charset=UTF-8");
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    let users = body["accounts"]["users"].as_array().unwrap();
    assert_eq!(users.len(), 50);
    let names: Vec<String> = users
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(
        names.windows(2).all(|w| w[0] <= w[1]),
        "sorted case-insensitively"
    );
    assert!(
        users
            .iter()
            .all(|u| u["id"].is_i64() && keys(u) == set(&["id", "name"]))
    );
    let groups = body["accounts"]["groups"].as_array().unwrap();
    assert_eq!(
        groups[0],
        json!({"id": 1, "name": "Helpdesk", "site": {"id": -1, "name": "NONE"}})
    );
    assert_eq!(groups[1]["site"], json!({"id": 2, "name": "Austin"}));
}

#[tokio::test]
async fn list_defaults_to_xml_without_size() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let resp = sim.get("/JSSResource/accounts", &token, false).await;
    assert!(content_type(&resp).starts_with("text/xml"));
    let xml = resp.text().await.unwrap();
    assert!(
        xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><accounts><users><user><id>"#)
    );
    assert!(xml.contains(
        "<group><id>1</id><name>Helpdesk</name><site><id>-1</id><name>NONE</name></site></group>"
    ));
    assert!(!xml.contains("<size>"));
}

#[tokio::test]
async fn full_access_administrator_has_no_site_or_ldap_keys_and_expanded_privileges() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let a = account(&sim, &token, 1).await;
    let raw = sim
        .get("/JSSResource/accounts/userid/1", &token, true)
        .await;
    let raw = raw.text().await.unwrap();
    let head = r#"{"account":{"id":1,"name":"admin","directory_user":false,"full_name":"Jane Doe","email":"jane.doe@example.com","email_address":"jane.doe@example.com","enabled":"Enabled","force_password_change":false,"access_level":"Full Access","privilege_set":"Administrator","privileges":{"jss_objects":["#;
    assert!(raw.starts_with(head), "Jamf's key order: {raw:.300}");
    assert_eq!(
        keys(&a),
        set(&[
            "id",
            "name",
            "directory_user",
            "full_name",
            "email",
            "email_address",
            "enabled",
            "force_password_change",
            "access_level",
            "privilege_set",
            "privileges"
        ])
    );
    assert_eq!(
        (a["name"].as_str(), a["enabled"].as_str()),
        (Some("admin"), Some("Enabled"))
    );
    assert_eq!(a["access_level"], "Full Access");
    assert_eq!(a["privilege_set"], "Administrator");
    let p = &a["privileges"];
    assert_eq!(
        keys(p),
        set(&[
            "jss_objects",
            "jss_settings",
            "jss_actions",
            "recon",
            "casper_admin"
        ])
    );
    assert!(p["jss_objects"].as_array().unwrap().len() > 100);
    assert!(
        p["jss_objects"]
            .as_array()
            .unwrap()
            .contains(&json!("Update Accounts"))
    );
    assert_eq!(
        p["recon"],
        json!(["Add Computers Remotely", "Create QuickAdd Packages"])
    );
}

#[tokio::test]
async fn auditor_disabled_and_locked_accounts() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let a = account(&sim, &token, 2).await;
    assert_eq!(
        (a["privilege_set"].as_str(), a["enabled"].as_str()),
        (Some("Auditor"), Some("Disabled"))
    );
    let p = &a["privileges"];
    assert_eq!(
        keys(p),
        set(&["jss_objects", "jss_settings", "jss_actions"]),
        "empty categories omitted"
    );
    let reads = p["jss_objects"].as_array().unwrap();
    assert!(
        reads
            .iter()
            .all(|x| x.as_str().unwrap().starts_with("Read "))
    );
    assert_eq!(p["jss_actions"].as_array().unwrap().len(), 3);
    let locked = account(&sim, &token, 3).await;
    assert_eq!(locked["enabled"], "Disabled");
    let v1 = sim.json("/api/v1/accounts/3", &token).await;
    assert_eq!(v1["failedLoginAttempts"], LOCKOUT_THRESHOLD);
    assert_eq!(v1["accountStatus"], "Disabled");
}

#[tokio::test]
async fn custom_privileges_omit_or_render_empty_categories() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let only_objects = account(&sim, &token, 4).await;
    assert_eq!(only_objects["name"], "Wrong_Permissions");
    assert_eq!(only_objects["privilege_set"], "Custom");
    assert_eq!(keys(&only_objects["privileges"]), set(&["jss_objects"]));
    assert!(
        only_objects["privileges"]["jss_objects"]
            .as_array()
            .unwrap()
            .contains(&json!("Read Accounts"))
    );
    let with_empty = account(&sim, &token, 5).await;
    assert_eq!(with_empty["privileges"]["jss_settings"], json!([]));
    assert_eq!(with_empty["privileges"]["casper_admin"], json!([]));
    let xml = sim
        .get("/JSSResource/accounts/userid/5", &token, false)
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<jss_settings/>"));
    let xml = sim
        .get("/JSSResource/accounts/userid/4", &token, false)
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<privileges><jss_objects><privilege>") && !xml.contains("jss_settings"));
}

#[tokio::test]
async fn directory_user_and_site_access_accounts() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let ldap = account(&sim, &token, 6).await;
    assert_eq!(ldap["directory_user"], true);
    assert_eq!(ldap["ldap_server"], json!({"id": 1, "name": "Corp AD"}));
    let site = account(&sim, &token, 9).await;
    assert_eq!(site["access_level"], "Site Access");
    assert_eq!(site["site"], json!({"id": 1, "name": "Eau Claire"}));
    assert_eq!(site["full_name"], "");
    assert!(site.get("ldap_server").is_none());
}

#[tokio::test]
async fn group_access_privileges_only_through_groups_and_classic_members_empty() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let a = account(&sim, &token, 7).await;
    assert_eq!(a["access_level"], "Group Access");
    assert_eq!(a["full_name"], "Mary Ann van der Berg");
    assert!(a.get("privileges").is_none());
    let groups = a["groups"].as_array().unwrap();
    let ids: Vec<i64> = groups.iter().map(|g| g["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1, 3]);
    assert_eq!(keys(&groups[0]), set(&["id", "name", "privileges"]));
    assert!(
        groups[0]["privileges"]["jss_objects"]
            .as_array()
            .unwrap()
            .contains(&json!("Read Computers"))
    );

    let g1 = sim.json("/JSSResource/accounts/groupid/1", &token).await["group"].clone();
    assert_eq!(
        g1["members"],
        json!([]),
        "account 7 lists group 1, group 1 lists nobody"
    );
    assert_eq!(
        keys(&g1["privileges"]),
        set(&["jss_objects", "jss_actions"])
    );
    let g3 = sim.json("/JSSResource/accounts/groupid/3", &token).await["group"].clone();
    assert!(
        g3["members"]
            .as_array()
            .unwrap()
            .contains(&json!({"id": 7, "name": "mary.vanderberg"}))
    );
    let v1 = sim.json("/api/v1/account-groups/1", &token).await;
    assert!(
        v1["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == "7")
    );

    let xml = sim
        .get("/JSSResource/accounts/userid/7", &token, false)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        xml.contains("<groups><group><id>1</id><name>Helpdesk</name><privileges><jss_objects>")
    );
    let xml = sim
        .get("/JSSResource/accounts/groupid/1", &token, false)
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.ends_with("<members/></group>"));
}

#[tokio::test]
async fn email_quirks_are_served_verbatim() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let cases = [
        (10, "", "alex.smith@example.com"),
        (11, "Kim.Lee@Example.COM", "kim.lee@example.com"),
        (12, "  sam.jones@example.com ", "sam.jones@example.com"),
    ];
    for (id, email, address) in cases {
        let a = account(&sim, &token, id).await;
        assert_eq!(
            (a["email"].as_str(), a["email_address"].as_str()),
            (Some(email), Some(address))
        );
    }
    let a15 = account(&sim, &token, 15).await;
    let a16 = account(&sim, &token, 16).await;
    assert!(
        a15["email"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case(a16["email"].as_str().unwrap())
    );
}

#[tokio::test]
async fn lookups_by_name_and_404_pages() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let by_name = sim
        .json("/JSSResource/accounts/username/Cher", &token)
        .await;
    assert_eq!(by_name["account"]["id"], 8);
    let group = sim
        .json("/JSSResource/accounts/groupname/Directory%20Admins", &token)
        .await;
    assert_eq!(group["group"]["ldap_server"]["name"], "Corp AD");
    for path in [
        "userid/9999",
        "userid/abc",
        "username/nobody",
        "groupid/99",
        "groupname/none",
    ] {
        let resp = sim
            .get(&format!("/JSSResource/accounts/{path}"), &token, true)
            .await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(resp.text().await.unwrap().contains(">Not Found</p>"));
    }
}

#[tokio::test]
async fn xml_escapes_special_characters() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let xml = sim
        .get("/JSSResource/accounts/userid/20", &token, false)
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<full_name>R&amp;D &lt;Ops&gt; Team</full_name>"));
    let xml = sim
        .get("/JSSResource/accounts/userid/17", &token, false)
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<full_name>José García</full_name>"));
}

#[tokio::test]
async fn sites_in_json_and_xml() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let json = sim.json("/JSSResource/sites", &token).await;
    assert_eq!(json["sites"][0], json!({"id": 1, "name": "Eau Claire"}));
    let xml = sim
        .get("/JSSResource/sites", &token, false)
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<sites><size>3</size><site><id>1</id><name>Eau Claire</name></site>"));
}

#[tokio::test]
async fn classic_and_v1_agree_on_ids_names_and_statuses() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let classic = sim.json("/JSSResource/accounts", &token).await;
    let v1 = sim
        .json("/api/v1/accounts?page-size=2000&sort=id", &token)
        .await;
    let mut from_classic: Vec<(String, String)> = classic["accounts"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["id"].to_string(), u["name"].as_str().unwrap().to_owned()))
        .collect();
    from_classic.sort_by_key(|(id, _)| id.parse::<i64>().unwrap());
    let from_v1: Vec<(String, String)> = v1["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap().to_owned(),
                u["username"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(from_classic, from_v1);
    for u in v1["results"].as_array().unwrap().iter().take(25) {
        let c = account(&sim, &token, u["id"].as_str().unwrap().parse().unwrap()).await;
        assert_eq!(c["enabled"], u["accountStatus"]);
        assert_eq!(c["full_name"], u["realname"]);
    }
}
