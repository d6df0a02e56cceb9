//! `POST /auth/token` against the RFC 6749 token-endpoint conformance matrix, over real HTTP.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderMap, PRAGMA, WWW_AUTHENTICATE};
use serde_json::Value;

use crate::support::serve::{Serve, write_config};
use crate::support::{
    ADMIN_ID, ADMIN_SECRET, READER_ID, READER_SECRET, TestApp, caller, spawn_app, test_settings,
    unlimited,
};

const FORM: &str = "application/x-www-form-urlencoded";
const GRANT: &str = "grant_type=client_credentials";

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    /// Asserts an RFC 6749 error: status, code, a description, no caching.
    fn assert_error(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.body["error"], code, "{}", self.body);
        assert!(
            self.body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
        assert!(
            self.body.get("statusCode").is_none(),
            "not the service envelope"
        );
        self.assert_not_cacheable();
    }

    fn assert_not_cacheable(&self) {
        assert_eq!(self.headers[CACHE_CONTROL], "no-store");
        assert_eq!(self.headers[PRAGMA], "no-cache");
        let content_type = self.headers[CONTENT_TYPE].to_str().unwrap();
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
    }

    fn assert_basic_challenge(&self) {
        assert_eq!(
            self.headers[WWW_AUTHENTICATE],
            "Basic realm=\"jamf-directory\""
        );
    }
}

async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.expect("a JSON body");
    Reply {
        status,
        headers,
        body,
    }
}

/// POSTs `form` as a form body, with the client in HTTP Basic when `basic` is given.
async fn post(app: &TestApp, basic: Option<(&str, &str)>, form: &str) -> Reply {
    let mut request = app
        .client
        .post(app.url("/auth/token"))
        .header(CONTENT_TYPE, FORM)
        .body(form.to_string());
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    send(request).await
}

fn form_client(id: &str, secret: &str) -> String {
    format!("{GRANT}&client_id={id}&client_secret={secret}")
}

#[tokio::test]
async fn case_01_methods_other_than_post_are_invalid_requests() {
    let app = spawn_app(test_settings()).await;
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let url = format!("{}?{GRANT}", app.url("/auth/token"));
        let reply = send(
            app.client
                .request(method, url)
                .basic_auth(ADMIN_ID, Some(ADMIN_SECRET)),
        )
        .await;
        reply.assert_error(StatusCode::BAD_REQUEST, "invalid_request");
        assert!(
            reply.body["error_description"]
                .as_str()
                .unwrap()
                .contains("POST")
        );
    }
}

