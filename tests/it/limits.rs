//! Caller rate limits over real HTTP: the `RateLimit` headers, per-client and per-account
//! quotas isolated from each other, and recovery after `Retry-After`.
//!
//! Quotas here are small with long windows (one request back every 15-20 s), so the counts
//! asserted cannot drift while a test runs; only the recovery test uses a 2 s window, and it
//! waits for the limiter's own `Retry-After`.

use std::time::Duration;

use jamf_directory::settings::{LimitSettings, Settings};
use jamf_sim::{SimConfig, SimServer};
use reqwest::header::RETRY_AFTER;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::support::{
    ADMIN_ID, ADMIN_SECRET, READER_ID, READER_SECRET, TestApp, access_token, caller, connect_sim,
    spawn_app, test_settings, unlimited,
};

const USERS: &str = "/unified/user-directory/users";

fn settings_with(limits: LimitSettings) -> Settings {
    let mut settings = test_settings();
    settings.limits = limits;
    settings
}

/// The three `RateLimit` fields and `Retry-After` (when present) of a response.
struct RateLimitHeaders {
    limit: u64,
    remaining: u64,
    reset: u64,
    retry_after: Option<u64>,
}

fn limits_of(response: &Response) -> RateLimitHeaders {
    let number = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().parse::<u64>().unwrap())
    };
    RateLimitHeaders {
        limit: number("ratelimit-limit").expect("ratelimit-limit"),
        remaining: number("ratelimit-remaining").expect("ratelimit-remaining"),
        reset: number("ratelimit-reset").expect("ratelimit-reset"),
        retry_after: number(RETRY_AFTER.as_str()),
    }
}

async fn get(app: &TestApp, token: &str, path: &str) -> Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn assert_refused(response: Response, whose: &str) -> RateLimitHeaders {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let limits = limits_of(&response);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["statusCode"], 429, "{body}");
    assert_eq!(body["error"], "Too Many Requests");
    assert!(body["message"].as_str().unwrap().contains(whose), "{body}");
    assert_eq!(limits.remaining, 0);
    limits
}

#[tokio::test]
async fn every_response_counts_down_and_one_client_cannot_spend_anothers_quota() {
    let app = spawn_app(settings_with(LimitSettings {
        client_requests: 4,
        client_window_secs: 60,
        ..unlimited()
    }))
    .await;
    let reader = access_token(&app, READER_ID, READER_SECRET).await;
    let admin = access_token(&app, ADMIN_ID, ADMIN_SECRET).await;

    // A success, a 404 and a 403 each spend one request and say so.
    let unknown = format!("/integrated-account/{}", uuid::Uuid::new_v4());
    let ok = get(&app, &reader, "/integrated-account").await;
    let missing = get(&app, &reader, &unknown).await;
    let forbidden = app
        .client
        .post(app.url("/integrated-account"))
        .bearer_auth(&reader)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let last = get(&app, &reader, "/integrated-account").await;
    for (response, status, remaining) in [
        (&ok, StatusCode::OK, 3),
        (&missing, StatusCode::NOT_FOUND, 2),
        (&forbidden, StatusCode::FORBIDDEN, 1),
        (&last, StatusCode::OK, 0),
    ] {
        assert_eq!(response.status(), status);
        let limits = limits_of(response);
        assert_eq!((limits.limit, limits.remaining), (4, remaining));
        assert!(limits.retry_after.is_none());
        // One request comes back every 15 s; the whole quota within the window.
        assert!((1..=60).contains(&limits.reset), "reset {}", limits.reset);
    }

    let refused = assert_refused(get(&app, &reader, "/integrated-account").await, "client").await;
    let retry_after = refused.retry_after.expect("Retry-After");
    assert!((1..=15).contains(&retry_after), "Retry-After {retry_after}");
    assert!(refused.reset >= retry_after && refused.reset <= 60);

    let other = get(&app, &admin, "/integrated-account").await;
    assert_eq!(other.status(), StatusCode::OK);
    assert_eq!(limits_of(&other).remaining, 3);

    // A bad token spends nothing: it is refused before any quota is looked at.
    let bad = get(&app, "not-a-token", "/integrated-account").await;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert!(bad.headers().get("ratelimit-limit").is_none());
}

