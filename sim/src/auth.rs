//! Token endpoints: OAuth client credentials, Basic → bearer, keep-alive, invalidation,
//! and `GET /api/v1/auth`.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::SecondsFormat;
use serde_json::json;

use super::data::CLIENT_ROLE_ID;
use super::errors::{self, Answer, Surface, oauth_error};
use super::guard::{authorize, bearer};
use super::state::SimState;
use super::tokens::{self, Principal};

type Sim = State<Arc<SimState>>;

async fn token_latency(state: &SimState) {
    let ms = state.faults().token_latency_ms;
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, pass) = decoded.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

/// `POST /api/v1/oauth/token` and `/api/oauth/token`. Client authentication is checked
/// before the grant, as in Spring Authorization Server (which produces Jamf's bodies).
pub async fn oauth_token(State(state): Sim, headers: HeaderMap, body: Bytes) -> Response {
    token_latency(&state).await;
    let invalid_client = || oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", None);
    // Jamf refuses client credentials sent as HTTP Basic (observed 401 invalid_client).
    if basic_credentials(&headers).is_some() {
        return invalid_client();
    }
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let values = |key: &str| -> Vec<&str> {
        form.iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let (ids, secrets) = (values("client_id"), values("client_secret"));
    let rt = state.runtime();
    let authenticated = matches!((ids.as_slice(), secrets.as_slice()), ([id], [secret])
        if *id == state.config.client_id && *secret == state.config.client_secret);
    // A disabled client is refused like a wrong secret (inferred; RFC 6749 behaviour).
    if !authenticated || !rt.client_enabled {
        return invalid_client();
    }
    match values("grant_type").as_slice() {
        ["client_credentials"] => {}
        [_] => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", None),
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                Some("OAuth 2.0 Parameter: grant_type"),
            );
        }
    }
    let granted = vec![format!("api-role:{CLIENT_ROLE_ID}")];
    let scope = match values("scope").as_slice() {
        [] => granted,
        [requested] => {
            let asked: Vec<String> = requested.split_whitespace().map(str::to_owned).collect();
            if asked.iter().any(|s| !granted.contains(s)) {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", None);
            }
            asked
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                Some("OAuth 2.0 Parameter: scope"),
            );
        }
    };
    let lifetime = state.config.token_lifetime_secs;
    let iat = state.clock.wall().timestamp();
    let claims = tokens::client_claims(
        &state.config.client_id,
        &scope,
        iat,
        i64::try_from(lifetime).unwrap_or(i64::MAX),
    );
    let token = tokens::jwt("HS256", &claims, &state.signing_key);
    state.tokens.insert(
        token.clone(),
        Principal::Client {
            client_id: state.config.client_id.clone(),
        },
        state.clock.expiry(Duration::from_secs(lifetime)),
    );
    // Real Jamf reports one second less than the token's exp - iat (599 for 600).
    let body = json!({
        "access_token": token,
        "scope": scope.join(" "),
        "token_type": "Bearer",
        "expires_in": lifetime.saturating_sub(1),
    });
    let mut resp = Json(body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

fn issue_user_token(state: &SimState, username: &str) -> Response {
    let lifetime = Duration::from_secs(state.config.user_token_lifetime_secs);
    let expires = state.clock.wall() + lifetime;
    let account_id = state.data.account_by_name(username).map_or(0, |a| a.id);
    let claims = tokens::user_claims(account_id, expires.timestamp());
    let token = tokens::jwt("HS512", &claims, &state.signing_key);
    state.tokens.insert(
        token.clone(),
        Principal::User {
            username: username.to_owned(),
        },
        state.clock.now() + lifetime,
    );
    Json(json!({
        "token": token,
        "expires": expires.to_rfc3339_opts(SecondsFormat::Millis, true),
    }))
    .into_response()
}

/// `POST /api/v1/auth/token` with HTTP Basic.
pub async fn basic_token(State(state): Sim, headers: HeaderMap) -> Response {
    token_latency(&state).await;
    let ok = basic_credentials(&headers)
        .is_some_and(|(u, p)| u == state.config.basic_username && p == state.config.basic_password);
    if !ok {
        return errors::api_error_empty(StatusCode::UNAUTHORIZED);
    }
    if state.faults().expired_password {
        return errors::api_error(
            StatusCode::UNAUTHORIZED,
            "USER_EXPIRED_PASSWORD",
            "User password has expired",
            None,
        );
    }
    issue_user_token(&state, &state.config.basic_username)
}

/// `POST /api/v1/auth/keep-alive`: new user token, old one invalidated. OAuth tokens cannot
/// be kept alive; Jamf's answer is unrecorded, 401 INVALID_TOKEN is inferred.
pub async fn keep_alive(State(state): Sim, headers: HeaderMap) -> Answer {
    match authorize(&state, &headers, Surface::Pro, None)? {
        Principal::User { username } => {
            if let Some(old) = bearer(&headers) {
                state.tokens.remove(old);
            }
            Ok(issue_user_token(&state, &username))
        }
        Principal::Client { .. } => Ok(errors::invalid_token()),
    }
}

/// `POST /api/v1/auth/invalidate-token`: 204, the token stops working.
pub async fn invalidate(State(state): Sim, headers: HeaderMap) -> Answer {
    authorize(&state, &headers, Surface::Pro, None)?;
    if let Some(token) = bearer(&headers) {
        state.tokens.remove(token);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/auth`: the current principal (`AuthorizationV1`). For API clients the
/// account payload is undocumented; this one is inferred.
pub async fn current(State(state): Sim, headers: HeaderMap) -> Answer {
    let principal = authorize(&state, &headers, Surface::Pro, None)?;
    let (id, username, real_name, email, privileges, auth_type) = match &principal {
        Principal::User { username } => {
            let account = state.data.account_by_name(username);
            (
                account.map_or(0, |a| a.id).to_string(),
                username.clone(),
                account.map(|a| a.full_name.clone()).unwrap_or_default(),
                account.map(|a| a.email_address.clone()).unwrap_or_default(),
                super::privileges::all_privilege_names(),
                "JSS",
            )
        }
        Principal::Client { client_id } => (
            "-1".to_owned(),
            client_id.clone(),
            "jamf-directory".to_owned(),
            String::new(),
            state.runtime().client_privileges,
            "CLIENT_CREDENTIALS",
        ),
    };
    let privilege_set = match principal {
        Principal::User { .. } => "ADMINISTRATOR",
        Principal::Client { .. } => "CUSTOM",
    };
    Ok(Json(json!({
        "account": {
            "id": id,
            "username": username,
            "realName": real_name,
            "email": email,
            "preferences": {"language": "en", "dateFormat": "MM/dd/yyyy", "region": "Europe",
                            "timezone": "Etc/GMT", "disableRelativeDates": false},
            "multiSiteAdmin": true,
            "accessLevel": "FullAccess",
            "privilegeSet": privilege_set,
            "privilegesBySite": { "-1": privileges },
            "groupIds": [],
            "currentSiteId": "-1",
            "currentDivisionId": null,
        },
        "accountGroups": [],
        "sites": state.data.sites.iter()
            .map(|s| json!({"id": s.id.to_string(), "divisionId": null, "name": s.name}))
            .collect::<Vec<_>>(),
        "authenticationType": auth_type,
    }))
    .into_response())
}
