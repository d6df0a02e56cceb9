//! The grant's decisions and the verifier against the known JWT and token-endpoint attacks (alg confusion, missing claims, tampering).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret as _, SecretBox, SecretString};

use super::jwt::{Claims, TokenCodec};
use super::*;
use crate::settings::{CallerClient, Settings};

const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes
const KEY_BYTES: &[u8] = b"0123456789abcdef0123456789abcdef";
const ISSUER: &str = "http://127.0.0.1:8080";

fn client(id: &str, scopes: &[&str], enabled: bool) -> CallerClient {
    CallerClient {
        client_id: id.into(),
        client_secret_sha256: hash_secret(&format!("{id}-secret")),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        tenants: vec!["acme".into()],
        enabled,
    }
}

fn settings(clients: Vec<CallerClient>) -> Settings {
    let mut settings = Settings::default();
    settings.auth.signing_key = Some(SecretString::from(KEY));
    settings.auth.clients = clients;
    settings
}

fn reader() -> CallerClient {
    client("reader", &["directory:read", "accounts:read"], true)
}

/// The secret binding of `reader()` as configured.
fn reader_binding() -> String {
    let issued = token(&authority(), None);
    let payload = issued.split('.').nth(1).unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["secret_binding"].as_str().unwrap().to_owned()
}

fn authority() -> Authority {
    Authority::from_settings(&settings(vec![reader()])).unwrap()
}

fn request(grant: Option<&str>, id: &str, scope: Option<&str>) -> TokenRequest {
    TokenRequest {
        grant_type: grant.map(str::to_string),
        client: Some((id.into(), SecretString::from(format!("{id}-secret")))),
        scope: scope.map(str::to_string),
    }
}

fn token(authority: &Authority, scope: Option<&str>) -> String {
    let issued = authority
        .grant(request(Some(CLIENT_CREDENTIALS), "reader", scope))
        .unwrap();
    issued.access_token.expose_secret().to_string()
}

fn codec(issuer: &str, audience: &str) -> TokenCodec {
    TokenCodec::new(
        &SecretBox::new(KEY_BYTES.to_vec().into_boxed_slice()),
        issuer.into(),
        audience.into(),
    )
}

/// A token signed with the right key, claims as given.
fn signed(claims: &impl serde::Serialize, alg: Algorithm) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(KEY_BYTES),
    )
    .unwrap()
}

fn claims_expiring_at(exp: u64) -> Claims {
    let mut claims = codec(ISSUER, "jamf-directory").claims(
        "reader",
        reader_binding(),
        "directory:read".into(),
        60,
    );
    claims.exp = exp;
    claims
}

#[test]
fn the_grant_checks_type_then_client_then_scope() {
    let a = authority();
    let code = |r| a.grant(r).err().map(|e| e.code());
    assert_eq!(code(request(None, "reader", None)), Some("invalid_request"));
    assert_eq!(
        code(request(Some("password"), "reader", None)),
        Some("unsupported_grant_type")
    );
    assert_eq!(
        code(request(Some("client_credentials "), "reader", None)),
        Some("unsupported_grant_type")
    );
    assert_eq!(
        code(request(Some(CLIENT_CREDENTIALS), "nobody", None)),
        Some("invalid_client")
    );
    let scope = |s| a.grant(request(Some(CLIENT_CREDENTIALS), "reader", s));
    assert!(
        matches!(scope(Some("accounts:write")), Err(GrantError::InvalidScope(s)) if s == "accounts:write")
    );
    assert!(matches!(
        scope(Some("directory:read admin")),
        Err(GrantError::InvalidScope(_))
    ));
    let anonymous = TokenRequest {
        client: None,
        ..request(Some(CLIENT_CREDENTIALS), "reader", None)
    };
    assert!(matches!(a.grant(anonymous), Err(GrantError::InvalidClient)));
}

