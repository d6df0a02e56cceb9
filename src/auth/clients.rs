//! The caller clients of `settings.auth.clients`, and their constant-time authentication.

use std::collections::HashMap;

use secrecy::{ExposeSecret as _, SecretString};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::settings::{CallerClient, SettingsError};

/// Compared against when the client id is unknown, so an unknown id costs the same work as a
/// wrong secret. No secret hashes to it (that would need a SHA-256 preimage).
const DUMMY_DIGEST: [u8; 32] = [0; 32];

/// Domain separation for [`RegisteredClient::secret_binding`].
const BINDING_CONTEXT: &[u8] = b"jamf-directory caller-token secret binding v1";

/// Tenant entry meaning "every tenant".
pub const ALL_TENANTS: &str = "*";

/// One configured caller, with its secret kept only as a digest.
pub struct RegisteredClient {
    pub id: String,
    digest: [u8; 32],
    pub scopes: Vec<String>,
    pub tenants: Vec<String>,
    pub enabled: bool,
}

impl RegisteredClient {
    /// A short hash of the client's secret digest, carried in its tokens: a token issued
    /// before the secret changed no longer matches. Short, and derived with a context of its
    /// own, so a token reveals nothing usable about the stored digest.
    pub fn secret_binding(&self) -> String {
        let binding = Sha256::new()
            .chain_update(BINDING_CONTEXT)
            .chain_update(self.digest)
            .finalize();
        hex::encode(&binding[..8])
    }

    /// Whether `binding` (from a token) is this client's current one, in constant time.
    pub fn is_bound_to(&self, binding: &str) -> bool {
        bool::from(self.secret_binding().as_bytes().ct_eq(binding.as_bytes()))
    }
}

/// Why authentication failed; for the log only — every reason answers the same to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    UnknownClient,
    WrongSecret,
    Disabled,
}

impl AuthFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownClient => "unknown_client",
            Self::WrongSecret => "wrong_secret",
            Self::Disabled => "disabled_client",
        }
    }
}

pub struct ClientRegistry {
    clients: HashMap<String, RegisteredClient>,
}

impl ClientRegistry {
    pub fn new(configured: &[CallerClient]) -> Result<Self, SettingsError> {
        let clients = configured
            .iter()
            .map(|c| Ok((c.client_id.clone(), registered(c)?)))
            .collect::<Result<_, SettingsError>>()?;
        Ok(Self { clients })
    }

    pub fn get(&self, id: &str) -> Option<&RegisteredClient> {
        self.clients.get(id)
    }

    /// Checks a presented secret: SHA-256 it and compare digests in constant time. The
    /// comparison runs whatever the id, and a disabled client is refused only after it.
    pub fn authenticate(
        &self,
        id: &str,
        secret: &SecretString,
    ) -> Result<&RegisteredClient, AuthFailure> {
        let presented: [u8; 32] = Sha256::digest(secret.expose_secret().as_bytes()).into();
        let client = self.clients.get(id);
        let expected = client.map_or(&DUMMY_DIGEST, |c| &c.digest);
        let matches = bool::from(presented.ct_eq(expected));
        match client {
            None => Err(AuthFailure::UnknownClient),
            Some(_) if !matches => Err(AuthFailure::WrongSecret),
            Some(c) if !c.enabled => Err(AuthFailure::Disabled),
            Some(c) => Ok(c),
        }
    }
}

fn registered(c: &CallerClient) -> Result<RegisteredClient, SettingsError> {
    let digest = hex::decode(&c.client_secret_sha256)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| SettingsError::Invalid {
            key: "auth.clients.client_secret_sha256",
            message: format!("client {:?}: must be 64 hex characters", c.client_id),
        })?;
    Ok(RegisteredClient {
        id: c.client_id.clone(),
        digest,
        scopes: c.scopes.clone(),
        tenants: c.tenants.clone(),
        enabled: c.enabled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::hash_secret;

    fn client(id: &str, secret: &str, enabled: bool) -> CallerClient {
        CallerClient {
            client_id: id.into(),
            client_secret_sha256: hash_secret(secret),
            scopes: vec!["directory:read".into()],
            tenants: vec![ALL_TENANTS.into()],
            enabled,
        }
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s)
    }

    #[test]
    fn authenticates_only_the_right_secret_of_an_enabled_client() {
        let registry =
            ClientRegistry::new(&[client("a", "s3cret", true), client("off", "pw", false)])
                .unwrap();
        assert_eq!(
            registry.authenticate("a", &secret("s3cret")).unwrap().id,
            "a"
        );
        let failure = |id, s| registry.authenticate(id, &secret(s)).err();
        assert_eq!(failure("a", "S3cret"), Some(AuthFailure::WrongSecret));
        assert_eq!(failure("a", ""), Some(AuthFailure::WrongSecret));
        assert_eq!(failure("b", "s3cret"), Some(AuthFailure::UnknownClient));
        assert_eq!(failure("off", "pw"), Some(AuthFailure::Disabled));
        // A disabled client with a wrong secret reports the secret: the check ran first.
        assert_eq!(failure("off", "nope"), Some(AuthFailure::WrongSecret));
    }

    #[test]
    fn the_secret_binding_follows_the_secret_only() {
        let before = ClientRegistry::new(&[client("a", "first-secret", true)]).unwrap();
        let after = ClientRegistry::new(&[client("a", "second-secret", true)]).unwrap();
        let disabled = ClientRegistry::new(&[client("a", "first-secret", false)]).unwrap();
        let binding = before.get("a").unwrap().secret_binding();
        assert_eq!(binding.len(), 16);
        assert!(
            !hash_secret("first-secret").contains(&binding),
            "not a piece of the digest"
        );
        assert!(before.get("a").unwrap().is_bound_to(&binding));
        assert!(disabled.get("a").unwrap().is_bound_to(&binding));
        assert!(!after.get("a").unwrap().is_bound_to(&binding));
        assert!(!before.get("a").unwrap().is_bound_to(""));
    }

    #[test]
    fn a_bad_stored_digest_is_a_settings_error_naming_the_key() {
        let mut bad = client("a", "x", true);
        bad.client_secret_sha256 = "zz".repeat(32);
        let err = ClientRegistry::new(&[bad]).err().unwrap().to_string();
        assert!(err.contains("auth.clients.client_secret_sha256"), "{err}");
    }
}
