//! The authenticated caller of a protected endpoint: an extractor over the bearer token.
//!
//! ```ignore
//! async fn handler(caller: Caller, ...) -> Result<..., ApiError> {
//!     caller.require("accounts:write")?;
//!     if !caller.can_see(&account.tenant_id) { return Err(ApiError::not_found(...)); }
//! }
//! ```

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};

use super::error::ApiError;
use super::rate_limit::AccountSpend;
use super::state::AppState;
use crate::auth::{ALL_TENANTS, Authority, Principal};

/// RFC 6750 §3: a token that was presented but refused says `invalid_token`.
const INVALID_TOKEN_CHALLENGE: &str = "Bearer realm=\"jamf-directory\", error=\"invalid_token\"";

/// Who is calling, as the current configuration says (the token is not kept).
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    /// The token's scopes that the client still holds.
    pub scopes: Vec<String>,
    /// Tenant ids this caller may see; `"*"` means all.
    pub tenants: Vec<String>,
    /// What this request spent of an integrated account's quota (see `rate_limit`).
    pub account_spend: AccountSpend,
}

impl Caller {
    /// 403 in the envelope, naming the missing scope, unless the token carries `scope`.
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == scope) {
            return Ok(());
        }
        let challenge = format!(
            "Bearer realm=\"jamf-directory\", error=\"insufficient_scope\", scope=\"{scope}\""
        );
        let mut err = ApiError::forbidden(format!(
            "this token lacks the {scope} scope; request it at POST /auth/token (the client must be allowed it)"
        ))
        .with_insight(serde_json::json!({
            "forbidden_error": {
                "description": "The bearer token lacks these scopes.",
                "value": {"missing_scopes": [scope]},
            }
        }));
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            err = err.with_header(header::WWW_AUTHENTICATE, value);
        }
        Err(err)
    }

    /// Whether this caller may see the tenant's accounts; others must look like unknown ids.
    pub fn can_see(&self, tenant_id: &str) -> bool {
        self.tenants
            .iter()
            .any(|t| t == ALL_TENANTS || t == tenant_id)
    }
}

impl From<Principal> for Caller {
    fn from(p: Principal) -> Self {
        Self {
            client_id: p.client_id,
            scopes: p.scopes,
            tenants: p.tenants,
            account_spend: AccountSpend::default(),
        }
    }
}

impl FromRef<AppState> for Arc<Authority> {
    fn from_ref(state: &AppState) -> Self {
        state.authority.clone()
    }
}

/// Generic over the state so tests can extract with an `Authority` alone.
impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Arc<Authority>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // The rate-limit guard verified the token already and left the caller here.
        // Extensions are set only by the server's own layers, never by the request.
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let mut values = parts.headers.get_all(header::AUTHORIZATION).iter();
        let value = match (values.next(), values.next()) {
            (Some(value), None) => value,
            (None, _) => {
                return Err(ApiError::unauthorized(
                    "missing bearer token: send `Authorization: Bearer <access_token>` with a token from POST /auth/token",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(invalid_token("send exactly one Authorization header"));
            }
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                invalid_token("the Authorization header must be `Bearer <access_token>`")
            })?;
        Arc::<Authority>::from_ref(state)
            .verify(token)
            .map(Caller::from)
            .map_err(|e| invalid_token(&e.to_string()))
    }
}

fn invalid_token(message: &str) -> ApiError {
    ApiError::unauthorized(message).with_header(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(INVALID_TOKEN_CHALLENGE),
    )
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use secrecy::{ExposeSecret as _, SecretString};
    use serde_json::Value;
    use tower::ServiceExt as _;

    use super::*;
    use crate::auth::{CLIENT_CREDENTIALS, TokenRequest, hash_secret};
    use crate::settings::{CallerClient, Settings};

    fn authority() -> Arc<Authority> {
        let mut settings = Settings::default();
        settings.auth.signing_key = Some(SecretString::from(
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        ));
        settings.auth.clients = vec![CallerClient {
            client_id: "reader".into(),
            client_secret_sha256: hash_secret("pw"),
            scopes: vec!["directory:read".into()],
            tenants: vec!["acme".into()],
            enabled: true,
        }];
        Arc::new(Authority::from_settings(&settings).unwrap())
    }

    fn token(authority: &Authority) -> String {
        let request = TokenRequest {
            grant_type: Some(CLIENT_CREDENTIALS.into()),
            client: Some(("reader".into(), SecretString::from("pw"))),
            scope: None,
        };
        let issued = authority.grant(request).unwrap();
        issued.access_token.expose_secret().to_string()
    }

    /// Calls a one-route app whose handler needs a `Caller` and `directory:read`.
    async fn call(authorization: Option<&str>) -> (StatusCode, String, Value) {
        let app = Router::new()
            .route(
                "/who",
                get(|caller: Caller| async move {
                    caller.require("directory:read")?;
                    Ok::<_, ApiError>(axum::Json(serde_json::json!({"client": caller.client_id})))
                }),
            )
            .with_state(authority());
        let mut request = Request::get("/who");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        let response = app
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let challenge = response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, challenge, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn a_valid_bearer_token_yields_the_caller() {
        let bearer = format!("Bearer {}", token(&authority()));
        let (status, _, body) = call(Some(&bearer)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["client"], "reader");
    }

    #[tokio::test]
    async fn refusals_are_401_with_a_bearer_challenge_and_never_echo_the_token() {
        let (status, challenge, body) = call(None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(challenge, "Bearer realm=\"jamf-directory\"");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("missing bearer token")
        );

        let valid = token(&authority());
        let tampered = format!("{}x", valid);
        for (authorization, expected) in [
            (format!("Basic {valid}"), "must be `Bearer"),
            ("Bearer ".to_string(), "must be `Bearer"),
            ("Bearer not-a-jwt".to_string(), "malformed"),
            (format!("Bearer {tampered}"), "signature is invalid"),
        ] {
            let (status, challenge, body) = call(Some(&authorization)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{authorization}");
            assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
            let message = body["message"].as_str().unwrap();
            assert!(message.contains(expected), "{authorization}: {message}");
            assert!(
                !body.to_string().contains(&valid[..20]),
                "token echoed: {body}"
            );
        }
    }

    #[test]
    fn require_names_the_missing_scope_in_a_403() {
        let caller = Caller {
            client_id: "reader".into(),
            scopes: vec!["directory:read".into()],
            tenants: vec!["acme".into(), "globex".into()],
            account_spend: Default::default(),
        };
        assert!(caller.require("directory:read").is_ok());
        let err = caller.require("accounts:write").unwrap_err();
        assert_eq!(err.status(), StatusCode::FORBIDDEN);
        assert!(err.message().contains("accounts:write"));
        let insight = err.body().truto_error_insight.unwrap();
        assert_eq!(
            insight["forbidden_error"]["value"]["missing_scopes"],
            serde_json::json!(["accounts:write"])
        );
        assert!(caller.can_see("acme") && caller.can_see("globex"));
        assert!(!caller.can_see("initech") && !caller.can_see("*"));
        let everyone = Caller {
            tenants: vec![ALL_TENANTS.into()],
            ..caller
        };
        assert!(everyone.can_see("initech"));
    }
}
