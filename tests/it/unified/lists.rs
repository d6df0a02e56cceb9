//! Users, groups, roles and workspaces: pages, filters, views and parameter errors.

use super::{Fixture, USERS};
use crate::support::send_expecting;
use jamf_sim::{AccessLevel, SimConfig, SsoConfig};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn pages_of_seven_yield_every_record_exactly_once_normalized() {
    let f = Fixture::start(SimConfig::with_accounts(57)).await;
    let dataset = f.sim.control().dataset();
    let users = f.all_records(USERS, "", 7).await;
    let ids: Vec<u64> = users
        .iter()
        .map(|u| u["id"].as_str().unwrap().parse().unwrap())
        .collect();
    let mut expected: Vec<u64> = dataset.accounts.iter().map(|a| a.id as u64).collect();
    expected.sort_unstable();
    assert_eq!(ids, expected, "every account once, in keyset order");
    for (user, account) in users.iter().zip(
        dataset
            .accounts
            .iter()
            .map(|a| (a.id, a))
            .collect::<std::collections::BTreeMap<_, _>>()
            .values(),
    ) {
        assert_eq!(user["type"], "admin");
        assert_eq!(user["username"], account.username.as_str());
        assert_eq!(
            user["status"],
            if account.enabled {
                "active"
            } else {
                "inactive"
            }
        );
        let level = match account.access_level {
            AccessLevel::Full => "full_access",
            AccessLevel::Site => "site_access",
            AccessLevel::Group => "group_access",
        };
        assert_eq!(user["access_level"], level, "{user}");
        assert!(
            user.get("permissions").is_none(),
            "permissions are opt-in on lists"
        );
        assert!(user["remote_data"].is_object());
        let emails = user["emails"].as_array().unwrap();
        assert!(emails.iter().take(1).all(|e| e["is_primary"] == true));
        assert!(emails.iter().skip(1).all(|e| e["is_primary"] == false));
    }

    let groups = f.all_ids("/unified/user-directory/groups", "", 7).await;
    let mut expected: Vec<String> = dataset.groups.iter().map(|g| g.id.to_string()).collect();
    expected.sort_by_key(|id| id.parse::<u64>().unwrap());
    assert_eq!(groups, expected);
    let sites = f.all_ids("/unified/user-directory/workspaces", "", 7).await;
    let mut expected: Vec<String> = dataset.sites.iter().map(|s| s.id.to_string()).collect();
    expected.sort_by_key(|id| id.parse::<u64>().unwrap());
    assert_eq!(sites, expected);
    let roles = f.all_ids("/unified/user-directory/roles", "", 7).await;
    let mut unique = roles.clone();
    unique.dedup();
    assert_eq!(unique, roles, "no role twice");
    for role in &dataset.api_roles {
        assert!(
            roles.contains(&format!("api-role-{}", role.id)),
            "{roles:?}"
        );
    }
    assert!(roles.iter().any(|r| r == "administrator"));
}

