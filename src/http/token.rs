//! `POST /auth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for callers.
//! Speaks RFC 6749 everywhere, errors included, never the service's own envelope. This module
//! reads the HTTP request (method, content type, form, Basic credentials); the decisions are
//! `auth::Authority::grant`'s.

use std::net::SocketAddr;

use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::OAuthErrorBody;
use super::rate_limit::Decision;
use super::state::AppState;
use crate::auth::{GrantError, IssuedToken, TokenRequest};

/// A client-credentials form is a few hundred bytes; anything near this is not one.
const FORM_LIMIT: usize = 8 * 1024;
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

pub fn routes() -> OpenApiRouter<AppState> {
    let (schemas, paths, method_router) = routes!(token);
    // Other methods get RFC 6749's `invalid_request` rather than axum's 405, and stay out of
    // the OpenAPI document; they cost nothing, so they are not rate limited. POST is limited
    // inside `token`, which needs the client id from the form, before the secret check.
    OpenApiRouter::new().routes((schemas, paths, method_router.fallback(wrong_method)))
}

/// The token request form (RFC 6749 §4.4.2). Unknown parameters are ignored, as §3.2 asks.
#[derive(Deserialize, ToSchema)]
struct TokenForm {
    /// Must be `client_credentials`. Optional in the type only so its absence is answered
    /// in RFC 6749 terms.
    #[schema(example = "client_credentials", required = true)]
    grant_type: Option<String>,
    /// With `client_secret` when not using HTTP Basic (`client_secret_post`).
    #[schema(example = "compliance-platform")]
    client_id: Option<String>,
    /// The secret whose SHA-256 is the client's `client_secret_sha256`.
    #[schema(value_type = Option<String>, format = Password)]
    client_secret: Option<SecretString>,
    /// Space-delimited subset of the client's scopes; absent means all of them.
    #[schema(example = "directory:read accounts:read")]
    scope: Option<String>,
}

/// A successful grant (RFC 6749 §5.1). There is never a refresh token.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3Mi…", "token_type": "Bearer", "expires_in": 900, "scope": "directory:read accounts:read"}))]
struct TokenResponse {
    /// An HS256 JWT; send it as `Authorization: Bearer <access_token>`.
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Seconds until the token expires.
    expires_in: u64,
    /// The granted scopes, space-delimited.
    scope: String,
}

/// Get a caller token (OAuth 2.0 client credentials).
///
/// Authenticate the client with HTTP Basic (id and secret form-encoded first, RFC 6749
/// §2.3.1) or with `client_id` and `client_secret` in the form, not both (`invalid_request`).
/// Every response carries `Cache-Control: no-store` and `Pragma: no-cache`. Errors are RFC 6749
/// §5.2 bodies; an unknown client, a wrong secret and a disabled client all answer the same
/// 401 `invalid_client`. Methods other than POST answer 400 `invalid_request`. Attempts are
/// rate limited per source address before the secret is checked, and failed authentications
/// per client id (`429`); a correct secret is never refused by the client id's quota.
#[utoipa::path(post, path = "/auth/token", tag = "auth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded",
        example = json!({"grant_type": "client_credentials", "client_id": "compliance-platform",
            "client_secret": "…", "scope": "directory:read"})),
    responses(
        (status = 200, description = "Token issued", body = TokenResponse,
            headers(("Cache-Control" = String, description = "`no-store`"),
                    ("Pragma" = String, description = "`no-cache`")),
            example = json!({"access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3Mi…",
                "token_type": "Bearer", "expires_in": 900, "scope": "directory:read"})),
        (status = 400, description = "Malformed request, unsupported grant or disallowed scope",
            body = OAuthErrorBody, examples(
            ("invalid_request" = (summary = "Not a form, a parameter missing or repeated, credentials sent twice",
                value = json!({"error": "invalid_request", "error_description": "grant_type is required"}))),
            ("unsupported_grant_type" = (summary = "Any grant but client_credentials",
                value = json!({"error": "unsupported_grant_type", "error_description": "only grant_type=client_credentials is supported"}))),
            ("invalid_scope" = (summary = "A scope the client does not hold",
                value = json!({"error": "invalid_scope", "error_description": "scope \"accounts:write\" is not allowed for this client"}))))),
        (status = 401, description = "Client authentication failed", body = OAuthErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"jamf-directory\"`")),
            example = json!({"error": "invalid_client", "error_description": "client authentication failed"})),
        (status = 500, description = "The token could not be signed", body = OAuthErrorBody,
            example = json!({"error": "server_error", "error_description": "the token could not be issued"})),
    ))]
async fn token(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let limits = &state.limits;
    // The address quota is spent by every attempt, before the body is even read: a flood from
    // one address costs map lookups, not verification work.
    let source = match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(addr)) => Some(limits.token_source(addr.ip()).await),
        None => None,
    };
    if let Some(refused) = source.filter(Decision::denied) {
        return rate_limited(refused);
    }
    let (outcome, decision) = match read_request(&parts.headers, body).await {
        Ok(request) => {
            let client_id = request.client.as_ref().map(|(id, _)| id.clone());
            let outcome = state.authority.grant(request);
            // Only failed authentications spend a client id's quota. Client ids are not
            // secret: if every attempt counted, anyone could lock a platform out by failing
            // with its id. A correct secret is always served (the address quota still bounds
            // each address's attempts); wrong ones beyond the quota answer 429.
            let by_id = match (&outcome, client_id) {
                (Err(err), Some(id)) if err.code() == "invalid_client" => {
                    Some(limits.token_client(&id).await)
                }
                _ => None,
            };
            if let Some(refused) = by_id.filter(Decision::denied) {
                return rate_limited(refused);
            }
            let decision = match (source, by_id) {
                (Some(a), Some(b)) => Some(a.tighter(b)),
                (a, b) => a.or(b),
            };
            (outcome, decision)
        }
        Err(err) => (Err(err), source),
    };
    metrics::counter!("auth_token_requests_total", "outcome" => match &outcome {
        Ok(_) => "issued",
        Err(err) => err.code(),
    })
    .increment(1);
    let mut response = respond(outcome);
    if let Some(decision) = decision {
        decision.write_headers(response.headers_mut());
    }
    response
}

