//! Body parsing that trusts the bytes, not the `Content-Type` (Jamf Cloud labels JSON
//! `text/plain`), and reports failures in terms a log reader can act on.

use serde::de::DeserializeOwned;

/// How many characters of an unparseable body an error quotes.
const EXCERPT_CHARS: usize = 160;

/// A Jamf body that could not be read as the expected record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Jamf response is not a valid {expected}: {message} (body starts: {excerpt:?})")]
pub struct RecordError {
    /// The Rust type that was expected, without module paths.
    pub expected: String,
    /// serde's description of the problem, or why the body is not JSON at all.
    pub message: String,
    /// The start of the body, lossily decoded and cut at a character boundary.
    pub excerpt: String,
}

/// Parses a Jamf response body as JSON of type `T`, whatever its `Content-Type` said.
/// A UTF-8 byte-order mark is skipped. Never panics.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, RecordError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    serde_json::from_slice(body).map_err(|error| {
        let starts_with_markup = body.trim_ascii_start().first() == Some(&b'<');
        let message = if starts_with_markup {
            format!("body is XML or HTML, not JSON ({error})")
        } else {
            error.to_string()
        };
        RecordError {
            expected: short_type_name(std::any::type_name::<T>()),
            message,
            excerpt: String::from_utf8_lossy(body)
                .chars()
                .take(EXCERPT_CHARS)
                .collect(),
        }
    })
}

/// `a::b::Paged<a::b::WithRaw<a::V1Account>>` → `Paged<WithRaw<V1Account>>`.
fn short_type_name(full: &str) -> String {
    let mut short = String::with_capacity(full.len());
    let mut segment_start = 0;
    for (index, c) in full.char_indices() {
        if !(c.is_alphanumeric() || c == '_' || c == ':') {
            short.push_str(last_segment(&full[segment_start..index]));
            short.push(c);
            segment_start = index + c.len_utf8();
        }
    }
    short.push_str(last_segment(&full[segment_start..]));
    short
}

fn last_segment(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}
