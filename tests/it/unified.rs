//! The unified user-directory API end to end: real service, real simulator, real SQLite.

use std::time::Duration;

use jamf_directory::settings::Settings;
use jamf_directory::sim::{Availability, Faults, SimConfig, SimServer, SsoConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{ADMIN_ID, ADMIN_SECRET, TestApp, caller, spawn_app, test_settings};

const USERS: &str = "/unified/user-directory/users";

/// A service with one integrated account connected to a fresh simulator.
struct Fixture {
    app: TestApp,
    sim: SimServer,
    token: String,
    account: String,
}

impl Fixture {
    async fn start(sim_config: SimConfig) -> Self {
        Self::start_with(sim_config, test_settings()).await
    }

    async fn start_with(sim_config: SimConfig, settings: Settings) -> Self {
        let sim = SimServer::start(sim_config).await.expect("simulator");
        let app = spawn_app(settings).await;
        let token = bearer(&app).await;
        let created: Value = app
            .client
            .post(app.url("/integrated-account"))
            .bearer_auth(&token)
            .json(&json!({
                "tenant_id": "acme",
                "authentication_method": "oauth2_client_credentials",
                "context": {
                    "instance_url": sim.base_url(),
                    "client_id": sim.control().config().client_id,
                    "client_secret": sim.control().config().client_secret,
                }
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(created["status"], "active", "{created}");
        let account = created["id"].as_str().unwrap().to_string();
        sim.control().reset_stats();
        Self {
            app,
            sim,
            token,
            account,
        }
    }

    async fn get(&self, path: &str, query: &str) -> reqwest::Response {
        self.get_with(path, query, &[]).await
    }

    async fn get_with(
        &self,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let sep = if query.is_empty() { "" } else { "&" };
        let mut request = self
            .app
            .client
            .get(self.app.url(&format!(
                "{path}?integrated_account_id={}{sep}{query}",
                self.account
            )))
            .bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    async fn json(&self, path: &str, query: &str) -> Value {
        let response = self.get(path, query).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}?{query}");
        response.json().await.unwrap()
    }

    /// Every id the users list yields for `query`, walking all pages of `limit`.
    async fn all_user_ids(&self, query: &str, limit: usize) -> Vec<String> {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut q = format!("limit={limit}&{query}");
            if let Some(c) = &cursor {
                q.push_str(&format!("&next_cursor={c}"));
            }
            let page = self.json(USERS, q.trim_end_matches('&')).await;
            assert_eq!(
                page["result_count"].as_u64().unwrap() as usize,
                page["result"].as_array().unwrap().len()
            );
            assert!(page["prev_cursor"].is_null());
            ids.extend(
                page["result"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| u["id"].as_str().unwrap().to_string()),
            );
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        ids
    }
}

pub async fn bearer(app: &TestApp) -> String {
    token_for(app, ADMIN_ID, ADMIN_SECRET).await
}

pub async fn token_for(app: &TestApp, id: &str, secret: &str) -> String {
    let token: Value = app
        .client
        .post(app.url("/auth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().expect("a token").to_string()
}

#[tokio::test]
async fn lists_every_admin_once_across_pages() {
    let f = Fixture::start(SimConfig {
        accounts: 57,
        ..SimConfig::default()
    })
    .await;
    let ids = f.all_user_ids("", 10).await;
    let expected: Vec<String> = f
        .sim
        .control()
        .dataset()
        .accounts
        .iter()
        .map(|a| a.id.to_string())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_by_key(|id| id.parse::<u64>().unwrap());
    assert_eq!(ids, sorted, "keyset order");
    let mut expected_sorted = expected.clone();
    expected_sorted.sort_by_key(|id| id.parse::<u64>().unwrap());
    assert_eq!(ids, expected_sorted);
    let page = f.json(USERS, "").await;
    assert_eq!(page["result_count"], 57, "default limit 100 holds them all");
    assert!(page["next_cursor"].is_null());
    let first = &page["result"][0];
    assert_eq!(first["type"], "admin");
    assert!(
        first.get("permissions").is_none(),
        "permissions are opt-in on lists"
    );
    assert!(first["remote_data"].is_object());
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

    f.sim
        .control()
        .set_faults(Faults {
            missing_privileges: vec!["Read SSO Settings".into()],
            ..Faults::default()
        })
        .unwrap();
    let page = f
        .get_with(USERS, "limit=5", &[("cache-control", "no-cache")])
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
    let missing = f
        .app
        .client
        .get(f.app.url(USERS))
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(
        body["truto_error_insight"]["missing_required_query_parameters"]["value"][0],
        "integrated_account_id"
    );
    for (query, name) in [
        ("limit=0", "limit"),
        ("limit=5000", "limit"),
        ("status=locked", "status"),
        ("type=bot", "type"),
        ("is_2fa_enabled=maybe", "is_2fa_enabled"),
        ("next_cursor=garbage", "next_cursor"),
    ] {
        let response = f.get(USERS, query).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains(name),
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn cursors_survive_refreshes_and_refuse_tampering() {
    let f = Fixture::start(SimConfig::default()).await;
    let first = f.json(USERS, "limit=5").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let fresh = f
        .get_with(USERS, "limit=1", &[("cache-control", "no-cache")])
        .await;
    assert_eq!(
        fresh.headers()["cache-status"],
        "jamf-directory; fwd=request; stored"
    );
    let second = f
        .json(USERS, &format!("limit=5&next_cursor={cursor}"))
        .await;
    let last_first: u64 = first["result"][4]["id"].as_str().unwrap().parse().unwrap();
    let first_second: u64 = second["result"][0]["id"].as_str().unwrap().parse().unwrap();
    assert!(first_second > last_first);

    let other_filter = f
        .get(
            USERS,
            &format!("limit=5&status=active&next_cursor={cursor}"),
        )
        .await;
    assert_eq!(other_filter.status(), StatusCode::BAD_REQUEST);
    let mut tampered = cursor.clone();
    tampered.insert(3, 'x');
    assert_eq!(
        f.get(USERS, &format!("limit=5&next_cursor={tampered}"))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_cache_says_what_it_served_and_coalesces_cold_fetches() {
    let f = Fixture::start(SimConfig {
        latency: Duration::from_millis(20),
        ..SimConfig::default()
    })
    .await;
    let calls = (0..30).map(|_| f.get(USERS, "limit=1"));
    let responses = futures::future::join_all(calls).await;
    assert!(responses.iter().all(|r| r.status() == StatusCode::OK));
    let stats = f.sim.control().stats();
    assert_eq!(
        stats.count("GET /api/v1/accounts"),
        1,
        "one fetch for 30 callers: {stats:?}"
    );
    let misses = responses
        .iter()
        .filter(|r| {
            r.headers()["cache-status"]
                .to_str()
                .unwrap()
                .contains("fwd=miss")
        })
        .count();
    assert_eq!(misses, 1);

    let hit = f.get(USERS, "limit=1").await;
    assert_eq!(hit.headers()["cache-status"], "jamf-directory; hit");
    assert!(
        hit.headers()["age"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert_eq!(hit.headers()["cache-control"], "private, no-store");

    f.get_with(USERS, "limit=1", &[("cache-control", "no-cache")])
        .await;
    assert_eq!(f.sim.control().stats().count("GET /api/v1/accounts"), 2);
}

#[tokio::test]
async fn a_cold_single_get_fetches_only_that_account() {
    let f = Fixture::start(SimConfig {
        accounts: 200,
        ..SimConfig::default()
    })
    .await;
    let response = f.get(&format!("{USERS}/7"), "").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-status"],
        "jamf-directory; fwd=miss; detail=single-record"
    );
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["username"], "mary.vanderberg");
    assert!(user["groups"].as_array().unwrap().len() >= 2);
    let stats = f.sim.control().stats();
    assert_eq!(stats.count("GET /api/v1/accounts"), 0, "{stats:?}");
    assert_eq!(stats.count("GET /JSSResource/accounts"), 0, "{stats:?}");
    assert!(
        stats.requests_total <= 8,
        "only that account's calls: {stats:?}"
    );
    assert_eq!(
        f.get(&format!("{USERS}/999999"), "").await.status(),
        StatusCode::NOT_FOUND
    );
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

#[tokio::test]
async fn accounts_are_tenant_scoped_and_scopes_enforced() {
    let mut settings = test_settings();
    settings.auth.clients.push(caller(
        "globex-reader",
        "globex-secret-123",
        &["directory:read"],
        &["globex"],
    ));
    settings.auth.clients.push(caller(
        "acme-accounts",
        "acme-secret-1234",
        &["accounts:read"],
        &["acme"],
    ));
    let f = Fixture::start_with(SimConfig::default(), settings).await;
    let list = f
        .app
        .url(&format!("{USERS}?integrated_account_id={}", f.account));

    let no_token = f.app.client.get(&list).send().await.unwrap();
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
    assert!(
        no_token.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );

    let other_tenant = token_for(&f.app, "globex-reader", "globex-secret-123").await;
    let hidden = f
        .app
        .client
        .get(&list)
        .bearer_auth(&other_tenant)
        .send()
        .await
        .unwrap();
    assert_eq!(
        hidden.status(),
        StatusCode::NOT_FOUND,
        "another tenant's account looks unknown"
    );
    let unknown = f
        .app
        .client
        .get(f.app.url(&format!(
            "{USERS}?integrated_account_id={}",
            uuid::Uuid::new_v4()
        )))
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let no_scope = token_for(&f.app, "acme-accounts", "acme-secret-1234").await;
    let forbidden = f
        .app
        .client
        .get(&list)
        .bearer_auth(&no_scope)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    assert!(
        forbidden.json::<Value>().await.unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("directory:read")
    );
}

#[tokio::test]
async fn jamf_failures_map_to_the_envelope_and_the_account_status() {
    let mut settings = test_settings();
    settings.upstream.timeout_secs = 1;
    settings.upstream.deadline_secs = 3;
    settings.upstream.max_retries = 1;
    let f = Fixture::start_with(SimConfig::default(), settings).await;
    let account_url = f.app.url(&format!("/integrated-account/{}", f.account));

    f.sim.control().set_availability(Availability::Unavailable);
    let down = f
        .get_with(USERS, "", &[("cache-control", "no-cache")])
        .await;
    assert_eq!(down.status(), StatusCode::BAD_GATEWAY);
    let body: Value = down.json().await.unwrap();
    assert_eq!(body["truto_is_remote_error"], true);
    f.sim.control().set_availability(Availability::Up);

    f.sim
        .control()
        .set_faults(Faults {
            hang: true,
            endpoints: vec!["GET /api/v1/accounts".into()],
            ..Faults::default()
        })
        .unwrap();
    let hung = f
        .get_with(USERS, "", &[("cache-control", "no-cache")])
        .await;
    assert_eq!(hung.status(), StatusCode::GATEWAY_TIMEOUT);
    f.sim.control().clear_faults();

    f.sim.control().revoke_tokens();
    f.sim.control().set_client_enabled(false);
    let refused = f
        .get_with(USERS, "", &[("cache-control", "no-cache")])
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["truto_is_remote_error"],
        true
    );
    let account: Value = f
        .app
        .client
        .get(&account_url)
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(account["status"], "needs_reauth", "{account}");
    assert!(account["last_error"].is_string());

    f.sim.control().set_client_enabled(true);
    let back = f
        .get_with(USERS, "", &[("cache-control", "no-cache")])
        .await;
    assert_eq!(back.status(), StatusCode::OK);
    let account: Value = f
        .app
        .client
        .get(&account_url)
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(account["status"], "active");
}

#[tokio::test]
async fn changing_or_deleting_the_account_drops_its_cached_snapshot() {
    let f = Fixture::start(SimConfig {
        accounts: 30,
        ..SimConfig::default()
    })
    .await;
    assert_eq!(f.json(USERS, "").await["result_count"], 30);
    let other = SimServer::start(SimConfig {
        accounts: 40,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let account_url = f.app.url(&format!("/integrated-account/{}", f.account));
    let patched = f
        .app
        .client
        .patch(&account_url)
        .bearer_auth(&f.token)
        .json(&json!({"context": {
            "instance_url": other.base_url(),
            "client_id": other.control().config().client_id,
            "client_secret": other.control().config().client_secret,
        }}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::OK);
    let after = f.get(USERS, "").await;
    assert_eq!(
        after.headers()["cache-status"],
        "jamf-directory; fwd=miss; stored"
    );
    assert_eq!(
        after.json::<Value>().await.unwrap()["result_count"],
        40,
        "read from the new instance"
    );

    let deleted = f
        .app
        .client
        .delete(&account_url)
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(
        f.get(USERS, "").await.status(),
        StatusCode::NOT_FOUND,
        "no snapshot outlives its account"
    );
}

#[tokio::test]
async fn metrics_report_accounts_by_status() {
    let f = Fixture::start(SimConfig::default()).await;
    let scrape = || async {
        f.app
            .client
            .get(f.app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let text = scrape().await;
    assert!(
        text.contains("integrated_accounts{status=\"active\"} 1"),
        "{text}"
    );
    assert!(text.contains("integrated_accounts{status=\"needs_reauth\"} 0"));
    f.sim.control().revoke_tokens();
    f.sim.control().set_client_enabled(false);
    f.get_with(USERS, "", &[("cache-control", "no-cache")])
        .await;
    let text = scrape().await;
    assert!(
        text.contains("integrated_accounts{status=\"needs_reauth\"} 1"),
        "{text}"
    );
    assert!(text.contains("integrated_accounts{status=\"active\"} 0"));
}

#[tokio::test]
async fn a_refused_group_list_makes_the_response_say_it_is_partial() {
    let f = Fixture::start(SimConfig::default()).await;
    f.sim
        .control()
        .set_faults(Faults {
            missing_privileges: vec!["Read Account Groups".into()],
            ..Faults::default()
        })
        .unwrap();
    let page = f.json(USERS, "limit=1").await;
    assert_eq!(page["is_partial_response"], true, "{page}");
    let missing = page["missing_sources"].as_array().unwrap();
    assert!(
        missing
            .iter()
            .any(|m| m.as_str().unwrap().starts_with("account_groups")
                && m.as_str().unwrap().contains("Read Account Groups")),
        "{missing:?}"
    );
}
