//! Jamf Pro API accounts and account groups: paging, sort, filter, detail, 404s, and the
//! `page-size` clamp and empty-members quirks.

use std::collections::BTreeSet;

use jamf_sim::{Quirks, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Sim, result_ids};

#[tokio::test]
async fn accounts_default_page_sorted_by_username_with_v1_spellings() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let body = sim.json("/api/v1/accounts", &token).await;
    assert_eq!(body["totalCount"], 50);
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 50);
    let names: Vec<String> = results
        .iter()
        .map(|r| r["username"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]));
    let one = sim.json("/api/v1/accounts/1", &token).await;
    assert_eq!(
        one,
        json!({"id": "1", "username": "admin", "realname": "Jane Doe", "email": "jane.doe@example.com",
               "phone": "", "ldapServerId": -1, "distinguishedName": "", "siteId": -1,
               "accessLevel": "FullAccess", "privilegeLevel": "ADMINISTRATOR",
               "lastPasswordChange": one["lastPasswordChange"], "changePasswordOnNextLogin": false,
               "failedLoginAttempts": 0, "accountStatus": "Enabled", "accountType": "DEFAULT"})
    );
    let site = sim.json("/api/v1/accounts/9", &token).await;
    assert_eq!(
        (site["accessLevel"].as_str(), site["siteId"].as_i64()),
        (Some("SiteAccess"), Some(1))
    );
    let group = sim.json("/api/v1/accounts/7", &token).await;
    assert_eq!(group["accessLevel"], "GroupBasedAccess");
    let enroll = sim.json("/api/v1/accounts/13", &token).await;
    assert_eq!(enroll["privilegeLevel"], "ENROLLMENT");
    let fed = sim.json("/api/v1/accounts/14", &token).await;
    assert_eq!(fed["accountType"], "FEDERATED");
    let ldap = sim.json("/api/v1/accounts/6", &token).await;
    assert_eq!(ldap["ldapServerId"], 1);
    assert!(
        ldap["distinguishedName"]
            .as_str()
            .unwrap()
            .starts_with("CN=John Public")
    );
    let resp = sim.get("/api/v1/accounts/9999", &token, true).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["httpStatus"], 404);
}

#[tokio::test]
async fn last_page_and_page_past_the_end() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let last = sim
        .json("/api/v1/accounts?page=7&page-size=7&sort=id:asc", &token)
        .await;
    assert_eq!(last["totalCount"], 50);
    assert_eq!(last["results"].as_array().unwrap().len(), 1, "50 = 7*7 + 1");
    let past = sim
        .json("/api/v1/accounts?page=8&page-size=7", &token)
        .await;
    assert_eq!(past, json!({"totalCount": 50, "results": []}));
    let mut all = Vec::new();
    for page in 0..8 {
        all.extend(result_ids(
            &sim.json(
                &format!("/api/v1/accounts?page={page}&page-size=7&sort=id"),
                &token,
            )
            .await,
        ));
    }
    let mut sorted = all.clone();
    sorted.dedup();
    assert_eq!(all.len(), 50);
    assert_eq!(sorted, all, "pages neither overlap nor skip");
}

#[tokio::test]
async fn sort_by_several_fields_and_ignore_unknown_ones() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let desc = result_ids(
        &sim.json("/api/v1/accounts?sort=id:desc&page-size=3", &token)
            .await,
    );
    assert!(desc[0] > desc[1] && desc[1] > desc[2]);
    let body = sim
        .json(
            "/api/v1/accounts?sort=accountStatus:asc,id:desc&page-size=200",
            &token,
        )
        .await;
    let rows = body["results"].as_array().unwrap();
    let first_enabled = rows
        .iter()
        .position(|r| r["accountStatus"] == "Enabled")
        .unwrap();
    assert!(
        rows[..first_enabled]
            .iter()
            .all(|r| r["accountStatus"] == "Disabled")
    );
    let disabled: Vec<i64> = result_ids(&json!({"results": rows[..first_enabled].to_vec()}));
    assert!(disabled.windows(2).all(|w| w[0] > w[1]));
    let ignored = result_ids(
        &sim.json("/api/v1/accounts?sort=accessLevel:desc&page-size=5", &token)
            .await,
    );
    assert_eq!(
        ignored,
        [1, 2, 3, 4, 5],
        "unknown sort field ignored, id order remains"
    );
}

#[tokio::test]
async fn filters_with_quotes_lists_and_logic_set_total_count() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let q = |f: &str| format!("/api/v1/accounts?filter={}", urlencode(f));
    let one = sim
        .json(&q("realname==\"Mary Ann van der Berg\""), &token)
        .await;
    assert_eq!(
        (one["totalCount"].as_i64(), result_ids(&one)),
        (Some(1), vec![7])
    );
    let single = sim.json(&q("realname=='Jane Doe'"), &token).await;
    assert_eq!(result_ids(&single), [1]);
    let list = sim.json(&q("username=in=(admin,CHER)"), &token).await;
    assert_eq!(list["totalCount"], 2, "case-insensitive");
    let locked = sim
        .json(
            &q("accountStatus==Disabled and failedLoginAttempts>=3"),
            &token,
        )
        .await;
    assert!(result_ids(&locked).contains(&3) && !result_ids(&locked).contains(&2));
    let either = sim
        .json(&q("username==cher or username==admin;siteId==-1"), &token)
        .await;
    assert_eq!(either["totalCount"], 2);
    let wildcard = sim.json(&q("username==rachel*"), &token).await;
    assert_eq!(result_ids(&wildcard), [2]);
    let paged = sim
        .json(
            &format!("{}&page-size=2", q("privilegeLevel!=ADMINISTRATOR")),
            &token,
        )
        .await;
    assert!(paged["totalCount"].as_i64().unwrap() > 2);
    assert_eq!(paged["results"].as_array().unwrap().len(), 2);
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).unwrap()[1..].to_owned()
}

