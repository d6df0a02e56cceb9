//! Tenancy, scopes, Jamf failures and what they do to the account and the response.

use jamf_sim::{Availability, Faults, SimConfig};
use reqwest::StatusCode;
use serde_json::Value;

use super::{Fixture, USERS};
use crate::support::access_token;
use crate::support::{caller, globex_reader, test_settings};

#[tokio::test]
async fn accounts_are_tenant_scoped_and_scopes_enforced() {
    let mut settings = test_settings();
    settings.auth.clients.push(globex_reader());
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

    let other_tenant = access_token(&f.app, "globex-reader", "globex-secret-123").await;
    for path in [
        "users",
        "users/1",
        "groups",
        "groups/1",
        "roles",
        "roles/administrator",
        "workspaces",
        "workspaces/1",
    ] {
        let url = f.app.url(&format!(
            "/unified/user-directory/{path}?integrated_account_id={}",
            f.account
        ));
        let own = f
            .app
            .client
            .get(&url)
            .bearer_auth(&f.token)
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), StatusCode::OK, "{path}");
        let other = f
            .app
            .client
            .get(&url)
            .bearer_auth(&other_tenant)
            .send()
            .await
            .unwrap();
        assert_eq!(
            other.status(),
            StatusCode::NOT_FOUND,
            "{path}: every endpoint hides it"
        );
    }
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

    let no_scope = access_token(&f.app, "acme-accounts", "acme-secret-1234").await;
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

    f.sim.control().set_availability(Availability::Unavailable);
    let down = f.get_fresh(USERS, "").await;
    assert_eq!(down.status(), StatusCode::BAD_GATEWAY);
    let body: Value = down.json().await.unwrap();
    assert_eq!(body["truto_is_remote_error"], true);
    f.sim.control().set_availability(Availability::Up);

    f.sim
        .control()
        .set_faults(Faults::hanging("GET /api/v1/accounts"))
        .unwrap();
    let hung = f.get_fresh(USERS, "").await;
    assert_eq!(hung.status(), StatusCode::GATEWAY_TIMEOUT);
    f.sim.control().clear_faults();

    f.sim.control().revoke_tokens();
    f.sim.control().set_client_enabled(false);
    let refused = f.get_fresh(USERS, "").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["truto_is_remote_error"],
        true
    );
    let account = f.account_json().await;
    assert_eq!(account["status"], "needs_reauth", "{account}");
    assert!(account["last_error"].is_string());

    // Fixed on Jamf's side; refresh-credentials says so, and the account reads again.
    f.sim.control().set_client_enabled(true);
    f.refresh_credentials().await;
    let back = f.get_fresh(USERS, "").await;
    assert_eq!(back.status(), StatusCode::OK);
    let account = f.account_json().await;
    assert_eq!(account["status"], "active");
}

#[tokio::test]
async fn metrics_report_accounts_by_status() {
    let f = Fixture::start(SimConfig::default()).await;
    let scrape = || f.app.metrics_text();
    let text = scrape().await;
    assert!(
        text.contains("integrated_accounts{status=\"active\"} 1"),
        "{text}"
    );
    assert!(text.contains("integrated_accounts{status=\"needs_reauth\"} 0"));
    f.sim.control().revoke_tokens();
    f.sim.control().set_client_enabled(false);
    f.get_fresh(USERS, "").await;
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
    f.withhold_privilege("Read Account Groups");
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