/// 429 in RFC 6749's shape: it has no code for this, so `invalid_request`, as the request
/// cannot be processed now.
fn rate_limited(decision: Decision) -> Response {
    metrics::counter!("auth_token_requests_total", "outcome" => "rate_limited").increment(1);
    let body = OAuthErrorBody {
        error: "invalid_request",
        error_description: format!(
            "too many token requests; retry after {} s",
            decision.retry_after_secs()
        ),
    };
    let mut response = no_store((StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response());
    decision.write_headers(response.headers_mut());
    response
}

async fn wrong_method() -> Response {
    respond(Err(GrantError::InvalidRequest(
        "the token endpoint accepts only POST".into(),
    )))
}

async fn read_request(headers: &HeaderMap, body: Body) -> Result<TokenRequest, GrantError> {
    let invalid = |message: &str| GrantError::InvalidRequest(message.into());
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(FORM_CONTENT_TYPE));
    if !is_form {
        return Err(invalid(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let bytes = to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| invalid("the form body is too large or was cut short"))?;
    if bytes.is_empty() {
        return Err(invalid(
            "the request body is empty; send the token request form",
        ));
    }
    // Serde refuses a repeated field, which RFC 6749 §3.2 forbids; values are never echoed.
    let form: TokenForm = serde_urlencoded::from_bytes(&bytes)
        .map_err(|e| GrantError::InvalidRequest(format!("the form could not be read: {e}")))?;
    let client = match (
        basic_credentials(headers)?,
        form.client_id,
        form.client_secret,
    ) {
        (Some(_), _, Some(_)) => {
            return Err(invalid(
                "client credentials arrived by more than one method; use HTTP Basic or the form, not both",
            ));
        }
        (Some((id, _)), Some(form_id), None) if form_id != id => {
            return Err(invalid(
                "client_id in the form differs from the Basic credentials",
            ));
        }
        (Some(basic), _, None) => Some(basic),
        // A missing secret still runs the comparison, so it costs what a wrong one does.
        (None, Some(id), secret) => Some((id, secret.unwrap_or_else(|| SecretString::from("")))),
        (None, None, _) => None,
    };
    Ok(TokenRequest {
        grant_type: form.grant_type,
        client,
        scope: form.scope,
    })
}

/// Client id and secret from `Authorization: Basic`, form-decoded as RFC 6749 §2.3.1 asks.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, SecretString)>, GrantError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || GrantError::InvalidRequest("malformed HTTP Basic credentials".into());
    let value = value.to_str().map_err(|_| malformed())?;
    let encoded = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("basic") => rest.trim(),
        // RFC 6749 §5.2: an unsupported authentication method is `invalid_client`.
        _ => return Err(GrantError::InvalidClient),
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| malformed())?;
    let decoded = SecretString::from(String::from_utf8(decoded).map_err(|_| malformed())?);
    let (id, secret) = decoded
        .expose_secret()
        .split_once(':')
        .ok_or_else(malformed)?;
    let id = form_unescape(id).ok_or_else(malformed)?;
    let secret = SecretString::from(form_unescape(secret).ok_or_else(malformed)?);
    Ok(Some((id, secret)))
}

/// `application/x-www-form-urlencoded` decoding of one value: `+` is a space, `%XY` a byte.
fn form_unescape(text: &str) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        out.push(match b {
            b'+' => b' ',
            b'%' => {
                let hex = [bytes.next()?, bytes.next()?];
                u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?
            }
            b => b,
        });
    }
    String::from_utf8(out).ok()
}

fn respond(outcome: Result<IssuedToken, GrantError>) -> Response {
    let response = match outcome {
        Ok(issued) => Json(TokenResponse {
            access_token: issued.access_token.expose_secret().to_string(),
            token_type: "Bearer",
            expires_in: issued.expires_in,
            scope: issued.scope,
        })
        .into_response(),
        Err(err) => {
            let status = match err {
                GrantError::InvalidClient => StatusCode::UNAUTHORIZED,
                GrantError::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::BAD_REQUEST,
            };
            let body = OAuthErrorBody {
                error: err.code(),
                error_description: err.to_string(),
            };
            let mut response = (status, Json(body)).into_response();
            if status == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"jamf-directory\""),
                );
            }
            response
        }
    };
    no_store(response)
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::form_unescape;

    #[test]
    fn form_unescape_decodes_plus_and_percent_and_refuses_broken_escapes() {
        assert_eq!(form_unescape("a%3Ab+c%25").as_deref(), Some("a:b c%"));
        assert_eq!(form_unescape("caf%C3%A9").as_deref(), Some("café"));
        assert_eq!(form_unescape("50%"), None);
        assert_eq!(form_unescape("%zz"), None);
        assert_eq!(form_unescape("%FF"), None);
    }
}