#[tokio::test]
async fn bad_query_parameters_get_400_api_errors() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    for query in [
        "page=-1",
        "page=one",
        "page-size=0",
        "page-size=5000",
        "sort=id:sideways",
        "filter=bogus%3D%3D1",
        "filter=username%3D%3D%27open",
        "filter=siteId%3D%3Dabc",
    ] {
        let resp = sim
            .get(&format!("/api/v1/accounts?{query}"), &token, true)
            .await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["httpStatus"], 400, "{query}");
        assert!(body["errors"][0]["code"].is_string());
    }
}

#[tokio::test]
async fn account_groups_have_filled_members_and_string_ids() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let body = sim.json("/api/v1/account-groups", &token).await;
    assert_eq!(body["totalCount"], 6);
    let names: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "Auditors", "default sort name:asc");
    let g4 = sim.json("/api/v1/account-groups/4", &token).await;
    assert_eq!(
        (g4["siteId"].as_str(), g4["ldapServerId"].as_str()),
        (Some("-1"), Some("1"))
    );
    assert!(!g4["directoryGroupId"].as_str().unwrap().is_empty());
    assert_eq!(
        g4["members"][0],
        json!({"id": "18", "username": "dana.scully", "realname": "Dana Scully", "email": "dana.scully@corp.example.com"})
    );
    assert!(
        g4["privileges"]
            .as_array()
            .unwrap()
            .contains(&json!("Update Accounts"))
    );
    let g2 = sim.json("/api/v1/account-groups/2", &token).await;
    assert_eq!(
        (g2["accessLevel"].as_str(), g2["siteId"].as_str()),
        (Some("SiteAccess"), Some("2"))
    );
    let filtered = sim
        .json(
            "/api/v1/account-groups?filter=name%3D%3D%22Group%20Based%20Team%22",
            &token,
        )
        .await;
    assert_eq!(filtered["results"][0]["accessLevel"], "GroupBasedAccess");
    let resp = sim.get("/api/v1/account-groups/77", &token, true).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["errors"][0]["description"],
        "account group does not exist"
    );
}

/// Pages through `path` asking for 2000 a page until an empty page; checks every page's
/// `totalCount` is `total` and returns the page sizes and all ids.
async fn walk(sim: &Sim, token: &str, path: &str, total: usize) -> (Vec<usize>, Vec<String>) {
    let (mut sizes, mut ids) = (Vec::new(), Vec::new());
    for page in 0.. {
        let body = sim
            .json(&format!("{path}?page={page}&page-size=2000"), token)
            .await;
        assert_eq!(body["totalCount"], total, "{path} page {page}");
        let results = body["results"].as_array().unwrap();
        if results.is_empty() {
            return (sizes, ids);
        }
        sizes.push(results.len());
        ids.extend(results.iter().map(|r| r["id"].to_string()));
    }
    unreachable!("pages are finite")
}

#[tokio::test]
async fn page_size_clamp_pages_every_v1_list_with_the_true_total() {
    let sim = Sim::start(SimConfig {
        accounts: 20,
        quirks: Quirks {
            page_size_clamp: Some(2),
            ..Quirks::default()
        },
        ..SimConfig::default()
    })
    .await;
    let token = sim.token().await;
    let data = sim.ctl().dataset();
    for (path, total) in [
        ("/api/v1/accounts", data.accounts.len()),
        ("/api/v1/account-groups", data.groups.len()),
        ("/api/v1/api-roles", data.api_roles.len()),
        ("/api/v1/api-integrations", data.api_integrations.len()),
    ] {
        let (sizes, ids) = walk(&sim, &token, path, total).await;
        let full_pages = total / 2;
        assert_eq!(sizes[..full_pages], vec![2; full_pages][..], "{path}");
        assert_eq!(sizes.len(), total.div_ceil(2), "{path}: {sizes:?}");
        let unique: BTreeSet<_> = ids.iter().collect();
        assert_eq!((ids.len(), unique.len()), (total, total), "{path}");
    }
    // Below the clamp the requested size stands.
    let body = sim
        .json("/api/v1/accounts?page=3&page-size=1&sort=id", &token)
        .await;
    assert_eq!(result_ids(&body), vec![4]);

    let unclamped = Sim::start(SimConfig::with_accounts(20)).await;
    let token = unclamped.token().await;
    let (sizes, _) = walk(&unclamped, &token, "/api/v1/accounts", 20).await;
    assert_eq!(sizes, vec![20]);
}

#[tokio::test]
async fn v1_members_empty_empties_list_and_detail() {
    let sim = Sim::start(SimConfig {
        quirks: Quirks {
            v1_members_empty: true,
            ..Quirks::default()
        },
        ..SimConfig::default()
    })
    .await;
    let token = sim.token().await;
    let list = sim.json("/api/v1/account-groups", &token).await;
    let groups = list["results"].as_array().unwrap();
    assert_eq!(groups.len(), 6);
    assert!(groups.iter().all(|g| g["members"] == json!([])), "{list}");
    let g4 = sim.json("/api/v1/account-groups/4", &token).await;
    assert_eq!(g4["members"], json!([]));
    // Membership is still on the account side (Classic).
    let classic = sim.json("/JSSResource/accounts/userid/18", &token).await;
    assert!(
        classic.to_string().contains("Directory Admins"),
        "{classic}"
    );
}
