//! The one object that issues caller tokens and verifies them: built once from the settings,
//! shared through `AppState`.

use secrecy::SecretString;

use super::clients::{AuthFailure, ClientRegistry};
use super::jwt::{TokenCodec, VerifyError};
use crate::settings::{Settings, SettingsError};

/// The only grant this service speaks (RFC 6749 §4.4).
pub const CLIENT_CREDENTIALS: &str = "client_credentials";

/// A parsed token request; the HTTP layer has already settled how the client authenticated.
pub struct TokenRequest {
    pub grant_type: Option<String>,
    /// Id and secret, from Basic or the form; `None` when the request carried neither.
    pub client: Option<(String, SecretString)>,
    /// Space-delimited; absent means every scope the client holds.
    pub scope: Option<String>,
}

/// A successful grant. The token is secret: it leaves only in the response body.
pub struct IssuedToken {
    pub access_token: SecretString,
    pub expires_in: u64,
    pub scope: String,
}

/// RFC 6749 §5.2 errors of the token endpoint.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("{0}")]
    InvalidRequest(String),
    /// Same answer for an unknown id, a wrong secret and a disabled client; the reason is logged.
    #[error("client authentication failed")]
    InvalidClient,
    #[error("only grant_type=client_credentials is supported")]
    UnsupportedGrantType,
    #[error("scope {0:?} is not allowed for this client")]
    InvalidScope(String),
    #[error("the token could not be issued")]
    ServerError,
}

impl GrantError {
    /// The RFC 6749 `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope(_) => "invalid_scope",
            Self::ServerError => "server_error",
        }
    }
}

/// Who a verified token speaks for, as the configuration says now.
#[derive(Debug, Clone)]
pub struct Principal {
    pub client_id: String,
    /// The token's scopes that the client still holds.
    pub scopes: Vec<String>,
    /// Tenant ids the client may see; `"*"` means all.
    pub tenants: Vec<String>,
}

pub struct Authority {
    clients: ClientRegistry,
    codec: TokenCodec,
    ttl_secs: u64,
}

impl Authority {
    /// Fails when the signing key is missing or unusable, naming the setting.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        Ok(Self {
            clients: ClientRegistry::new(&settings.auth.clients)?,
            codec: TokenCodec::new(
                &settings.signing_key()?,
                settings.issuer(),
                settings.auth.audience.clone(),
            ),
            ttl_secs: settings.auth.token_ttl_secs,
        })
    }

    /// The client-credentials grant: grant type, then client authentication, then scope.
    pub fn grant(&self, request: TokenRequest) -> Result<IssuedToken, GrantError> {
        match request.grant_type.as_deref() {
            None | Some("") => {
                return Err(GrantError::InvalidRequest("grant_type is required".into()));
            }
            Some(CLIENT_CREDENTIALS) => {}
            Some(_) => return Err(GrantError::UnsupportedGrantType),
        }
        let (id, secret) = request.client.ok_or(GrantError::InvalidClient)?;
        let client = self.clients.authenticate(&id, &secret).map_err(|reason| {
            // An unknown id is caller-chosen text: only known ids reach the log.
            let known = (reason != AuthFailure::UnknownClient).then_some(id.as_str());
            tracing::info!(
                client_id = known,
                reason = reason.as_str(),
                "caller authentication failed"
            );
            GrantError::InvalidClient
        })?;
        // A blank `scope=` means the same as none: every scope the client holds.
        let requested = request.scope.as_deref().filter(|s| !s.trim().is_empty());
        let scopes = match requested {
            None => client.scopes.clone(),
            Some(requested) => {
                let mut granted: Vec<String> = Vec::new();
                for scope in requested.split(' ').filter(|s| !s.is_empty()) {
                    if !client.scopes.iter().any(|s| s == scope) {
                        return Err(GrantError::InvalidScope(scope.to_string()));
                    }
                    if !granted.iter().any(|s| s == scope) {
                        granted.push(scope.to_string());
                    }
                }
                granted
            }
        };
        let scope = scopes.join(" ");
        let binding = client.secret_binding();
        let claims = self
            .codec
            .claims(&client.id, binding, scope.clone(), self.ttl_secs);
        let access_token = self.codec.sign(&claims).map_err(|e| {
            tracing::error!(error = %e, "signing a caller token failed");
            GrantError::ServerError
        })?;
        tracing::info!(client_id = %client.id, scope = %scope, "caller token issued");
        Ok(IssuedToken {
            access_token,
            expires_in: self.ttl_secs,
            scope,
        })
    }

    /// Verifies a bearer token, then looks its client up in the current configuration: a
    /// removed or disabled client, or one whose secret changed since the token was issued,
    /// loses access at once, and scopes dropped from the client's configuration drop out of
    /// its tokens too.
    pub fn verify(&self, token: &str) -> Result<Principal, VerifyError> {
        let claims = self.codec.verify(token)?;
        let client = self
            .clients
            .get(&claims.sub)
            .ok_or(VerifyError::UnknownClient)?;
        if !client.enabled {
            return Err(VerifyError::DisabledClient);
        }
        if !client.is_bound_to(&claims.secret_binding) {
            return Err(VerifyError::SecretChanged);
        }
        let scopes = claims
            .scope
            .split(' ')
            .filter(|s| client.scopes.iter().any(|held| held == s))
            .map(str::to_string)
            .collect();
        Ok(Principal {
            client_id: client.id.clone(),
            scopes,
            tenants: client.tenants.clone(),
        })
    }
}