#[test]
fn scopes_default_to_all_and_narrow_on_request() {
    let a = authority();
    let granted = |s| {
        a.grant(request(Some(CLIENT_CREDENTIALS), "reader", s))
            .unwrap()
            .scope
    };
    assert_eq!(granted(None), "directory:read accounts:read");
    assert_eq!(granted(Some("  ")), "directory:read accounts:read");
    assert_eq!(
        granted(Some("accounts:read  accounts:read")),
        "accounts:read"
    );
    let issued = a
        .grant(request(
            Some(CLIENT_CREDENTIALS),
            "reader",
            Some("directory:read"),
        ))
        .unwrap();
    assert_eq!(issued.expires_in, 900);
    let principal = a.verify(issued.access_token.expose_secret()).unwrap();
    assert_eq!(principal.client_id, "reader");
    assert_eq!(principal.scopes, ["directory:read"]);
    assert_eq!(principal.tenants, ["acme"]);
}

#[test]
fn issued_claims_name_issuer_audience_subject_and_a_unique_id() {
    let a = authority();
    let (first, second) = (token(&a, None), token(&a, None));
    let claims = codec(ISSUER, "jamf-directory").verify(&first).unwrap();
    assert_eq!(
        (
            claims.iss.as_str(),
            claims.aud.as_str(),
            claims.sub.as_str()
        ),
        (ISSUER, "jamf-directory", "reader")
    );
    assert_eq!(claims.exp - claims.iat, 900);
    assert_ne!(
        claims.jti,
        codec(ISSUER, "jamf-directory").verify(&second).unwrap().jti
    );
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(first.split('.').next().unwrap())
            .unwrap(),
        br#"{"typ":"JWT","alg":"HS256"}"#
    );
}