#[tokio::test]
async fn case_02_empty_non_form_oversize_and_repeated_bodies_are_invalid_requests() {
    let app = spawn_app(test_settings()).await;
    let basic = Some((ADMIN_ID, ADMIN_SECRET));
    post(&app, basic, "")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_request");
    let json = app
        .client
        .post(app.url("/auth/token"))
        .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
        .json(&serde_json::json!({"grant_type": "client_credentials"}));
    send(json)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_request");
    let untyped = app.client.post(app.url("/auth/token")).body(GRANT);
    send(untyped.basic_auth(ADMIN_ID, Some(ADMIN_SECRET)))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_request");
    // Under the global body limit, over the form's own.
    let padded = format!("{GRANT}&padding={}", "x".repeat(10_000));
    post(&app, basic, &padded)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_request");
    let repeated = format!("{GRANT}&{GRANT}");
    post(&app, basic, &repeated)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn case_03_missing_grant_type_is_an_invalid_request() {
    let app = spawn_app(test_settings()).await;
    let form = format!("client_id={ADMIN_ID}&client_secret={ADMIN_SECRET}");
    let reply = post(&app, None, &form).await;
    reply.assert_error(StatusCode::BAD_REQUEST, "invalid_request");
    assert!(
        reply.body["error_description"]
            .as_str()
            .unwrap()
            .contains("grant_type")
    );
}

#[tokio::test]
async fn case_04_other_grants_are_unsupported() {
    let app = spawn_app(test_settings()).await;
    for grant in [
        "password",
        "authorization_code",
        "refresh_token",
        "CLIENT_CREDENTIALS",
    ] {
        let form = format!("grant_type={grant}&username=a&password=b");
        post(&app, Some((ADMIN_ID, ADMIN_SECRET)), &form)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
}

#[tokio::test]
async fn cases_05_to_07_unknown_clients_and_wrong_secrets_are_invalid_clients() {
    let app = spawn_app(test_settings()).await;
    let unknown = post(&app, Some(("nobody", ADMIN_SECRET)), GRANT).await;
    let wrong_basic = post(&app, Some((ADMIN_ID, "not-the-secret")), GRANT).await;
    let wrong_post = post(&app, None, &form_client(ADMIN_ID, "not-the-secret")).await;
    let no_secret = post(&app, None, &format!("{GRANT}&client_id={ADMIN_ID}")).await;
    let anonymous = post(&app, None, GRANT).await;
    for reply in [&unknown, &wrong_basic, &wrong_post, &no_secret, &anonymous] {
        reply.assert_error(StatusCode::UNAUTHORIZED, "invalid_client");
        reply.assert_basic_challenge();
        assert!(!reply.body.to_string().contains("not-the-secret"));
    }
    // Nothing tells an unknown id from a wrong secret.
    assert_eq!(unknown.body, wrong_basic.body);
    assert_eq!(unknown.body, wrong_post.body);
    let bearer = app
        .client
        .post(app.url("/auth/token"))
        .header(CONTENT_TYPE, FORM)
        .bearer_auth("whatever")
        .body(GRANT);
    let reply = send(bearer).await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "invalid_client");
    reply.assert_basic_challenge();
}

#[tokio::test]
async fn case_08_credentials_by_two_methods_are_an_invalid_request() {
    let app = spawn_app(test_settings()).await;
    let both = form_client(ADMIN_ID, ADMIN_SECRET);
    let reply = post(&app, Some((ADMIN_ID, ADMIN_SECRET)), &both).await;
    reply.assert_error(StatusCode::BAD_REQUEST, "invalid_request");
    assert!(
        reply.body["error_description"]
            .as_str()
            .unwrap()
            .contains("more than one")
    );
    let mismatched = format!("{GRANT}&client_id={READER_ID}");
    post(&app, Some((ADMIN_ID, ADMIN_SECRET)), &mismatched)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_request");
    // The same id repeated in the form is harmless.
    let repeated_id = format!("{GRANT}&client_id={ADMIN_ID}");
    assert_eq!(
        post(&app, Some((ADMIN_ID, ADMIN_SECRET)), &repeated_id)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn case_09_a_disabled_client_is_an_invalid_client() {
    let mut settings = test_settings();
    let mut retired = caller("retired", "retired-secret", &["directory:read"], &["*"]);
    retired.enabled = false;
    settings.auth.clients.push(retired);
    let app = spawn_app(settings).await;
    for reply in [
        post(&app, Some(("retired", "retired-secret")), GRANT).await,
        post(&app, None, &form_client("retired", "retired-secret")).await,
    ] {
        reply.assert_error(StatusCode::UNAUTHORIZED, "invalid_client");
        reply.assert_basic_challenge();
    }
}

#[tokio::test]
async fn case_10_scopes_beyond_the_client_are_invalid_scope() {
    let app = spawn_app(test_settings()).await;
    let reader = Some((READER_ID, READER_SECRET));
    for scope in ["accounts:write", "directory:read%20accounts:write", "admin"] {
        post(&app, reader, &format!("{GRANT}&scope={scope}"))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_scope");
    }
    let narrowed = post(&app, reader, &format!("{GRANT}&scope=directory:read")).await;
    assert_eq!(narrowed.status, StatusCode::OK);
    assert_eq!(narrowed.body["scope"], "directory:read");
}

#[tokio::test]
async fn case_11_basic_credentials_are_form_decoded() {
    let mut settings = test_settings();
    let (id, secret) = ("ops team/1", "p@ss:w%rd+x é");
    settings
        .auth
        .clients
        .push(caller(id, secret, &["directory:read"], &["*"]));
    let app = spawn_app(settings).await;
    // RFC 6749 §2.3.1: form-encode id and secret, then Basic.
    let encoded = ("ops+team%2F1", "p%40ss%3Aw%25rd%2Bx+%C3%A9");
    let reply = post(&app, Some(encoded), GRANT).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["scope"], "directory:read");
    let broken = post(&app, Some(("ops%2", "x")), GRANT).await;
    broken.assert_error(StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn case_12_success_is_a_bearer_token_without_refresh_token() {
    let app = spawn_app(test_settings()).await;
    let by_basic = post(&app, Some((ADMIN_ID, ADMIN_SECRET)), GRANT).await;
    let by_form = post(&app, None, &form_client(READER_ID, READER_SECRET)).await;
    for (reply, scope) in [
        (
            &by_basic,
            "directory:read accounts:read accounts:write evidence:read evidence:write",
        ),
        (&by_form, "directory:read accounts:read"),
    ] {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.assert_not_cacheable();
        assert_eq!(reply.body["token_type"], "Bearer");
        assert_eq!(reply.body["expires_in"], 900);
        assert_eq!(reply.body["scope"], scope);
        assert!(reply.body.get("refresh_token").is_none());
        let token = reply.body["access_token"].as_str().unwrap();
        assert_eq!(token.split('.').count(), 3, "a JWT");
        let keys: Vec<&String> = reply.body.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 4, "{keys:?}");
    }
    assert_ne!(by_basic.body["access_token"], by_form.body["access_token"]);
}

#[tokio::test]
async fn case_13_every_error_is_an_rfc6749_body_without_internals() {
    let app = spawn_app(test_settings()).await;
    let replies = [
        send(app.client.get(app.url("/auth/token"))).await,
        post(&app, None, "%%%").await,
        post(&app, None, &form_client(ADMIN_ID, "wrong")).await,
        post(&app, Some((ADMIN_ID, ADMIN_SECRET)), "grant_type=x").await,
        post(
            &app,
            Some((READER_ID, READER_SECRET)),
            &format!("{GRANT}&scope=accounts:write"),
        )
        .await,
    ];
    for reply in replies {
        assert!(reply.status.is_client_error(), "{}", reply.status);
        reply.assert_not_cacheable();
        let fields: Vec<&String> = reply.body.as_object().unwrap().keys().collect();
        assert_eq!(fields, ["error", "error_description"]);
        let text = reply.body.to_string();
        for leak in ["panicked", "src/", "wrong", "Error {", "\\n"] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
    }
}

/// A client whose connections come from `source` (any 127/8 address is loopback on Linux).
fn client_from(source: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(source.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn post_from(app: &TestApp, source: &str, id: &str, secret: &str) -> Reply {
    send(
        client_from(source)
            .post(app.url("/auth/token"))
            .basic_auth(id, Some(secret))
            .header(CONTENT_TYPE, FORM)
            .body(GRANT),
    )
    .await
}

impl Reply {
    /// Asserts the 429 of case 14: RFC 6749-shaped, not cacheable, saying when to retry.
    fn assert_rate_limited(&self) {
        self.assert_error(StatusCode::TOO_MANY_REQUESTS, "invalid_request");
        let retry_after: u64 = self.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        // Three attempts per minute: one comes back every 20 s.
        assert!((1..=20).contains(&retry_after), "Retry-After {retry_after}");
        assert_eq!(
            self.body["error_description"],
            format!("too many token requests; retry after {retry_after} s")
        );
        assert_eq!(self.headers["ratelimit-limit"], "3");
        assert_eq!(self.headers["ratelimit-remaining"], "0");
        assert!(self.body.get("access_token").is_none());
    }
}

#[tokio::test]
async fn case_14_failures_are_limited_per_client_id_and_attempts_per_address() {
    let mut settings = test_settings();
    settings.limits = jamf_directory::settings::LimitSettings {
        token_attempts: 3,
        token_window_secs: 60,
        ..unlimited()
    };
    let app = spawn_app(settings).await;

    // Per client id: wrong secrets for "admin", each from a different address, spend its
    // failure quota; beyond it, wrong secrets answer 429.
    for (n, source) in ["127.0.0.11", "127.0.0.12", "127.0.0.13"]
        .iter()
        .enumerate()
    {
        let reply = post_from(&app, source, ADMIN_ID, "wrong-secret").await;
        reply.assert_error(StatusCode::UNAUTHORIZED, "invalid_client");
        assert_eq!(
            reply.headers["ratelimit-remaining"],
            (2 - n).to_string().as_str()
        );
    }
    post_from(&app, "127.0.0.17", ADMIN_ID, "wrong-secret")
        .await
        .assert_rate_limited();
    // No lockout: the right secret, from another address, is served all the same.
    let owner = post_from(&app, "127.0.0.14", ADMIN_ID, ADMIN_SECRET).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);
    // Another client from that address is unaffected.
    let reader = post_from(&app, "127.0.0.14", READER_ID, READER_SECRET).await;
    assert_eq!(reader.status, StatusCode::OK, "{}", reader.body);
    assert!(reader.headers.contains_key("ratelimit-limit"));

    // Per address: three attempts under made-up ids exhaust 127.0.0.15 for everyone, before
    // any secret is compared.
    for id in ["guess-1", "guess-2", "guess-3"] {
        let reply = post_from(&app, "127.0.0.15", id, "x").await;
        reply.assert_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    post_from(&app, "127.0.0.15", READER_ID, READER_SECRET)
        .await
        .assert_rate_limited();
    let elsewhere = post_from(&app, "127.0.0.16", READER_ID, READER_SECRET).await;
    assert_eq!(elsewhere.status, StatusCode::OK, "{}", elsewhere.body);
}

#[tokio::test]
async fn a_flood_of_failures_naming_a_client_never_locks_its_owner_out() {
    let mut settings = test_settings();
    // The default quotas, as a deployment has them.
    settings.limits = jamf_directory::settings::LimitSettings::default();
    let app = spawn_app(settings).await;
    let attempts = jamf_directory::settings::LimitSettings::default().token_attempts;
    // An attacker at one address fails with the admin's id until the address is refused.
    let mut refused = 0;
    for _ in 0..attempts + 5 {
        let reply = post_from(&app, "127.0.0.21", ADMIN_ID, "guessed-secret").await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert_eq!(refused, 5, "the flood from one address is limited");
    // Meanwhile the platform, elsewhere, gets its tokens every time.
    for _ in 0..5 {
        let reply = post_from(&app, "127.0.0.22", ADMIN_ID, ADMIN_SECRET).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
}

#[test]
fn the_openapi_document_describes_post_only_as_a_form() {
    let doc = serde_json::to_value(jamf_directory::http::openapi()).unwrap();
    let path = &doc["paths"]["/auth/token"];
    let methods: Vec<&String> = path.as_object().unwrap().keys().collect();
    assert_eq!(methods, ["post"]);
    assert!(path["post"]["requestBody"]["content"][FORM].is_object());
    for status in ["200", "400", "401", "429"] {
        assert!(path["post"]["responses"][status].is_object(), "{status}");
    }
    let too_many = &path["post"]["responses"]["429"];
    assert!(too_many["headers"]["Retry-After"].is_object(), "{too_many}");
    assert!(
        too_many["headers"]["ratelimit-reset"].is_object(),
        "{too_many}"
    );
}

/// Restarts of a real `serve` (one issuer for all): the same secret keeps a token good; a new
/// secret for the client refuses its older token with 401 `invalid_token`, and a token issued
/// under the new secret works.
#[tokio::test]
async fn tokens_issued_before_a_secret_change_are_refused() {
    const ROTATED: &str = "admin-secret-rotated-9876543210";
    let start = |secret: &'static str| async move {
        let dir = tempfile::tempdir().unwrap();
        let database = format!("sqlite://{}/jd.db", dir.path().display());
        let config = write_config(dir.path(), &database, (ADMIN_ID, secret), "");
        (Serve::start(&config).await, dir)
    };
    let get = |serve: &Serve, token: &str| {
        reqwest::Client::new()
            .get(format!("{}/integrated-account", serve.base))
            .bearer_auth(token)
            .send()
    };
    let (before, _dir) = start(ADMIN_SECRET).await;
    let issued = before.token(ADMIN_ID, ADMIN_SECRET).await;
    before.kill().await;

    let (same_secret, _dir) = start(ADMIN_SECRET).await;
    let response = get(&same_secret, &issued).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "a restart alone keeps it"
    );
    same_secret.kill().await;

    let (rotated, _dir) = start(ROTATED).await;
    let response = get(&rotated, &issued).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["statusCode"], 401);
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("secret that has since changed"),
        "{message}"
    );
    let renewed = rotated.token(ADMIN_ID, ROTATED).await;
    let response = get(&rotated, &renewed).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    rotated.kill().await;
}
