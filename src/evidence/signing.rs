//! What makes a snapshot checkable offline: RFC 8785 canonical JSON, SHA-256 digests over it,
//! and Ed25519 signatures (RFC 8032) whose public keys are published as a JWK set (RFC 8037).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use utoipa::ToSchema;

/// The RFC 8785 canonical bytes of `value`.
pub fn canonical(value: &impl Serialize) -> serde_json::Result<Vec<u8>> {
    serde_json_canonicalizer::to_vec(value)
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha256(bytes))
}

/// The SHA-256 of the canonical JSON array of records, from each record's canonical bytes in
/// order (a canonical array is its canonical elements joined by commas in brackets).
pub fn records_sha256<'a>(records: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut hash = Sha256::new();
    hash.update(b"[");
    for (index, record) in records.into_iter().enumerate() {
        if index > 0 {
            hash.update(b",");
        }
        hash.update(record);
    }
    hash.update(b"]");
    hex::encode(hash.finalize())
}

/// What a record set's seal signs: the snapshot, its signed `records_sha256` and the address
/// of the set that holds its records. Not JSON, so it can never pass for a signed manifest.
pub fn seal_message(snapshot: uuid::Uuid, records_sha256: &str, record_set: &[u8]) -> Vec<u8> {
    format!(
        "jamf-directory record-set seal v1\n{snapshot}\n{records_sha256}\n{}",
        hex::encode(record_set)
    )
    .into_bytes()
}

/// A record set's address: the SHA-256 over its records' addresses in order.
pub fn set_address<'a>(addresses: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut hash = Sha256::new();
    for address in addresses {
        hash.update(address);
    }
    hash.finalize().to_vec()
}

/// The bytes a manifest's signature covers: its canonical JSON without `signature`.
pub fn signed_bytes(manifest: &Value) -> serde_json::Result<Vec<u8>> {
    let mut unsigned = manifest.clone();
    if let Some(object) = unsigned.as_object_mut() {
        object.remove("signature");
    }
    canonical(&unsigned)
}

/// What the next snapshot's `previous.sha256` names: the canonical manifest, signature included.
pub fn manifest_sha256(manifest: &Value) -> serde_json::Result<String> {
    Ok(sha256_hex(&canonical(manifest)?))
}

/// The key that signs snapshots.
pub struct EvidenceSigner {
    key: SigningKey,
    kid: String,
}

impl EvidenceSigner {
    /// From a 32-byte seed (`evidence.signing_key`).
    pub fn from_seed(seed: &[u8]) -> Option<Self> {
        let seed: &[u8; 32] = seed.try_into().ok()?;
        let key = SigningKey::from_bytes(seed);
        let kid = kid_of(&key.verifying_key());
        Some(Self { key, kid })
    }

    /// A new random seed, base64 (what `jamf-directory evidence keygen` prints).
    pub fn generate_seed() -> String {
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        STANDARD.encode(seed)
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn public_jwk(&self) -> Jwk {
        Jwk::of(&self.key.verifying_key())
    }

    /// The base64url Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.key.sign(message).to_bytes())
    }
}

/// A key id derived from the public key itself, so the same key always has the same id.
fn kid_of(key: &VerifyingKey) -> String {
    format!("ed25519-{}", &sha256_hex(key.as_bytes())[..16])
}

/// An Ed25519 public key as a JWK (RFC 8037).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Jwk {
    /// Always `OKP`.
    #[schema(example = "OKP")]
    pub kty: String,
    /// Always `Ed25519`.
    #[schema(example = "Ed25519")]
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    #[schema(example = "ed25519-3f1c0a9b2d4e5f60")]
    pub kid: String,
    #[serde(default)]
    #[schema(example = "EdDSA")]
    pub alg: Option<String>,
    #[serde(default, rename = "use")]
    #[schema(example = "sig")]
    pub key_use: Option<String>,
}

impl Jwk {
    fn of(key: &VerifyingKey) -> Self {
        Self {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: URL_SAFE_NO_PAD.encode(key.as_bytes()),
            kid: kid_of(key),
            alg: Some("EdDSA".into()),
            key_use: Some("sig".into()),
        }
    }

    /// True when `signature` (base64url) is this key's Ed25519 signature of `message`.
    pub fn verifies(&self, message: &[u8], signature: &str) -> bool {
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return false;
        }
        let key = URL_SAFE_NO_PAD
            .decode(&self.x)
            .ok()
            .and_then(|x| <[u8; 32]>::try_from(x).ok())
            .and_then(|x| VerifyingKey::from_bytes(&x).ok());
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .and_then(|s| <[u8; 64]>::try_from(s).ok())
            .map(|s| Signature::from_bytes(&s));
        match (key, signature) {
            (Some(key), Some(signature)) => key.verify_strict(message, &signature).is_ok(),
            _ => false,
        }
    }
}

/// `GET /access-review/evidence-key`: the keys that signed kept snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

impl JwkSet {
    pub fn find(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|key| key.kid == kid)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn canonical_json_sorts_keys_and_drops_whitespace() {
        let value = json!({"b": 1, "a": [true, null, "é\u{1}"], "c": {"z": 1, "y": 2}});
        assert_eq!(
            String::from_utf8(canonical(&value).unwrap()).unwrap(),
            "{\"a\":[true,null,\"é\\u0001\"],\"b\":1,\"c\":{\"y\":2,\"z\":1}}"
        );
    }

    #[test]
    fn records_digest_equals_the_digest_of_the_canonical_array() {
        let records = [json!({"id": "1", "b": 2}), json!({"id": "2"})];
        let each: Vec<Vec<u8>> = records.iter().map(|r| canonical(r).unwrap()).collect();
        let whole = sha256_hex(&canonical(&json!(records)).unwrap());
        assert_eq!(records_sha256(each.iter().map(Vec::as_slice)), whole);
        assert_eq!(records_sha256([]), sha256_hex(b"[]"));
    }

    #[test]
    fn a_signature_verifies_with_the_published_key_and_nothing_else() {
        let seed = STANDARD.decode(EvidenceSigner::generate_seed()).unwrap();
        let signer = EvidenceSigner::from_seed(&seed).unwrap();
        let manifest = json!({"id": "x", "records_sha256": "00"});
        let message = signed_bytes(&manifest).unwrap();
        let signature = signer.sign(&message);
        let jwk = signer.public_jwk();
        assert_eq!(jwk.kid, signer.kid());
        assert!(jwk.verifies(&message, &signature));
        let mut altered = manifest.clone();
        altered["records_sha256"] = json!("01");
        assert!(!jwk.verifies(&signed_bytes(&altered).unwrap(), &signature));
        let other = EvidenceSigner::from_seed(&[7; 32]).unwrap().public_jwk();
        assert!(!other.verifies(&message, &signature));
        assert!(!jwk.verifies(&message, "not base64!"));
        assert!(EvidenceSigner::from_seed(&[1; 31]).is_none());
    }

    #[test]
    fn the_signature_is_not_part_of_what_it_signs() {
        let mut manifest = json!({"id": "x"});
        let before = signed_bytes(&manifest).unwrap();
        manifest["signature"] = json!({"value": "abc"});
        assert_eq!(signed_bytes(&manifest).unwrap(), before);
        assert_ne!(
            manifest_sha256(&manifest).unwrap(),
            manifest_sha256(&json!({"id": "x"})).unwrap()
        );
    }
}