#[tokio::test]
async fn filters_select_what_they_name() {
    let f = Fixture::start(SimConfig::default()).await;
    let inactive = f.json(USERS, "status=inactive").await;
    let statuses: Vec<&str> = inactive["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert!(!statuses.is_empty() && statuses.iter().all(|s| *s == "inactive"));
    assert!(
        inactive["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "rachel.green")
    );

    let kim = f.json(USERS, "email=KIM.LEE%40EXAMPLE.COM").await;
    let kim_any = f.json(USERS, "username=KIM.LEE").await;
    assert_eq!(kim_any["result_count"], 1);
    let kim_email = kim_any["result"][0]["emails"][0]["email"]
        .as_str()
        .unwrap()
        .to_string();
    let by_email = f
        .json(
            USERS,
            &format!("email={}", kim_email.to_uppercase().replace('@', "%40")),
        )
        .await;
    assert_eq!(by_email["result"][0]["username"], "kim.lee", "{kim}");

    let auditors = f.json(USERS, "role_id=auditor").await;
    assert!(auditors["result"].as_array().unwrap().iter().all(|u| {
        u["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "auditor")
    }));
    let group = f.json(USERS, "group_id=1").await;
    assert!(
        group["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "mary.vanderberg")
    );
    let site = f.json(USERS, "workspace_id=1").await;
    assert!(
        site["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "site.admin")
    );

    let clients = f.json(USERS, "type=service-account").await;
    let clients = clients["result"].as_array().unwrap();
    assert!(!clients.is_empty());
    assert!(
        clients
            .iter()
            .all(|u| u["type"] == "service-account" && u["is_2fa_enabled"].is_null())
    );
    let all = f.json(USERS, "type=all&limit=1000").await;
    assert_eq!(
        all["result_count"].as_u64().unwrap() as usize,
        f.sim.control().dataset().accounts.len() + clients.len()
    );

    // SSO on without bypass (the simulator's default): every admin's login passes the IdP.
    let mfa = f.json(USERS, "is_2fa_enabled=true").await;
    assert_eq!(
        mfa["result_count"].as_u64().unwrap() as usize,
        f.sim.control().dataset().accounts.len()
    );
    assert_eq!(
        f.json(USERS, "is_2fa_enabled=false").await["result_count"],
        0
    );
}

#[tokio::test]
async fn mfa_is_false_with_bypass_and_unknown_without_sso_privilege() {
    let f = Fixture::start(SimConfig {
        sso: SsoConfig {
            sso_enabled: true,
            sso_bypass_allowed: true,
            configuration_type: "SAML".into(),
        },
        ..SimConfig::default()
    })
    .await;
    let page = f.json(USERS, "limit=5").await;
    assert!(
        page["result"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["is_2fa_enabled"] == false)
    );

    f.withhold_privilege("Read SSO Settings");
    let page = f
        .get_fresh(USERS, "limit=5")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert!(
        page["result"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["is_2fa_enabled"].is_null() && u["mfa"]["status"] == "unknown")
    );
    assert_eq!(page["is_partial_response"], true);
}

#[tokio::test]
async fn views_include_and_exclude_fields() {
    let f = Fixture::start(SimConfig::default()).await;
    let page = f.json(USERS, "limit=3&include=permissions&truto_ignore_remote_data=true&truto_exclude_fields[]=emails&truto_exclude_fields[]=groups").await;
    for user in page["result"].as_array().unwrap() {
        assert!(user["permissions"].is_array());
        assert!(
            user.get("remote_data").is_none()
                && user.get("emails").is_none()
                && user.get("groups").is_none()
        );
        assert!(user["username"].is_string());
    }
    let one = f.json(&format!("{USERS}/4"), "").await;
    assert_eq!(one["username"], "Wrong_Permissions");
    assert!(
        one["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["via"]["kind"] == "account")
    );
}

#[tokio::test]
async fn bad_parameters_get_clear_400s() {
    let f = Fixture::start(SimConfig::default()).await;
    let body: Value = send_expecting(
        f.app.client.get(f.app.url(USERS)).bearer_auth(&f.token),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        body["truto_error_insight"]["missing_required_query_parameters"]["value"][0],
        "integrated_account_id"
    );
    f.assert_refused(
        USERS,
        &[
            ("limit=0", "limit"),
            ("limit=5000", "limit"),
            ("status=locked", "status"),
            ("type=bot", "type"),
            ("is_2fa_enabled=maybe", "is_2fa_enabled"),
            ("next_cursor=garbage", "next_cursor"),
        ],
    )
    .await;
}

#[tokio::test]
async fn groups_roles_and_workspaces_are_served() {
    let f = Fixture::start(SimConfig::default()).await;
    let groups = f.json("/unified/user-directory/groups", "").await;
    let helpdesk = groups["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "1")
        .unwrap()
        .clone();
    assert!(
        helpdesk["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["username"] == "mary.vanderberg"),
        "members come from the account side"
    );
    assert_eq!(
        f.json("/unified/user-directory/groups/1", "").await["name"],
        helpdesk["name"]
    );
    let roles = f.json("/unified/user-directory/roles", "").await;
    assert!(
        roles["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "administrator" && r["type"] == "privilege_set")
    );
    assert!(
        roles["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["type"] == "api_role")
    );
    let sites = f
        .json("/unified/user-directory/workspaces", "limit=1")
        .await;
    assert_eq!(sites["result_count"], 1);
    assert!(sites["next_cursor"].is_string());
    assert_eq!(
        f.get("/unified/user-directory/workspaces/424242", "")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
