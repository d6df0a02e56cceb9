//! Rendering records as the caller asked: without `permissions` on lists unless
//! `include=permissions`, without `remote_data` when `truto_ignore_remote_data=true`, and
//! without any top-level field named in `truto_exclude_fields`.
//!
//! Records are serialized straight into the response bytes, skipping those fields on the way
//! (a `serde_json::Value` of each record, then stripped and serialized again, spent most of a
//! warm list's CPU in allocation).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::value::RawValue;

use super::envelope::RECORD_BYTES;
use super::params::View;
use crate::http::error::ApiError;

/// Whether the record is rendered in a list (permissions are opt-in there) or alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    List,
    Single,
}

/// Which top-level fields a response leaves out.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    view: &'a View,
    context: Context,
}

impl<'a> Fields<'a> {
    pub fn new(view: &'a View, context: Context) -> Self {
        Self { view, context }
    }

    /// A list rendered as lists render by default: no `permissions`, nothing else left out.
    pub fn is_plain_list(&self) -> bool {
        self.context == Context::List
            && !self.view.include_permissions
            && !self.view.ignore_remote_data
            && self.view.exclude_fields.is_empty()
    }

    fn skips(&self, name: &str) -> bool {
        match name {
            "permissions" if self.context == Context::List && !self.view.include_permissions => {
                true
            }
            "remote_data" if self.view.ignore_remote_data => true,
            _ => self.view.exclude_fields.iter().any(|f| f == name),
        }
    }
}

/// A record as served: its derived `Serialize`, minus the fields `fields` skips.
pub struct Rendered<'a, T> {
    pub record: &'a T,
    pub fields: Fields<'a>,
}

impl<T: Serialize> Serialize for Rendered<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.record.serialize(SkipFields {
            inner: serializer,
            fields: self.fields,
        })
    }
}

/// One record, as a single get renders it (with `permissions`).
pub fn single<T: Serialize>(record: &T, view: &View) -> Result<Response, ApiError> {
    let fields = Fields::new(view, Context::Single);
    json(&Rendered { record, fields }, RECORD_BYTES)
}

/// `value` as JSON text, to be copied into responses as it is.
pub fn raw<T: Serialize>(value: &T) -> Result<Box<RawValue>, ApiError> {
    serde_json::value::to_raw_value(value).map_err(|err| {
        tracing::error!(%err, "a normalized record failed to serialize");
        ApiError::internal()
    })
}

/// `value` as a JSON response; `capacity` is a guess of the body size.
pub fn json<T: Serialize>(value: &T, capacity: usize) -> Result<Response, ApiError> {
    let mut body = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut body, value).map_err(|err| {
        tracing::error!(%err, "a normalized record failed to serialize");
        ApiError::internal()
    })?;
    let content_type = HeaderValue::from_static("application/json");
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// A serializer that passes everything to `inner`, except the top-level struct's fields that
/// `fields` skips. Nested values go to `inner` directly, so only top-level fields are skipped.
struct SkipFields<'a, S> {
    inner: S,
    fields: Fields<'a>,
}

struct SkipStruct<'a, S> {
    inner: S,
    fields: Fields<'a>,
}

impl<S: SerializeStruct> SerializeStruct for SkipStruct<'_, S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), S::Error> {
        if self.fields.skips(key) {
            self.inner.skip_field(key)
        } else {
            self.inner.serialize_field(key, value)
        }
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.inner.end()
    }
}

/// Forwards a `Serializer` method to `self.inner` unchanged.
macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        fn $method(self, $($arg: $ty),*) -> Result<$ret, S::Error> {
            self.inner.$method($($arg),*)
        }
    )*};
}

impl<'a, S: Serializer> Serializer for SkipFields<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = S::SerializeSeq;
    type SerializeTuple = S::SerializeTuple;
    type SerializeTupleStruct = S::SerializeTupleStruct;
    type SerializeTupleVariant = S::SerializeTupleVariant;
    type SerializeMap = S::SerializeMap;
    type SerializeStruct = SkipStruct<'a, S::SerializeStruct>;
    type SerializeStructVariant = S::SerializeStructVariant;

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(SkipStruct {
            inner: self.inner.serialize_struct(name, len)?,
            fields: self.fields,
        })
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(value)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_newtype_struct(name, value)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner
            .serialize_newtype_variant(name, index, variant, value)
    }

    forward! {
        serialize_bool(v: bool) -> S::Ok;
        serialize_i8(v: i8) -> S::Ok;
        serialize_i16(v: i16) -> S::Ok;
        serialize_i32(v: i32) -> S::Ok;
        serialize_i64(v: i64) -> S::Ok;
        serialize_u8(v: u8) -> S::Ok;
        serialize_u16(v: u16) -> S::Ok;
        serialize_u32(v: u32) -> S::Ok;
        serialize_u64(v: u64) -> S::Ok;
        serialize_f32(v: f32) -> S::Ok;
        serialize_f64(v: f64) -> S::Ok;
        serialize_char(v: char) -> S::Ok;
        serialize_str(v: &str) -> S::Ok;
        serialize_bytes(v: &[u8]) -> S::Ok;
        serialize_none() -> S::Ok;
        serialize_unit() -> S::Ok;
        serialize_unit_struct(name: &'static str) -> S::Ok;
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str) -> S::Ok;
        serialize_seq(len: Option<usize>) -> S::SerializeSeq;
        serialize_tuple(len: usize) -> S::SerializeTuple;
        serialize_tuple_struct(name: &'static str, len: usize) -> S::SerializeTupleStruct;
        serialize_tuple_variant(name: &'static str, index: u32, variant: &'static str, len: usize) -> S::SerializeTupleVariant;
        serialize_map(len: Option<usize>) -> S::SerializeMap;
        serialize_struct_variant(name: &'static str, index: u32, variant: &'static str, len: usize) -> S::SerializeStructVariant;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[derive(serde::Serialize)]
    struct Record {
        id: &'static str,
        permissions: Vec<u8>,
        remote_data: Value,
        emails: Vec<u8>,
        name: &'static str,
    }

    #[test]
    fn skips_what_the_view_excludes() {
        let rec = Record {
            id: "1",
            permissions: vec![],
            remote_data: json!({"permissions": 1}),
            emails: vec![],
            name: "x",
        };
        let cases = [
            (
                View::default(),
                Context::List,
                json!({"id": "1", "remote_data": {"permissions": 1}, "emails": [], "name": "x"}),
            ),
            (
                View::default(),
                Context::Single,
                json!({"id": "1", "permissions": [], "remote_data": {"permissions": 1}, "emails": [], "name": "x"}),
            ),
            (
                View {
                    include_permissions: true,
                    ignore_remote_data: true,
                    exclude_fields: vec!["emails".into()],
                },
                Context::List,
                json!({"id": "1", "permissions": [], "name": "x"}),
            ),
        ];
        for (view, context, expected) in cases {
            let rendered = Rendered {
                record: &rec,
                fields: Fields::new(&view, context),
            };
            let text = serde_json::to_string(&rendered).unwrap();
            let parsed: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(parsed, expected, "{view:?} {context:?}: {text}");
        }
    }
}
