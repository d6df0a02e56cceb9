//! Rendering records as the caller asked: without `permissions` on lists unless
//! `include=permissions`, without `remote_data` when `truto_ignore_remote_data=true`, and
//! without any top-level field named in `truto_exclude_fields`.

use serde::Serialize;
use serde_json::{Map, Value};

use super::params::View;
use crate::http::error::ApiError;

/// Whether the record is rendered in a list (permissions are opt-in there) or alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    List,
    Single,
}

pub fn record<T: Serialize>(record: &T, view: &View, context: Context) -> Result<Value, ApiError> {
    let value = serde_json::to_value(record).map_err(|err| {
        tracing::error!(%err, "a normalized record failed to serialize");
        ApiError::internal()
    })?;
    let Value::Object(mut fields) = value else {
        return Ok(value);
    };
    strip(&mut fields, view, context);
    Ok(Value::Object(fields))
}

fn strip(fields: &mut Map<String, Value>, view: &View, context: Context) {
    if context == Context::List && !view.include_permissions {
        fields.remove("permissions");
    }
    if view.ignore_remote_data {
        fields.remove("remote_data");
    }
    for name in &view.exclude_fields {
        fields.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strips_what_the_view_excludes() {
        let rec =
            json!({"id": "1", "permissions": [], "remote_data": {}, "emails": [], "name": "x"});
        let cases = [
            (
                View::default(),
                Context::List,
                vec!["id", "emails", "name", "remote_data"],
            ),
            (
                View::default(),
                Context::Single,
                vec!["id", "permissions", "emails", "name", "remote_data"],
            ),
            (
                View {
                    include_permissions: true,
                    ignore_remote_data: true,
                    exclude_fields: vec!["emails".into()],
                },
                Context::List,
                vec!["id", "permissions", "name"],
            ),
        ];
        for (view, context, expected) in cases {
            let out = record(&rec, &view, context).unwrap();
            let mut keys: Vec<&str> = out
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let mut expected = expected.clone();
            keys.sort_unstable();
            expected.sort_unstable();
            assert_eq!(keys, expected, "{view:?} {context:?}");
        }
    }
}