#[tokio::test]
async fn the_account_quota_counts_what_reaches_jamf_and_leaves_others_alone() {
    let mut settings = settings_with(LimitSettings {
        account_requests: 3,
        account_window_secs: 60,
        ..unlimited()
    });
    settings.auth.clients.push(caller(
        "globex-reader",
        "globex-secret-0123456789",
        &["directory:read", "accounts:read", "accounts:write"],
        &["globex"],
    ));
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let app = spawn_app(settings).await;
    let admin = access_token(&app, ADMIN_ID, ADMIN_SECRET).await;
    let outsider = access_token(&app, "globex-reader", "globex-secret-0123456789").await;
    let busy = connect_sim(&app, &admin, &sim, "acme").await;
    let quiet = connect_sim(&app, &admin, &sim, "acme").await;
    let users = |id: &str| format!("{USERS}?integrated_account_id={id}");

    // A caller who may not see the account gets the usual 404 and spends none of its quota.
    for _ in 0..5 {
        let response = app.get_fresh(&users(&busy), &outsider).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    // The cold read reaches Jamf (spends one); warm reads are answered from the snapshot.
    let cold = get(&app, &admin, &users(&busy)).await;
    assert_eq!(cold.status(), StatusCode::OK);
    assert_eq!((limits_of(&cold).limit, limits_of(&cold).remaining), (3, 2));
    for _ in 0..10 {
        let warm = get(&app, &admin, &users(&busy)).await;
        assert_eq!(warm.status(), StatusCode::OK);
        assert_eq!(
            limits_of(&warm).limit,
            1_000_000,
            "only the client's quota applied"
        );
    }
    // Every request that reaches Jamf for the account spends from the same quota: no-cache
    // reads (under either spelling of the parameter), refresh-credentials and PATCH.
    let fresh = app.get_fresh(&users(&busy), &admin).await;
    assert_eq!(
        (fresh.status(), limits_of(&fresh).remaining),
        (StatusCode::OK, 1)
    );
    let bracketed = format!("{USERS}?integrated_account_id[]={busy}");
    let fresh = app.get_fresh(&bracketed, &admin).await;
    assert_eq!(
        (fresh.status(), limits_of(&fresh).remaining),
        (StatusCode::OK, 0)
    );
    let refused = assert_refused(
        app.get_fresh(&users(&busy), &admin).await,
        "integrated account",
    )
    .await;
    assert!(refused.retry_after.is_some_and(|s| (1..=20).contains(&s)));
    assert_refused(
        app.get_fresh(&bracketed, &admin).await,
        "integrated account",
    )
    .await;
    let refresh = |id: &str| {
        app.client
            .post(app.url("/integrated-account/refresh-credentials"))
            .bearer_auth(&admin)
            .json(&json!({ "id": id }))
            .send()
    };
    assert_refused(refresh(&busy).await.unwrap(), "integrated account").await;
    let patch = app
        .client
        .patch(app.url(&format!("/integrated-account/{busy}")))
        .bearer_auth(&admin)
        .json(&json!({"context": {"client_secret": "sim-secret"}}))
        .send()
        .await
        .unwrap();
    assert_refused(patch, "integrated account").await;
    // Reads a snapshot answers, and the account itself, are still served.
    assert_eq!(
        get(&app, &admin, &users(&busy)).await.status(),
        StatusCode::OK
    );
    let account = get(&app, &admin, &format!("/integrated-account/{busy}")).await;
    assert_eq!(account.status(), StatusCode::OK);
    let leavers = app
        .client
        .post(app.url("/access-review/leavers"))
        .bearer_auth(&admin)
        .json(&json!({"people": [{"email": "a@example.com"}], "integrated_account_id": busy}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        leavers.status(),
        StatusCode::OK,
        "a leavers check the snapshot answers"
    );

    let other = get(&app, &admin, &users(&quiet)).await;
    assert_eq!(other.status(), StatusCode::OK);
    assert_eq!(limits_of(&other).remaining, 2);
    let refreshed = refresh(&quiet).await.unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK);
    assert_eq!(limits_of(&refreshed).remaining, 1);
}

#[tokio::test]
async fn under_the_default_limits_warm_reads_are_never_refused_and_fresh_reads_are() {
    let mut settings = test_settings();
    settings.limits = LimitSettings::default();
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let app = spawn_app(settings).await;
    let admin = access_token(&app, ADMIN_ID, ADMIN_SECRET).await;
    let account = connect_sim(&app, &admin, &sim, "acme").await;
    let path = format!("{USERS}?integrated_account_id={account}&limit=1");
    assert_eq!(get(&app, &admin, &path).await.status(), StatusCode::OK);

    let statuses = |fresh: bool| {
        let calls = (0..100).map(|_| {
            let (app, admin, path) = (&app, &admin, &path);
            async move {
                if fresh {
                    app.get_fresh(path, admin).await.status()
                } else {
                    get(app, admin, path).await.status()
                }
            }
        });
        futures::future::join_all(calls)
    };
    let warm = statuses(false).await;
    assert!(warm.iter().all(|s| *s == StatusCode::OK), "{warm:?}");
    let fresh = statuses(true).await;
    let refused = fresh
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let quota = LimitSettings::default().account_requests as usize;
    assert!(
        refused > 0 && fresh.len() - refused <= quota,
        "at most {quota} of 100 no-cache reads pass: {refused} refused"
    );
}

#[tokio::test]
async fn a_refused_client_is_served_again_after_retry_after() {
    let app = spawn_app(settings_with(LimitSettings {
        client_requests: 2,
        client_window_secs: 2,
        ..unlimited()
    }))
    .await;
    let reader = access_token(&app, READER_ID, READER_SECRET).await;
    // However slowly this machine runs, a refusal comes within a few requests: each one
    // returns a request to the quota only every second.
    let mut refused = None;
    for _ in 0..50 {
        let response = get(&app, &reader, "/integrated-account").await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(limits_of(&response));
            break;
        }
        assert_eq!(response.status(), StatusCode::OK);
    }
    let refused = refused.expect("a 429 within 50 requests");
    let retry_after = refused.retry_after.expect("Retry-After");
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    assert!(refused.reset <= 2, "reset {}", refused.reset);

    // Waiting on the limiter's own answer, not on readiness.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let again = get(&app, &reader, "/integrated-account").await;
    assert_eq!(again.status(), StatusCode::OK);
}
