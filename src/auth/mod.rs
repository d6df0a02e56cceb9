//! Caller authentication: client secrets, issued JWTs and their verification.

mod authority;
mod clients;
mod jwt;
#[cfg(test)]
mod tests;

use sha2::{Digest, Sha256};

pub use self::authority::{
    Authority, CLIENT_CREDENTIALS, GrantError, IssuedToken, Principal, TokenRequest,
};
pub use self::clients::ALL_TENANTS;
pub use self::jwt::{MAX_TOKEN_LEN, VerifyError};

/// Shortest caller secret `jamf-directory hash-secret` accepts. The stored value is a bare,
/// unsalted SHA-256, so only the secret's length keeps a leaked hash from being guessed.
pub const MIN_SECRET_CHARS: usize = 32;

/// Hex SHA-256 of a caller secret: the value stored as `client_secret_sha256`.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
