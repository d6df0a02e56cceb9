//! Against a stub Jamf, for what the simulator cannot play: the pre-11 token path, redirects,
//! and a Jamf that refuses every token.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use jamf_directory::jamf::JamfError;

use super::{client, hub, oauth_stub};

/// Requests a stub Jamf received, by kind.
#[derive(Default)]
struct StubCounts {
    v1_token: AtomicUsize,
    legacy_token: AtomicUsize,
    accounts: AtomicUsize,
}

/// A stub Jamf for what the simulator cannot do: no `/api/v1/oauth/token` (Jamf before 11),
/// a version endpoint that redirects (when `redirect`), and accounts that refuse every token.
async fn stub_jamf(redirect: bool) -> (String, Arc<StubCounts>) {
    let counts = Arc::new(StubCounts::default());
    let hit = |counter: fn(&StubCounts) -> &AtomicUsize, status: StatusCode, body: &'static str| {
        let counts = Arc::clone(&counts);
        move || async move {
            counter(&counts).fetch_add(1, Ordering::SeqCst);
            (status, body)
        }
    };
    let token = r#"{"access_token":"t","token_type":"Bearer","expires_in":600}"#;
    let version = get(move || async move {
        if redirect {
            (
                StatusCode::FOUND,
                [(header::LOCATION, "https://elsewhere.example/")],
                "",
            )
                .into_response()
        } else {
            r#"{"version":"11.30.1"}"#.into_response()
        }
    });
    let app = Router::new()
        .route(
            "/api/v1/oauth/token",
            post(hit(|c| &c.v1_token, StatusCode::NOT_FOUND, "")),
        )
        .route(
            "/api/oauth/token",
            post(hit(|c| &c.legacy_token, StatusCode::OK, token)),
        )
        .route("/api/v1/jamf-pro-version", version)
        .route(
            "/api/v1/accounts",
            get(hit(|c| &c.accounts, StatusCode::UNAUTHORIZED, "")),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), counts)
}

#[tokio::test]
async fn token_path_falls_back_to_the_legacy_one_on_404() {
    let (base, counts) = stub_jamf(false).await;
    let client = client(&hub(|_| {}), &base, oauth_stub());
    client
        .refresh_token()
        .await
        .expect("token from /api/oauth/token");
    client
        .refresh_token()
        .await
        .expect("again, straight to the legacy path");
    assert_eq!(counts.v1_token.load(Ordering::SeqCst), 1);
    assert_eq!(counts.legacy_token.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let (base, _) = stub_jamf(true).await;
    let client = client(&hub(|_| {}), &base, oauth_stub());
    let err = client.version().await.expect_err("redirect not followed");
    assert!(
        matches!(err, JamfError::Upstream { status: 302, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_token_refused_twice_is_unauthorized_after_exactly_one_retry() {
    let (base, counts) = stub_jamf(false).await;
    let client = client(&hub(|_| {}), &base, oauth_stub());
    let err = client
        .can_read_accounts()
        .await
        .expect_err("every token refused");
    assert!(matches!(err, JamfError::Unauthorized { .. }), "{err:?}");
    assert_eq!(counts.accounts.load(Ordering::SeqCst), 2);
    assert_eq!(counts.legacy_token.load(Ordering::SeqCst), 2);
}
