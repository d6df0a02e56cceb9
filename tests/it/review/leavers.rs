//! Leavers: matching people who left to Jamf accounts, at the size platforms send.

use jamf_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{LEAVERS, post_leavers};
use crate::support::Fixture;

/// The people the assertions are about, then anonymous leavers up to `count`.
fn people(count: usize) -> Vec<Value> {
    let mut people = vec![
        json!({"email": "  JANE.DOE@Example.com "}), // 0: account 1 by email
        json!({"username": " Rachel.Green"}),        // 1: account 2, disabled
        json!({"email": "it-admins@example.com"}),   // 2: accounts 15 and 16
        json!({"email": "nobody@example.com"}),      // 3: nobody
        json!({"username": "Inventory Sync"}),       // 4: an API client's name
        json!({"email": "kim.lee@example.com", "username": "KIM.LEE"}), // 5: both, one account
        json!({"email": "alex.smith@example.com"}),  // 6: account 10, Classic email_address
        json!({"email": "peter.parker@example.com", "username": "admin"}), // 7: disabled + active
    ];
    people
        .extend((people.len()..count).map(|i| json!({"email": format!("leaver-{i}@example.com")})));
    people
}

/// Each match's user id and what it matched on.
type Matched = Vec<(String, Vec<String>)>;

fn matched(result: &Value) -> Matched {
    result["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user_id"].as_str().unwrap().to_owned(),
                m["matched_on"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn ten_thousand_leavers_are_matched_in_the_order_sent() {
    let f = Fixture::start(SimConfig::default()).await;
    let body = json!({"integrated_account_id": f.account, "people": people(10_000)});
    let size = body.to_string().len();
    eprintln!("leavers body of 10,000 people: {size} bytes");
    assert!(size > 64 * 1024, "above the global body cap");
    let response = post_leavers(&f, &f.token, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    let results = answer["result"].as_array().unwrap();
    assert_eq!(results.len(), 10_000);
    for (sent, result) in body["people"].as_array().unwrap().iter().zip(results) {
        assert_eq!(&result["person"], sent, "the order and the person as sent");
    }
    let email = || vec!["email".to_owned()];
    let cases: [(usize, &str, Matched); 8] = [
        (0, "access_remains", vec![("1".into(), email())]),
        (
            1,
            "access_removed",
            vec![("2".into(), vec!["username".into()])],
        ),
        (
            2,
            "access_remains",
            vec![("15".into(), email()), ("16".into(), email())],
        ),
        (3, "not_found", vec![]),
        (4, "not_found", vec![]),
        (
            5,
            "access_remains",
            vec![("11".into(), vec!["email".into(), "username".into()])],
        ),
        (6, "access_remains", vec![("10".into(), email())]),
        (
            7,
            "access_remains",
            vec![("1".into(), vec!["username".into()]), ("3".into(), email())],
        ),
    ];
    for (index, status, expected) in cases {
        let result = &results[index];
        assert_eq!(result["status"], status, "{index}: {result}");
        assert_eq!(matched(result), expected, "{index}: {result}");
    }
    let disabled = &results[1]["matches"][0];
    assert_eq!(disabled["status"], "inactive");
    assert_eq!(disabled["username"], "rachel.green");
    assert_eq!(disabled["roles"][0]["id"], "auditor");
    assert!(results[8..].iter().all(|r| r["status"] == "not_found"));
    assert_eq!(
        answer["summary"],
        json!({
            "people": 10_000,
            "access_remains": 5,
            "access_removed": 1,
            "not_found": 9_994,
            "directory_groups_not_checked": [{"id": "4", "name": "Directory Admins"}],
        })
    );
}

#[tokio::test]
async fn bad_leaver_bodies_are_refused_with_the_reason() {
    let f = Fixture::start(SimConfig::default()).await;
    let too_many = json!({"integrated_account_id": f.account, "people": people(10_001)});
    let mut unnamed = people(5);
    unnamed[3] = json!({"email": "  ", "username": ""});
    let cases = [
        (too_many, "10000"),
        (
            json!({"integrated_account_id": f.account, "people": unnamed}),
            "people[3]",
        ),
        (
            json!({"integrated_account_id": f.account, "people": []}),
            "people",
        ),
        (json!({"people": people(1)}), "integrated_account_id"),
    ];
    for (body, expected) in cases {
        let response = post_leavers(&f, &f.token, &body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{expected}");
        let error: Value = response.json().await.unwrap();
        assert!(
            error["message"].as_str().unwrap().contains(expected),
            "{error}"
        );
    }
    let cut_short = format!(
        "{{\"integrated_account_id\": \"{}\", \"people\": [",
        f.account
    );
    let malformed = post_raw(&f, cut_short).await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let error: Value = malformed.json().await.unwrap();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("malformed JSON"),
        "{error}"
    );

    // The route's own cap is 2 MiB; past it the answer is 413, before any JSON is read.
    let huge = vec![b' '; 2 * 1024 * 1024 + 1];
    let refused = post_raw(&f, huge).await;
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Everywhere else the global cap (64 KiB) still holds.
    let elsewhere = f
        .app
        .client
        .post(f.app.url("/integrated-account/refresh-credentials"))
        .bearer_auth(&f.token)
        .header("content-type", "application/json")
        .body(json!({"id": f.account, "pad": "x".repeat(70_000)}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// A leavers POST of `body` as it is, declared JSON.
async fn post_raw(f: &Fixture, body: impl Into<reqwest::Body>) -> reqwest::Response {
    f.app
        .client
        .post(f.app.url(LEAVERS))
        .bearer_auth(&f.token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}
