//! Jackson's `DefaultPrettyPrinter` layout, which Jamf uses for `ApiError` bodies:
//! `"key" : value`, two-space object indent, arrays inline as `[ {`…`} ]`, empty `[ ]`.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::Formatter;

#[derive(Default)]
struct JacksonFormatter {
    /// Object nesting only: Jackson's array indenter is inline and does not indent.
    depth: usize,
    /// Whether the innermost open object had any entry.
    had_entries: Vec<bool>,
}

impl JacksonFormatter {
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl Formatter for JacksonFormatter {
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.had_entries.push(false);
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.had_entries.pop().unwrap_or(false) {
            self.newline(w)?;
        } else {
            w.write_all(b" ")?;
        }
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if let Some(top) = self.had_entries.last_mut() {
            *top = true;
        }
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b" : ")
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b" ]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b" " } else { b", " })
    }
}

/// Serializes `value` the way Jamf's Jackson pretty printer does.
pub fn to_string<T: Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, JacksonFormatter::default());
    // Serializing plain data structures into a Vec cannot fail.
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn matches_the_real_invalid_token_body() {
        let body = json!({"httpStatus": 401, "errors": [
            {"code": "INVALID_TOKEN", "description": "Unauthorized", "id": "0", "field": null}
        ]});
        // serde_json's map sorts keys; the layout is what is under test here.
        let expected = "{\n  \"errors\" : [ {\n    \"code\" : \"INVALID_TOKEN\",\n    \"description\" : \"Unauthorized\",\n    \"field\" : null,\n    \"id\" : \"0\"\n  } ],\n  \"httpStatus\" : 401\n}";
        assert_eq!(super::to_string(&body), expected);
    }

    #[test]
    fn empty_containers() {
        assert_eq!(
            super::to_string(&json!({"errors": [], "x": {}})),
            "{\n  \"errors\" : [ ],\n  \"x\" : { }\n}"
        );
    }
}
