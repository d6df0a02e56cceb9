//! Jamf Pro API: version gating, privilege 403s, sites, SSO, API roles and integrations.

use jamf_sim::{Faults, SimConfig, SsoConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Sim, assert_text};

#[tokio::test]
async fn availability_follows_the_jamf_version() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let status = |path: &'static str| {
        let (sim, token) = (&sim, &token);
        async move { sim.status(path, token).await }
    };
    sim.ctl().set_jamf_version("11.22.0");
    assert_eq!(status("/api/v1/accounts").await, StatusCode::NOT_FOUND);
    assert_eq!(status("/api/v1/accounts/1").await, StatusCode::NOT_FOUND);
    assert_eq!(
        status("/api/v1/account-groups").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(status("/JSSResource/accounts").await, StatusCode::OK);
    let body: Value = sim
        .get("/api/v1/accounts", &token, true)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["httpStatus"], 404);
    assert_eq!(
        sim.json("/api/v1/jamf-pro-version", &token).await["version"]
            .as_str()
            .unwrap()
            .split('-')
            .next(),
        Some("11.22.0")
    );
    sim.ctl().set_jamf_version("11.24.1");
    let a = sim.json("/api/v1/accounts/1", &token).await;
    assert!(
        a.get("accountType").is_none(),
        "accountType arrived in 11.25"
    );
    assert_eq!(
        status("/api/v1/account-groups").await,
        StatusCode::NOT_FOUND
    );
    sim.ctl().set_jamf_version("11.27.0");
    assert_eq!(status("/api/v1/account-groups").await, StatusCode::OK);
    let health = sim
        .http
        .get(sim.url("/api/v1/health-check"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::NO_CONTENT, "no auth needed");
    assert_eq!(
        sim.http
            .get(sim.url("/api/v1/jamf-pro-version"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn missing_privileges_answer_403_in_each_surface_style() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    sim.ctl().set_client_privileges(vec!["Read Sites".into()]);
    let resp = sim.get("/api/v1/accounts", &token, true).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(resp.json::<Value>().await.unwrap()["httpStatus"], 403);
    let resp = sim
        .get("/JSSResource/accounts/userid/1", &token, true)
        .await;
    assert_text(resp, StatusCode::FORBIDDEN, "refusing to fulfill it").await;
    assert_eq!(sim.status("/api/v1/sites", &token).await, StatusCode::OK);
    for path in [
        "/api/v1/account-groups",
        "/api/v3/sso",
        "/api/v2/sso",
        "/api/v1/api-roles",
        "/api/v1/api-integrations",
    ] {
        assert_eq!(
            sim.status(path, &token).await,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    sim.ctl()
        .set_client_privileges(SimConfig::default().client_privileges);
    let faults = Faults {
        missing_privileges: vec!["Read SSO Settings".into()],
        ..Faults::default()
    };
    sim.ctl().set_faults(faults).unwrap();
    assert_eq!(
        sim.status("/api/v3/sso", &token).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(sim.status("/api/v1/accounts", &token).await, StatusCode::OK);
    sim.ctl().clear_faults();
    assert_eq!(sim.status("/api/v3/sso", &token).await, StatusCode::OK);
}

#[tokio::test]
async fn sites_sso_roles_integrations_and_privileges() {
    let sim = Sim::default().await;
    let token = sim.token().await;
    let sites = sim.json("/api/v1/sites", &token).await;
    assert_eq!(
        sites[0],
        json!({"id": "1", "name": "Eau Claire", "divisionId": null})
    );
    let sso = sim.json("/api/v3/sso", &token).await;
    assert_eq!(
        (
            sso["ssoEnabled"].as_bool(),
            sso["ssoBypassAllowed"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert_eq!(sso["configurationType"], "SAML");
    sim.ctl().set_sso(SsoConfig {
        sso_enabled: true,
        sso_bypass_allowed: true,
        configuration_type: "OIDC".into(),
    });
    let sso = sim.json("/api/v3/sso", &token).await;
    assert_eq!(
        (
            sso["ssoBypassAllowed"].as_bool(),
            sso["configurationType"].as_str()
        ),
        (Some(true), Some("OIDC"))
    );
    let roles = sim.json("/api/v1/api-roles", &token).await;
    assert_eq!(roles["totalCount"], 3);
    assert_eq!(roles["results"][0]["id"], "1");
    assert!(
        roles["results"][0]["privileges"]
            .as_array()
            .unwrap()
            .contains(&json!("Read Accounts"))
    );
    let named = sim
        .json(
            "/api/v1/api-roles?filter=displayName%3D%3D%22Inventory%20Reader%22",
            &token,
        )
        .await;
    assert_eq!(named["results"][0]["id"], "2");
    sim.ctl().set_client_enabled(false);
    let ints = sim.json("/api/v1/api-integrations", &token).await;
    let first = &ints["results"][0];
    assert_eq!(
        (first["id"].as_i64(), first["enabled"].as_bool()),
        (Some(1), Some(false))
    );
    assert_eq!(first["clientId"], "sim-client");
    assert_eq!(first["authorizationScopes"], json!(["Sim Client Role"]));
    assert_eq!(first["appType"], "CLIENT_CREDENTIALS");
    assert_eq!(ints["results"][2]["enabled"], false);
    let privs = sim.json("/api/v1/api-role-privileges", &token).await;
    assert!(
        privs["privileges"]
            .as_array()
            .unwrap()
            .contains(&json!("Read Account Groups"))
    );
}

#[tokio::test]
async fn sso_v3_appears_in_11_10_and_v2_reports_the_same_posture() {
    let sim = Sim::start(SimConfig {
        jamf_version: "11.9.1".into(),
        sso: SsoConfig {
            sso_enabled: true,
            sso_bypass_allowed: true,
            configuration_type: "SAML".into(),
        },
        ..SimConfig::default()
    })
    .await;
    let token = sim.token().await;
    let v2 = sim.json("/api/v2/sso", &token).await;
    assert_eq!(
        (v2["ssoEnabled"].as_bool(), v2["ssoBypassAllowed"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(
        v2["idpProviderType"], "OKTA",
        "SAML fields at the top level"
    );
    assert_eq!(v2["entityId"], "saml/metadata");
    for nested in ["configurationType", "samlSettings", "oidcSettings"] {
        assert!(v2.get(nested).is_none(), "{nested} in {v2}");
    }
    let resp = sim.get("/api/v3/sso", &token, true).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        (&body["httpStatus"], &body["errors"][0]["code"]),
        (&json!(404), &json!("NOT_FOUND"))
    );

    sim.ctl().set_jamf_version("11.10.0");
    let v3 = sim.json("/api/v3/sso", &token).await;
    assert_eq!(v3["configurationType"], "SAML");
    assert_eq!(v3["samlSettings"]["idpProviderType"], "OKTA");
    assert_eq!(
        (&v3["ssoEnabled"], &v3["ssoBypassAllowed"]),
        (&v2["ssoEnabled"], &v2["ssoBypassAllowed"])
    );
    assert_eq!(sim.json("/api/v2/sso", &token).await, v2, "v2 stays");

    let stats = sim.ctl().stats();
    assert_eq!(stats.count("GET /api/v2/sso"), 2);
    assert_eq!(stats.count("GET /api/v3/sso"), 2);
    assert_eq!(stats.by_endpoint_status["GET /api/v3/sso 404"], 1);
    assert_eq!(stats.by_endpoint_status["GET /api/v3/sso 200"], 1);
}
