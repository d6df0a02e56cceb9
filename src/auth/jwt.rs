//! HS256 access tokens: signing and the pinned-down verifier.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret as _, SecretBox, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Tokens longer than this are refused before any decoding work; ours are ~400 bytes.
pub const MAX_TOKEN_LEN: usize = 4096;
/// Clock skew tolerated on `exp` between replicas.
const LEEWAY_SECS: u64 = 30;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The caller client id.
    pub sub: String,
    /// Space-delimited granted scopes.
    pub scope: String,
    /// The client's secret binding when the token was issued (required: a token without it
    /// is malformed); see `RegisteredClient::secret_binding`.
    pub secret_binding: String,
    pub exp: u64,
    pub iat: u64,
    pub jti: Uuid,
}

/// Why a bearer token was refused. The messages reach the caller: they never hold the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("bearer token is malformed; send the access_token from POST /auth/token")]
    Malformed,
    #[error("bearer token is longer than {MAX_TOKEN_LEN} bytes")]
    TooLong,
    #[error("bearer token has expired; request a new one at POST /auth/token")]
    Expired,
    #[error("bearer token is not valid yet (issued in the future, or `nbf` not reached)")]
    NotYetValid,
    #[error("bearer token signature is invalid or its algorithm is not HS256")]
    BadSignature,
    #[error("bearer token was not issued by this service for this audience")]
    WrongIssuerOrAudience,
    #[error("the token's client is no longer registered")]
    UnknownClient,
    #[error("the token's client is disabled")]
    DisabledClient,
    #[error(
        "the token was issued under a client secret that has since changed; request a new one at POST /auth/token"
    )]
    SecretChanged,
}

/// Signs and verifies tokens with one HS256 key. No `Debug`: it holds the key.
pub struct TokenCodec {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

impl TokenCodec {
    pub fn new(key: &SecretBox<[u8]>, issuer: String, audience: String) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&issuer]);
        validation.set_audience(&[&audience]);
        Self {
            encoding: EncodingKey::from_secret(key.expose_secret()),
            decoding: DecodingKey::from_secret(key.expose_secret()),
            validation,
            issuer,
            audience,
        }
    }

    /// Claims for a fresh token: now, `ttl_secs` of life, a random `jti`.
    pub fn claims(
        &self,
        client_id: &str,
        secret_binding: String,
        scope: String,
        ttl_secs: u64,
    ) -> Claims {
        let now = jsonwebtoken::get_current_timestamp();
        Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: client_id.to_string(),
            scope,
            secret_binding,
            exp: now + ttl_secs,
            iat: now,
            jti: Uuid::new_v4(),
        }
    }

    pub fn sign(&self, claims: &Claims) -> Result<SecretString, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map(SecretString::from)
    }

    /// Signature (HS256 only), `exp` and `iss`/`aud`; the caller then checks the client.
    pub fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(VerifyError::TooLong);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => VerifyError::Expired,
                ErrorKind::ImmatureSignature => VerifyError::NotYetValid,
                ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => {
                    VerifyError::BadSignature
                }
                ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                    VerifyError::WrongIssuerOrAudience
                }
                _ => VerifyError::Malformed,
            })?;
        // We never issue tokens dated ahead; one that is was not minted by this clock.
        if claims.iat > jsonwebtoken::get_current_timestamp() + LEEWAY_SECS {
            return Err(VerifyError::NotYetValid);
        }
        Ok(claims)
    }
}
