//! Caller authentication: client secrets, issued JWTs and their verification.

use sha2::{Digest, Sha256};

/// Hex SHA-256 of a caller secret: the value stored as `client_secret_sha256`.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
