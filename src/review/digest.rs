//! The snapshot digest printed on the report, so stored evidence can be tied to the data it
//! was made from.
//!
//! Definition: SHA-256 (lowercase hex) of the UTF-8 bytes of one JSON array holding every user
//! of the snapshot (admins then API clients, in id order) exactly as
//! `GET /unified/user-directory/users?type=all&include=permissions&truto_ignore_remote_data=true`
//! lists them, written canonically: object keys sorted by code point, no whitespace, strings
//! escaped only where JSON requires (`"`, `\`, control characters; `\n`-style short forms,
//! else `\u00xx`), non-ASCII characters as themselves. That is what Python's
//! `json.dumps(users, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` writes.

use std::io::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::directory::model::{DirectorySnapshot, RemoteData, User};

/// The digest of `snapshot`'s users, as defined above.
pub fn snapshot_sha256(snapshot: &DirectorySnapshot) -> String {
    let mut hasher = Sha256::new();
    let mut buffer = Vec::new();
    hasher.update(b"[");
    for (i, user) in snapshot.users.iter().enumerate() {
        if i > 0 {
            hasher.update(b",");
        }
        buffer.clear();
        canonical(&record(user), &mut buffer);
        hasher.update(&buffer);
    }
    hasher.update(b"]");
    hex::encode(hasher.finalize())
}

/// The user as the list serves it without `remote_data`.
fn record(user: &User) -> Value {
    let mut user = user.clone();
    // Cleared before serializing so the raw Jamf records are not parsed only to be dropped.
    user.remote_data = RemoteData::new(&Value::Null);
    let mut value = serde_json::to_value(&user).unwrap_or(Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.remove("remote_data");
    }
    value
}

/// Writes `value` as canonical JSON (see the module docs) into `out`.
pub fn canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(&String, &Value)> = object.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(key, out);
                out.push(b':');
                canonical(value, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(item, out);
            }
            out.push(b']');
        }
        Value::String(text) => string(text, out),
        // Null, booleans and numbers have one spelling in serde_json's compact output.
        scalar => {
            let _ = write!(out, "{scalar}");
        }
    }
}

/// serde_json escapes exactly the characters JSON requires, as the definition says.
fn string(text: &str, out: &mut Vec<u8>) {
    let _ = serde_json::to_writer(&mut *out, text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::model::test_users::{admin, snapshot};
    use serde_json::json;

    fn text(value: &Value) -> String {
        let mut out = Vec::new();
        canonical(value, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn canonical_json_sorts_keys_and_escapes_minimally() {
        let cases = [
            (
                json!({"b": 1, "a": [true, null]}),
                r#"{"a":[true,null],"b":1}"#,
            ),
            (json!({"é": "x", "z": "y"}), r#"{"z":"y","é":"x"}"#),
            (
                json!("R&D <Ops> \"Team\"\n\u{1}/é"),
                r#""R&D <Ops> \"Team\"\n\u0001/é""#,
            ),
            (json!([]), "[]"),
            (json!({}), "{}"),
        ];
        for (value, expected) in cases {
            assert_eq!(text(&value), expected);
        }
    }

    #[test]
    fn the_digest_covers_users_without_remote_data() {
        let mut one = admin("1", "jdoe", "jdoe@example.com");
        let digest = snapshot_sha256(&snapshot(vec![one.clone()]));
        assert_eq!(digest.len(), 64);
        one.remote_data = RemoteData::new(&json!({"v1_account": {"id": "1"}}));
        assert_eq!(
            snapshot_sha256(&snapshot(vec![one.clone()])),
            digest,
            "remote_data is outside the digest"
        );
        one.username = Some("jdoe2".into());
        assert_ne!(snapshot_sha256(&snapshot(vec![one])), digest);
        // An empty directory hashes the text `[]`.
        assert_eq!(
            snapshot_sha256(&snapshot(vec![])),
            hex::encode(Sha256::digest(b"[]"))
        );
    }

    #[test]
    fn the_digest_is_of_the_canonical_array() {
        let users = vec![admin("1", "a", "a@example.com"), admin("2", "b", "")];
        let array = Value::Array(users.iter().map(record).collect());
        let expected = hex::encode(Sha256::digest(text(&array).as_bytes()));
        assert_eq!(snapshot_sha256(&snapshot(users)), expected);
    }
}
