//! Lists, tenancy, scopes, PATCH, refresh and delete.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{JAMF_SECRET, id_of, world};

fn ids(list: &Value) -> Vec<String> {
    list["result"]
        .as_array()
        .expect("result array")
        .iter()
        .map(id_of)
        .collect()
}

#[tokio::test]
async fn list_filters_and_walks_pages_with_the_cursor() {
    let w = world().await;
    let mut acme = Vec::new();
    for secret in [JAMF_SECRET, "wrong", JAMF_SECRET, JAMF_SECRET, "wrong"] {
        acme.push(id_of(&w.create("acme", secret).await));
    }
    let globex = id_of(&w.create("globex", JAMF_SECRET).await);

    let (status, all) = w
        .call(Method::GET, "/integrated-account", &w.reader, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["limit"], 100);
    assert_eq!(all["next_cursor"], Value::Null);
    let mut expected = acme.clone();
    expected.push(globex.clone());
    assert_eq!(ids(&all), expected, "creation order");

    let (_, by_tenant) = w
        .call(
            Method::GET,
            "/integrated-account?tenant_id=globex",
            &w.reader,
            None,
        )
        .await;
    assert_eq!(ids(&by_tenant), [globex]);
    let (_, failing) = w
        .call(
            Method::GET,
            "/integrated-account?tenant_id=acme&status=validation_error",
            &w.reader,
            None,
        )
        .await;
    assert_eq!(ids(&failing), [acme[1].clone(), acme[4].clone()]);

    let mut walked = Vec::new();
    let mut path = "/integrated-account?tenant_id=acme&limit=2".to_owned();
    loop {
        let (status, page) = w.call(Method::GET, &path, &w.reader, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["limit"], 2);
        walked.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/integrated-account?tenant_id=acme&limit=2&next_cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(walked, acme);

    for bad in [
        "limit=0",
        "limit=1001",
        "status=broken",
        "next_cursor=zzz",
        "sort=id",
        "limit=1&limit=2",
    ] {
        let (status, body) = w
            .call(
                Method::GET,
                &format!("/integrated-account?{bad}"),
                &w.reader,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
}

#[tokio::test]
async fn other_tenants_accounts_look_like_unknown_ids() {
    let w = world().await;
    let theirs = id_of(&w.create("globex", JAMF_SECRET).await);
    let ours = id_of(&w.create("acme", JAMF_SECRET).await);
    let unknown = uuid::Uuid::new_v4().to_string();

    let (_, list) = w
        .call(Method::GET, "/integrated-account", &w.acme, None)
        .await;
    assert_eq!(ids(&list), [ours]);
    let (_, list) = w
        .call(
            Method::GET,
            "/integrated-account?tenant_id=globex",
            &w.acme,
            None,
        )
        .await;
    assert_eq!(list["result"], json!([]));

    for id in [&theirs, &unknown] {
        let path = format!("/integrated-account/{id}");
        let patch = json!({"context": {"client_secret": JAMF_SECRET}});
        let refresh = json!({"id": id});
        for (method, path, body) in [
            (Method::GET, path.as_str(), None),
            (Method::PATCH, path.as_str(), Some(patch)),
            (Method::DELETE, path.as_str(), None),
            (
                Method::POST,
                "/integrated-account/refresh-credentials",
                Some(refresh),
            ),
        ] {
            let (status, error) = w.call(method.clone(), path, &w.acme, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
            let message = error["message"]
                .as_str()
                .unwrap()
                .replace(id.as_str(), "<id>");
            assert_eq!(message, "integrated account <id> not found");
        }
    }
    let (status, _) = w
        .call(
            Method::GET,
            &format!("/integrated-account/{theirs}"),
            &w.admin,
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "still there for a caller who may see it"
    );

    let body = w.create_body("globex", JAMF_SECRET);
    let (status, error) = w
        .call(Method::POST, "/integrated-account", &w.acme, Some(body))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
}

#[tokio::test]
async fn reads_need_accounts_read_and_changes_need_accounts_write() {
    let w = world().await;
    let id = id_of(&w.create("acme", JAMF_SECRET).await);
    let path = format!("/integrated-account/{id}");
    let writes = [
        (
            Method::POST,
            "/integrated-account",
            Some(w.create_body("acme", JAMF_SECRET)),
        ),
        (
            Method::PATCH,
            path.as_str(),
            Some(json!({"context": {"client_secret": "x"}})),
        ),
        (Method::DELETE, path.as_str(), None),
        (
            Method::POST,
            "/integrated-account/refresh-credentials",
            Some(json!({"id": id})),
        ),
    ];
    for (method, p, body) in writes {
        let (status, error) = w.call(method.clone(), p, &w.reader, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {p}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("accounts:write")
        );
    }
    let (status, _) = w.call(Method::GET, &path, &w.reader, None).await;
    assert_eq!(status, StatusCode::OK);
    let anonymous = w.app.client.get(w.app.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn patch_fixes_a_validation_error_and_refuses_unsafe_changes() {
    let w = world().await;
    let account = w.create("acme", "wrong").await;
    assert_eq!(account["status"], "validation_error");
    let path = format!("/integrated-account/{}", id_of(&account));
    for (body, expected) in [
        (
            json!({"tenant_id": "globex", "context": {"client_secret": "x"}}),
            "tenant_id cannot be changed",
        ),
        (
            json!({"context": {"instance_url": "http://127.0.0.2:9"}}),
            "requires the secret",
        ),
        (
            json!({"context": {}}),
            "missing required body field(s): context",
        ),
        (
            json!({"authentication_method": "basic", "context": {"username": "u"}}),
            "requires the new identity and secret",
        ),
    ] {
        let (status, error) = w
            .call(Method::PATCH, &path, &w.admin, Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains(expected),
            "{error}"
        );
    }
    let fix = json!({"context": {"client_secret": JAMF_SECRET}});
    let (status, fixed) = w.call(Method::PATCH, &path, &w.admin, Some(fix)).await;
    assert_eq!(status, StatusCode::OK, "{fixed}");
    assert_eq!(fixed["status"], "active");
    assert_eq!(fixed["last_error"], Value::Null);
    assert_eq!(fixed["created_at"], account["created_at"]);
    assert_ne!(fixed["updated_at"], account["updated_at"]);

    // Basic credentials work too (the simulator's local user).
    let basic = json!({"authentication_method": "basic", "context": {"username": "admin", "password": "jamf1234"}});
    let (status, switched) = w.call(Method::PATCH, &path, &w.admin, Some(basic)).await;
    assert_eq!(status, StatusCode::OK, "{switched}");
    assert_eq!(switched["status"], "active");
    assert_eq!(switched["context"]["username"], "admin");
    assert!(switched["context"].get("client_id").is_none());
}

#[tokio::test]
async fn refresh_credentials_moves_to_needs_reauth_and_back() {
    let w = world().await;
    let id = id_of(&w.create("acme", JAMF_SECRET).await);
    let path = format!("/integrated-account/{id}");
    let refresh = || {
        w.call(
            Method::POST,
            "/integrated-account/refresh-credentials",
            &w.admin,
            Some(json!({"id": id})),
        )
    };
    let tokens = || w.sim.control().stats().count("POST /api/v1/oauth/token");

    let before = tokens();
    assert_eq!(refresh().await, (StatusCode::OK, json!({"success": true})));
    assert_eq!(tokens(), before + 1, "a new Jamf token was forced");

    w.sim.control().set_client_enabled(false);
    let (status, error) = refresh().await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{error}");
    assert_eq!(error["truto_is_remote_error"], true);
    assert!(error["raw_response"].is_object() || error["raw_response"].is_string());
    let (_, account) = w.call(Method::GET, &path, &w.reader, None).await;
    assert_eq!(account["status"], "needs_reauth");
    assert!(account["last_error"].as_str().unwrap().contains("401"));

    w.sim.control().set_client_enabled(true);
    assert_eq!(refresh().await, (StatusCode::OK, json!({"success": true})));
    let (_, account) = w.call(Method::GET, &path, &w.reader, None).await;
    assert_eq!(account["status"], "active");
    assert_eq!(account["last_error"], Value::Null);

    let (status, error) = w
        .call(
            Method::POST,
            "/integrated-account/refresh-credentials",
            &w.admin,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error["truto_error_insight"]["missing_required_body_fields"]["value"],
        json!(["id"])
    );
}

#[tokio::test]
async fn delete_answers_the_id_once() {
    let w = world().await;
    let id = id_of(&w.create("acme", JAMF_SECRET).await);
    let path = format!("/integrated-account/{id}");
    assert_eq!(
        w.call(Method::DELETE, &path, &w.admin, None).await,
        (StatusCode::OK, json!({"id": id}))
    );
    assert_eq!(
        w.call(Method::GET, &path, &w.admin, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.call(Method::DELETE, &path, &w.admin, None).await.0,
        StatusCode::NOT_FOUND
    );
}