#[test]
fn alg_none_and_other_algorithms_are_refused() {
    let a = authority();
    let valid = token(&a, None);
    let payload = valid.split('.').nth(1).unwrap();
    let with_header = |header: &str| format!("{}.{payload}", URL_SAFE_NO_PAD.encode(header));
    // `none` is not even an algorithm jsonwebtoken can name: the header does not parse.
    assert_eq!(
        a.verify(&format!(
            "{}.",
            with_header(r#"{"alg":"none","typ":"JWT"}"#)
        ))
        .err(),
        Some(VerifyError::Malformed)
    );
    let rs256 = format!(
        "{}.{}",
        with_header(r#"{"alg":"RS256","typ":"JWT"}"#),
        valid.split('.').nth(2).unwrap()
    );
    assert_eq!(a.verify(&rs256).err(), Some(VerifyError::BadSignature));
    let hs384 = signed(
        &claims_expiring_at(jsonwebtoken::get_current_timestamp() + 60),
        Algorithm::HS384,
    );
    assert_eq!(a.verify(&hs384).err(), Some(VerifyError::BadSignature));
}

#[test]
fn tampered_tokens_and_foreign_keys_are_refused() {
    let a = authority();
    let valid = token(&a, Some("directory:read"));
    let mut parts: Vec<String> = valid.split('.').map(str::to_string).collect();
    let mut signature = parts[2].clone().into_bytes();
    signature[5] = if signature[5] == b'A' { b'B' } else { b'A' };
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        String::from_utf8(signature).unwrap()
    );
    assert_eq!(a.verify(&tampered).err(), Some(VerifyError::BadSignature));
    // Widening the scope in the payload breaks the signature.
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    parts[1] =
        URL_SAFE_NO_PAD.encode(payload.replace("directory:read", "directory:read accounts:read"));
    assert_eq!(
        a.verify(&parts.join(".")).err(),
        Some(VerifyError::BadSignature)
    );
    let mut other = settings(vec![reader()]);
    other.auth.signing_key = Some(SecretString::from(STANDARD.encode([7u8; 32])));
    let foreign = token(&Authority::from_settings(&other).unwrap(), None);
    assert_eq!(a.verify(&foreign).err(), Some(VerifyError::BadSignature));
}

#[test]
fn expiry_is_required_and_the_leeway_is_small() {
    let a = authority();
    let now = jsonwebtoken::get_current_timestamp();
    // 45 s late: past our 30 s leeway, inside jsonwebtoken's default 60 s.
    assert_eq!(
        a.verify(&signed(&claims_expiring_at(now - 45), Algorithm::HS256))
            .err(),
        Some(VerifyError::Expired)
    );
    assert!(
        a.verify(&signed(&claims_expiring_at(now - 5), Algorithm::HS256))
            .is_ok()
    );
    let mut no_exp = serde_json::to_value(claims_expiring_at(now + 60)).unwrap();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_eq!(
        a.verify(&signed(&no_exp, Algorithm::HS256)).err(),
        Some(VerifyError::Malformed)
    );
}

#[test]
fn tokens_not_yet_valid_are_refused() {
    let a = authority();
    let now = jsonwebtoken::get_current_timestamp();
    let mut future_iat = claims_expiring_at(now + 3600);
    future_iat.iat = now + 600;
    assert_eq!(
        a.verify(&signed(&future_iat, Algorithm::HS256)).err(),
        Some(VerifyError::NotYetValid)
    );
    let mut nbf = serde_json::to_value(claims_expiring_at(now + 3600)).unwrap();
    nbf["nbf"] = serde_json::json!(now + 600);
    assert_eq!(
        a.verify(&signed(&nbf, Algorithm::HS256)).err(),
        Some(VerifyError::NotYetValid)
    );
}

#[test]
fn issuer_and_audience_must_be_ours() {
    let a = authority();
    let sign = |c: TokenCodec| {
        c.sign(&c.claims("reader", reader_binding(), "directory:read".into(), 60))
            .unwrap()
    };
    let wrong_iss = sign(codec("https://evil.example", "jamf-directory"));
    assert_eq!(
        a.verify(wrong_iss.expose_secret()).err(),
        Some(VerifyError::WrongIssuerOrAudience)
    );
    let wrong_aud = sign(codec(ISSUER, "another-service"));
    assert_eq!(
        a.verify(wrong_aud.expose_secret()).err(),
        Some(VerifyError::WrongIssuerOrAudience)
    );
}

#[test]
fn oversize_tokens_are_refused_before_decoding() {
    let a = authority();
    let huge = claims_expiring_at(jsonwebtoken::get_current_timestamp() + 60);
    let huge = Claims {
        scope: "directory:read ".repeat(400),
        ..huge
    };
    assert_eq!(
        a.verify(&signed(&huge, Algorithm::HS256)).err(),
        Some(VerifyError::TooLong)
    );
    assert_eq!(
        a.verify(&"a".repeat(MAX_TOKEN_LEN + 1)).err(),
        Some(VerifyError::TooLong)
    );
}

#[test]
fn the_current_configuration_decides_on_every_verification() {
    let issued = token(&authority(), None);
    let now = |clients| {
        Authority::from_settings(&settings(clients))
            .unwrap()
            .verify(&issued)
    };
    assert_eq!(now(vec![]).err(), Some(VerifyError::UnknownClient));
    assert_eq!(
        now(vec![client("reader", &["directory:read"], false)]).err(),
        Some(VerifyError::DisabledClient)
    );
    let narrowed = now(vec![client("reader", &["directory:read"], true)]).unwrap();
    assert_eq!(narrowed.scopes, ["directory:read"]);
    let mut rotated = reader();
    rotated.client_secret_sha256 = hash_secret("reader-secret-rotated");
    assert_eq!(now(vec![rotated]).err(), Some(VerifyError::SecretChanged));
}

#[test]
fn a_token_without_its_secret_binding_is_malformed() {
    let a = authority();
    let mut claims = serde_json::to_value(claims_expiring_at(
        jsonwebtoken::get_current_timestamp() + 3600,
    ))
    .unwrap();
    claims.as_object_mut().unwrap().remove("secret_binding");
    let unbound = signed(&claims, Algorithm::HS256);
    assert_eq!(a.verify(&unbound).err(), Some(VerifyError::Malformed));
    let mut forged = claims_expiring_at(jsonwebtoken::get_current_timestamp() + 3600);
    forged.secret_binding = "0000000000000000".into();
    let forged = signed(&forged, Algorithm::HS256);
    assert_eq!(a.verify(&forged).err(), Some(VerifyError::SecretChanged));
    let bound = signed(
        &claims_expiring_at(jsonwebtoken::get_current_timestamp() + 3600),
        Algorithm::HS256,
    );
    assert!(a.verify(&bound).is_ok());
}

#[test]
fn start_up_fails_without_a_signing_key() {
    let mut no_key = settings(vec![reader()]);
    no_key.auth.signing_key = None;
    let err = Authority::from_settings(&no_key).err().unwrap().to_string();
    assert!(err.contains("auth.signing_key"), "{err}");
}
