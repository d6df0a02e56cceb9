//! Field deserializers that accept every spelling Jamf has been seen to send.
//!
//! Each helper first reads an arbitrary JSON value and then interprets it, so an odd
//! shape degrades to "absent" instead of failing the whole record (and with it the fetch).

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Scalar text: strings as-is, numbers and booleans in their JSON spelling.
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A Jamf id: Classic sends ints, the Jamf Pro API strings; both become trimmed text.
pub(crate) fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let value = Value::deserialize(deserializer)?;
    id_text(&value).ok_or_else(|| serde::de::Error::custom(format!("unusable id {value}")))
}

/// Like [`id`], but an unusable or missing id is `None`.
pub(crate) fn opt_id<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(id_text(&Value::deserialize(deserializer)?))
}

fn id_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// Optional text; empty strings are kept (Jamf uses `""` for "not set" and that is data).
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(scalar_text(&Value::deserialize(deserializer)?))
}

/// Booleans, also as `"true"`/`"false"` text (XML converted to JSON) or 0/1.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Bool(flag) => Some(flag),
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        Value::Number(number) => match number.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        _ => None,
    })
}

/// Integers, also as numeric text.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    })
}

/// RFC 3339 timestamps; anything unparseable is `None` (the raw record still has it).
pub(crate) fn opt_datetime<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|at| at.with_timezone(&Utc)),
        _ => None,
    })
}

/// A list of records in any of Jamf's renderings: a JSON array, the XML-derived
/// `{"user": [...]}` / `{"size": 1, "user": {...}}` wrappers, or a lone object.
/// `null` is empty; elements that are not records of type `T` are skipped.
pub(crate) fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(list_items(Value::deserialize(deserializer)?)
        .into_iter()
        .filter_map(|item| T::deserialize(item).ok())
        .collect())
}

/// Flattens the list renderings described at [`list`] into their elements.
pub(crate) fn list_items(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Object(mut fields) => {
            // A wrapper holds exactly one list-like key, optionally beside a `size` count.
            let wrapper_key = fields
                .iter()
                .find(|(key, item)| key.as_str() != "size" && (item.is_array() || item.is_object()))
                .map(|(key, _)| key.clone())
                .filter(|key| fields.keys().all(|other| other == key || other == "size"));
            match wrapper_key.and_then(|key| fields.remove(&key)) {
                Some(inner) => list_items(inner),
                None if fields.keys().all(|key| key == "size") => Vec::new(),
                None => vec![Value::Object(fields)],
            }
        }
        _ => Vec::new(),
    }
}

/// Privilege names from any seen shape: `"Read Computers"`, `{"privilege": "..."}`,
/// `{"privilege": ["...", "..."]}`, `{"name": "..."}`, or lists of those. Names are trimmed,
/// empty ones dropped.
pub(crate) fn privilege_names(value: &Value) -> Vec<String> {
    let mut names = Vec::new();
    collect_privilege_names(value, &mut names);
    names
}

fn collect_privilege_names(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            let name = text.trim();
            if !name.is_empty() {
                names.push(name.to_owned());
            }
        }
        Value::Number(_) | Value::Bool(_) => names.extend(scalar_text(value)),
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect_privilege_names(item, names)),
        Value::Object(fields) => {
            if let Some(inner) = fields.get("privilege").or_else(|| fields.get("name")) {
                collect_privilege_names(inner, names);
            }
        }
        Value::Null => {}
    }
}

/// A flat privilege list (Jamf Pro API account groups, API roles), in any shape
/// [`privilege_names`] accepts.
pub(crate) fn privilege_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    Ok(privilege_names(&Value::deserialize(deserializer)?))
}

/// Strings from a list (e.g. API client scopes); non-text elements are skipped.
pub(crate) fn string_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    Ok(list_items(Value::deserialize(deserializer)?)
        .iter()
        .filter_map(scalar_text)
        .collect())
}

/// A nested record that is dropped (`None`) when it has an unexpected shape.
pub(crate) fn opt_record<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(T::deserialize(Value::deserialize(deserializer)?).ok())
}
