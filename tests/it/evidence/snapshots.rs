//! One snapshot: taken fresh from Jamf, its manifest, its frozen reads, and an offline check
//! of its bundle by the real binary; corruption of stored bytes is refused when served.

use jamf_directory::settings::Settings;
use reqwest::StatusCode;
use serde_json::Value;

use super::{
    SNAPSHOTS, assert_corrupted, evidence_settings, get, get_json, save_bundle, save_keys, take,
    tamper, tamper_records, verify,
};
use crate::metrics::scrape::Scrape;
use crate::support::{Fixture, access_token, globex_reader, ran_in_own_process, test_settings};

/// Takes one snapshot on `settings`' database and checks everything it states and serves.
async fn taken_signed_read_back_and_verified(settings: Settings) {
    let f = Fixture::start_with(jamf_sim::SimConfig::default(), settings).await;
    // A cached directory must not stand in for the snapshot: it always reads Jamf.
    f.json("/unified/user-directory/users", "").await;
    f.sim.control().reset_stats();
    let manifest = take(&f, StatusCode::CREATED).await;
    assert!(
        f.sim.control().stats().count("GET /api/v1/accounts") >= 1,
        "a fresh fetch"
    );

    let id = manifest["id"].as_str().unwrap();
    assert_eq!(manifest["status"], "complete", "{manifest}");
    assert_eq!(manifest["kind"], "admins");
    assert_eq!(manifest["trigger"], "caller:admin");
    assert_eq!(manifest["integrated_account_id"], f.account.as_str());
    assert_eq!(manifest["tenant_id"], "acme");
    assert_eq!(
        manifest["jamf"]["url"],
        f.sim.base_url().trim_end_matches('/')
    );
    assert_eq!(manifest["jamf"]["plan"], "v1");
    assert!(manifest["jamf"]["version"].is_string());
    assert!(manifest["completed_at"].as_str() >= manifest["taken_at"].as_str());
    let admins = f.sim.control().dataset().accounts.len() as u64;
    assert_eq!(manifest["counts"]["admins"], admins);
    // The reads are counted as made: they are what the simulator served for this fetch.
    let reads = manifest["reads"].as_array().unwrap();
    for list in [
        "/api/v1/accounts",
        "/api/v1/account-groups",
        "/api/v1/api-integrations",
    ] {
        let read = reads
            .iter()
            .find(|r| r["endpoint"] == list)
            .unwrap_or_else(|| panic!("{list} in {manifest}"));
        let served = f.sim.control().stats().count(&format!("GET {list}")) as u64;
        assert_eq!(read["requests"], served, "{list}: {read}");
        assert_eq!(read["statuses"]["200"], served, "{list}: {read}");
        assert_eq!(read["status"], "ok");
    }
    // Reconcilable with Jamf's own count of the population.
    assert_eq!(
        manifest["counts"]["jamf_total_counts"]["/api/v1/accounts"],
        admins
    );
    assert_eq!(manifest["is_partial"], false);
    assert_eq!(manifest["records_sha256"].as_str().unwrap().len(), 64);
    assert!(manifest["previous"].is_null(), "the first of its chain");
    assert_eq!(manifest["signature"]["alg"], "EdDSA");
    assert_eq!(get_json(&f, &format!("{SNAPSHOTS}/{id}")).await, manifest);

    let list = get_json(
        &f,
        &format!("{SNAPSHOTS}?integrated_account_id={}", f.account),
    )
    .await;
    assert_eq!(list["result"], Value::Array(vec![manifest.clone()]));

    // The frozen users are the live list's records, filters and paging alike.
    let live = f
        .all_ids("/unified/user-directory/users", "type=all", 1000)
        .await;
    let mut frozen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = get_json(
            &f,
            &format!("{SNAPSHOTS}/{id}/users?type=all&limit=7{cursor}"),
        )
        .await;
        frozen.extend(
            page["result"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&next_cursor={next}"),
            None => break,
        }
    }
    assert_eq!(frozen, live);
    let one = get_json(&f, &format!("{SNAPSHOTS}/{id}/users?username=admin")).await;
    assert_eq!(one["result_count"], 1);
    let csv = f
        .app
        .client
        .get(f.app.url(&format!("{SNAPSHOTS}/{id}/users")))
        .header("accept", "text/csv")
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.text().await.unwrap().starts_with("id,type,username"));

    let findings = get_json(&f, &format!("{SNAPSHOTS}/{id}/findings?limit=1000")).await;
    let findings = findings["result"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(
        findings
            .iter()
            .all(|x| x["first_seen_at"] == manifest["taken_at"])
    );
    let report = get(&f, &format!("{SNAPSHOTS}/{id}/report")).await;
    assert_eq!(report.status(), StatusCode::OK);
    let report = report.text().await.unwrap();
    assert!(report.contains(id) && report.contains("Changes since the previous snapshot"));

    let dir = tempfile::tempdir().unwrap();
    let bundle = save_bundle(&f, id, dir.path()).await;
    let keys = save_keys(&f, dir.path()).await;
    let (ok, out) = verify(&[&bundle], Some(&keys));
    assert!(ok && out.trim() == "valid", "{out}");
}

on_both_databases!(taken_signed_read_back_and_verified => a_snapshot_is_signed_read_back_and_verified_offline_on_sqlite, a_snapshot_is_signed_read_back_and_verified_offline_on_postgres);

