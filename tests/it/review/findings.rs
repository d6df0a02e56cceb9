//! Findings: each kind on the case it names and not on its neighbours, stable ids, filters
//! and pages.

use chrono::{DateTime, Utc};
use jamf_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::Value;

use super::{FINDINGS, USERS, all_findings, has_fact, ids_where, is_active, sso_off, subjects};
use crate::support::{Fixture, test_settings};

/// Admins of the simulator's fixed accounts (see `jamf_sim` docs) this module names.
const LDAP_ADMINISTRATOR: &str = "6";
const NO_EMAIL: &str = "21";
const EMAIL_ONLY_IN_EMAIL_ADDRESS: &str = "10";

#[tokio::test]
async fn sso_off_makes_every_active_admin_mfa_not_enforced_and_disabled_ones_nothing() {
    let f = Fixture::start(sso_off()).await;
    let users = f.all_records(USERS, "type=all", 1000).await;
    let found = all_findings(&f, "").await;
    let admins = |u: &Value| u["type"] == "admin";
    assert_eq!(
        subjects(&found, "mfa_not_enforced"),
        ids_where(&users, |u| admins(u) && is_active(u)),
        "every active admin, no API client"
    );
    let disabled = ids_where(&users, |u| admins(u) && !is_active(u));
    assert!(
        disabled.contains("2") && disabled.contains("3"),
        "{disabled:?}"
    );
    assert!(
        found
            .iter()
            .all(|f| !disabled.contains(f["subject"]["id"].as_str().unwrap())),
        "no finding about a disabled admin"
    );
    let one = found
        .iter()
        .find(|f| f["id"] == "mfa_not_enforced:1")
        .expect("admin 1");
    assert_eq!(one["severity"], "high");
    assert_eq!(one["subject"]["type"], "admin");
    assert_eq!(one["subject"]["username"], "admin");
    assert_eq!(one["subject"]["emails"][0], "jane.doe@example.com");
    assert!(
        one["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["fact"] == "sso_enabled" && e["value"] == false),
        "{one}"
    );
    assert!(subjects(&found, "mfa_unknown").is_empty());
    assert!(subjects(&found, "failover_login_possible").is_empty());
}

#[tokio::test]
async fn unreadable_sso_settings_make_mfa_unknown_and_the_list_partial() {
    let f = Fixture::start(SimConfig::default()).await;
    let before = all_findings(&f, "").await;
    assert!(subjects(&before, "mfa_unknown").is_empty(), "SSO readable");
    f.withhold_privilege("Read SSO Settings");
    let page = f
        .get_with(
            FINDINGS,
            "kind=mfa_unknown&limit=1000",
            &[("cache-control", "no-cache")],
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    assert_eq!(page["is_partial_response"], true);
    assert!(
        page["missing_sources"][0].as_str().unwrap().contains("sso"),
        "{page}"
    );
    let users = f.all_records(USERS, "", 1000).await;
    let unknown: Vec<Value> = page["result"].as_array().unwrap().clone();
    assert_eq!(
        subjects(&unknown, "mfa_unknown"),
        ids_where(&users, is_active)
    );
    assert!(unknown.iter().all(|f| f["severity"] == "medium"));
}

#[tokio::test]
async fn sso_enforced_flags_local_admins_who_may_use_the_failover_login_only() {
    let f = Fixture::start(SimConfig::with_accounts(200)).await;
    let users = f.all_records(USERS, "", 1000).await;
    let found = all_findings(&f, "").await;
    let failover = subjects(&found, "failover_login_possible");
    assert_eq!(
        failover,
        ids_where(&users, |u| is_active(u)
            && has_fact(u, "failover_login_possible", Value::Bool(true))),
    );
    assert!(
        failover.contains("1"),
        "a local Administrator: {failover:?}"
    );
    assert!(!failover.contains(LDAP_ADMINISTRATOR), "LDAP Administrator");
    let ldap = ids_where(&users, |u| u["is_directory_user"] == true);
    let federated = ids_where(&users, |u| {
        has_fact(u, "account_type", Value::String("FEDERATED".into()))
    });
    assert!(!ldap.is_empty() && !federated.is_empty());
    assert!(failover.is_disjoint(&ldap), "no LDAP account");
    assert!(failover.is_disjoint(&federated), "no federated account");
    assert!(subjects(&found, "mfa_not_enforced").is_empty());
    assert!(subjects(&found, "mfa_unknown").is_empty());
}

#[tokio::test]
async fn admins_without_any_email_are_unattributable() {
    let f = Fixture::start(SimConfig::default()).await;
    let users = f.all_records(USERS, "", 1000).await;
    let found = all_findings(&f, "kind=unattributable_account").await;
    let unattributable = subjects(&found, "unattributable_account");
    assert_eq!(
        unattributable,
        ids_where(&users, |u| is_active(u)
            && u["emails"] == Value::Array(vec![]))
    );
    assert!(unattributable.contains(NO_EMAIL));
    assert!(
        !unattributable.contains(EMAIL_ONLY_IN_EMAIL_ADDRESS),
        "an address in Classic email_address still attributes"
    );
}

#[tokio::test]
async fn only_enabled_api_clients_that_can_write_are_privileged() {
    let read_only = Fixture::start(SimConfig::default()).await;
    let found = all_findings(&read_only, "").await;
    assert!(
        subjects(&found, "privileged_api_client").is_empty(),
        "the service's own client and Inventory Sync read; Old Provisioner writes but is disabled"
    );

    let mut privileges = jamf_sim::SimConfig::default().client_privileges;
    privileges.push("Update Computers".into());
    let writer = Fixture::start(SimConfig {
        client_privileges: privileges,
        ..SimConfig::default()
    })
    .await;
    let found = all_findings(&writer, "kind=privileged_api_client").await;
    assert_eq!(found.len(), 1, "{found:?}");
    let finding = &found[0];
    assert_eq!(finding["id"], "privileged_api_client:api-client-1");
    assert_eq!(finding["severity"], "medium");
    assert_eq!(finding["subject"]["type"], "service-account");
    assert_eq!(finding["evidence"][0]["fact"], "write_privileges");
    assert_eq!(
        finding["evidence"][0]["value"],
        serde_json::json!(["Update Computers"])
    );
}

/// The simulator dates account `id`'s last password change `id` weeks before 2025-01-01.
fn password_age_days(id: i64, now: DateTime<Utc>) -> i64 {
    let changed = DateTime::from_timestamp(1_735_689_600 - id * 604_800, 0).unwrap();
    (now - changed).num_days()
}

#[tokio::test]
async fn passwords_older_than_the_policy_are_flagged_where_jamf_gives_the_date() {
    // Accounts up to id 10 changed their password within the policy, from id 11 before it.
    let max_age = password_age_days(10, Utc::now()) + 3;
    let mut settings = test_settings();
    settings.access_review.password_max_age_days = u32::try_from(max_age).unwrap();
    let f = Fixture::start_with(SimConfig::default(), settings).await;
    let users = f.all_records(USERS, "", 1000).await;
    let stale = subjects(&all_findings(&f, "").await, "password_not_rotated");
    let expected = ids_where(&users, |u| {
        let changed: Option<DateTime<Utc>> = u["last_password_change_at"]
            .as_str()
            .map(|t| t.parse().unwrap());
        is_active(u)
            && u["is_directory_user"] == false
            && !has_fact(u, "account_type", Value::String("FEDERATED".into()))
            && changed.is_some_and(|at| (Utc::now() - at).num_days() > max_age)
    });
    assert_eq!(stale, expected);
    for id in ["11", "12", "19"] {
        assert!(stale.contains(id), "{id}: {stale:?}");
    }
    for id in ["1", "9", "2", "14", "18"] {
        // Within the policy; disabled; federated; LDAP.
        assert!(!stale.contains(id), "{id}: {stale:?}");
    }

    let mut settings = test_settings();
    settings.access_review.password_max_age_days = 1;
    let classic = Fixture::start_with(
        SimConfig {
            jamf_version: "11.20.0".into(),
            ..SimConfig::default()
        },
        settings,
    )
    .await;
    let found = all_findings(&classic, "").await;
    assert!(!found.is_empty());
    assert!(
        subjects(&found, "password_not_rotated").is_empty(),
        "Classic gives no password dates"
    );
}

#[tokio::test]
async fn ids_are_stable_filters_select_and_pages_walk_the_whole_set() {
    let f = Fixture::start(SimConfig {
        accounts: 120,
        ..sso_off()
    })
    .await;
    let unpaged = all_findings(&f, "").await;
    let ids = |list: &[Value]| -> Vec<String> {
        list.iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(unpaged.len() > 100, "{}", unpaged.len());
    for finding in &unpaged {
        assert_eq!(
            finding["id"],
            format!(
                "{}:{}",
                finding["kind"].as_str().unwrap(),
                finding["subject"]["id"].as_str().unwrap()
            )
        );
    }

    let refreshed = f.get_fresh(FINDINGS, "limit=1000").await;
    assert_eq!(
        refreshed.headers()["cache-status"],
        "jamf-directory; fwd=request; stored"
    );
    let refreshed: Value = refreshed.json().await.unwrap();
    assert_eq!(
        ids(refreshed["result"].as_array().unwrap()),
        ids(&unpaged),
        "same ids after a refresh"
    );

    let walked = f.all_records(FINDINGS, "", 2).await;
    assert_eq!(walked, unpaged, "pages of 2 = the unpaged set");

    let high = f.all_records(FINDINGS, "severity=high", 7).await;
    assert!(!high.is_empty() && high.iter().all(|f| f["severity"] == "high"));
    assert_eq!(
        high,
        unpaged
            .iter()
            .filter(|f| f["severity"] == "high")
            .cloned()
            .collect::<Vec<_>>()
    );
    let kind = f
        .all_records(FINDINGS, "kind=unattributable_account", 3)
        .await;
    assert!(!kind.is_empty() && kind.iter().all(|f| f["kind"] == "unattributable_account"));
    let none = f
        .json(FINDINGS, "kind=unattributable_account&severity=high")
        .await;
    assert_eq!(none["result_count"], 0);

    let first = f.json(FINDINGS, "limit=2").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let elsewhere = f
        .get(FINDINGS, &format!("severity=high&next_cursor={cursor}"))
        .await;
    assert_eq!(
        elsewhere.status(),
        StatusCode::BAD_REQUEST,
        "a cursor is bound to its filters"
    );

    f.assert_refused(
        FINDINGS,
        &[
            ("kind=mfa", "kind"),
            ("severity=critical", "severity"),
            ("kind=mfa_unknown&kind=mfa_unknown", "kind"),
            ("colour=red", "colour"),
            ("limit=0", "limit"),
        ],
    )
    .await;
}