#[tokio::test]
async fn snapshots_need_their_scopes_and_stay_within_the_tenant() {
    let mut settings = evidence_settings();
    settings.auth.clients.push(globex_reader());
    let f = Fixture::start_with(jamf_sim::SimConfig::default(), settings).await;
    let manifest = take(&f, StatusCode::CREATED).await;
    let id = manifest["id"].as_str().unwrap();
    let reader = access_token(&f.app, "reader", "reader-secret-0123456789").await;
    let other = access_token(&f.app, "globex-reader", "globex-secret-123").await;
    for (token, path, expected) in [
        (&reader, format!("{SNAPSHOTS}/{id}"), StatusCode::FORBIDDEN),
        (&other, format!("{SNAPSHOTS}/{id}"), StatusCode::FORBIDDEN),
        (
            &f.token,
            format!("{SNAPSHOTS}/{}", uuid::Uuid::new_v4()),
            StatusCode::NOT_FOUND,
        ),
        (
            &f.token,
            format!("{SNAPSHOTS}/not-a-uuid"),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let response = f
            .app
            .client
            .get(f.app.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{path}");
    }
    let refused = f
        .app
        .client
        .post(f.app.url(SNAPSHOTS))
        .bearer_auth(&reader)
        .json(&serde_json::json!({"integrated_account_id": f.account}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "evidence:write");
}

#[tokio::test]
async fn without_a_signing_key_evidence_is_off_and_says_which_key() {
    let f = Fixture::start_with(jamf_sim::SimConfig::default(), test_settings()).await;
    let response = f
        .app
        .client
        .post(f.app.url(SNAPSHOTS))
        .bearer_auth(&f.token)
        .json(&serde_json::json!({"integrated_account_id": f.account}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("evidence.signing_key"),
        "{body}"
    );
}

async fn a_byte_changed_behind_the_service_is_refused(settings: Settings) {
    let db = settings.storage.database_url.clone();
    let f = Fixture::start_with(jamf_sim::SimConfig::default(), settings).await;
    let first = take(&f, StatusCode::CREATED).await;
    let second = take(&f, StatusCode::CREATED).await;
    let id = first["id"].as_str().unwrap();
    // One record's stored JSON: `admin` renamed.
    tamper_records(&db, "\"username\":\"admin\"", "\"username\":\"admln\"").await;
    for read in ["users", "bundle", "findings", "report"] {
        assert_corrupted(&f, &format!("{SNAPSHOTS}/{id}/{read}")).await;
    }
    // The manifest itself altered: its signature no longer verifies.
    let id = second["id"].as_str().unwrap();
    tamper(
        &db,
        &format!("UPDATE evidence_snapshots SET manifest = replace(manifest, '\"is_partial\":false', '\"is_partial\":true') WHERE manifest LIKE '%{id}%'"),
    )
    .await;
    assert_corrupted(&f, &format!("{SNAPSHOTS}/{id}")).await;
}

on_both_databases!(a_byte_changed_behind_the_service_is_refused => a_byte_changed_behind_the_service_is_refused_when_served_on_sqlite, a_byte_changed_behind_the_service_is_refused_when_served_on_postgres);

#[tokio::test]
async fn first_seen_at_is_where_the_unbroken_run_of_a_finding_began() {
    let f = Fixture::start_with(jamf_sim::SimConfig::default(), evidence_settings()).await;
    let first = take(&f, StatusCode::CREATED).await;
    // An active admin loses its email: an `unattributable_account` finding from now on.
    let target = f
        .sim
        .control()
        .dataset()
        .accounts
        .iter()
        .find(|a| a.id >= 24 && a.enabled && !a.email.is_empty())
        .map(|a| a.id)
        .unwrap();
    f.sim.control().edit_dataset(|d| {
        let a = d.accounts.iter_mut().find(|a| a.id == target).unwrap();
        a.email.clear();
        a.email_address.clear();
    });
    let second = take(&f, StatusCode::CREATED).await;
    let third = take(&f, StatusCode::CREATED).await;
    let new_id = format!("unattributable_account:{target}");
    let first_seen = |findings: &Value| -> Vec<(String, Value)> {
        findings["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["id"].as_str().unwrap().to_owned(),
                    x["first_seen_at"].clone(),
                )
            })
            .collect()
    };
    let kept = first_seen(
        &get_json(
            &f,
            &format!(
                "{SNAPSHOTS}/{}/findings?limit=1000",
                third["id"].as_str().unwrap()
            ),
        )
        .await,
    );
    let live = first_seen(&f.json("/access-review/findings", "limit=1000").await);
    for findings in [&kept, &live] {
        assert!(findings.len() > 1);
        for (id, at) in findings {
            let expected = if *id == new_id { &second } else { &first };
            assert_eq!(at, &expected["taken_at"], "{id}");
        }
    }
}

/// Reads deltas of process-wide counters, so it runs in a process of its own.
#[tokio::test]
async fn snapshots_are_counted_by_kind_trigger_and_outcome() {
    if ran_in_own_process("evidence::snapshots::snapshots_are_counted_by_kind_trigger_and_outcome")
    {
        return;
    }
    let f = Fixture::start_with(jamf_sim::SimConfig::default(), evidence_settings()).await;
    let before = Scrape::take(&f.app).await;
    let complete = take(&f, StatusCode::CREATED).await;
    assert_eq!(complete["status"], "complete");
    // Jamf refuses the API client from now on: the next snapshot fails, and is kept.
    f.sim.control().set_client_enabled(false);
    f.sim.control().revoke_tokens();
    let failed = take(&f, StatusCode::CREATED).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let after = Scrape::take(&f.app).await;
    let counted = |status: &str| {
        let labels = [
            ("kind", "admins"),
            ("trigger", "caller"),
            ("status", status),
        ];
        after.value("evidence_snapshots_total", &labels)
            - before.value("evidence_snapshots_total", &labels)
    };
    assert_eq!((counted("complete"), counted("failed")), (1.0, 1.0));
    assert_eq!(after.kind("evidence_snapshots_total"), Some("counter"));
}
