//! Which caller-sent `x-request-id` values the service keeps.
//!
//! The id is written into every log line of the request and echoed in the response, so a
//! caller must not be able to make it huge or fill it with spaces and control bytes that break
//! log lines apart. Anything else is dropped before `SetRequestIdLayer`, which then generates
//! one as if none had come.

use axum::extract::Request;
use axum::http::HeaderName;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest caller id kept, in bytes (= characters: only ASCII is kept).
const MAX_LEN: usize = 128;

/// Removes `x-request-id` unless the request carries exactly one, of 1..=128 visible ASCII
/// characters (0x21–0x7E). Two ids would leave it open which one the logs and answer show.
pub fn keep_only_valid(mut request: Request) -> Request {
    let mut values = request.headers().get_all(&REQUEST_ID).iter();
    let valid = match (values.next(), values.next()) {
        (Some(id), None) => is_valid(id.as_bytes()),
        _ => false,
    };
    if !valid {
        request.headers_mut().remove(&REQUEST_ID);
    }
    request
}

fn is_valid(id: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&id.len()) && id.iter().all(|b| (0x21..=0x7e).contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn kept(ids: &[&[u8]]) -> Option<Vec<u8>> {
        let mut request = Request::new(Body::empty());
        for id in ids {
            request
                .headers_mut()
                .append(REQUEST_ID, axum::http::HeaderValue::from_bytes(id).unwrap());
        }
        keep_only_valid(request)
            .headers()
            .get(REQUEST_ID)
            .map(|v| v.as_bytes().to_vec())
    }

    #[test]
    fn visible_ascii_up_to_128_characters_is_kept() {
        let longest = "~".repeat(MAX_LEN);
        for id in [
            "a",
            "trace-me-42",
            "!#$%&'*+-.^_`|~\"(),/:;<=>?@[\\]{}",
            &longest,
        ] {
            assert_eq!(
                kept(&[id.as_bytes()]).as_deref(),
                Some(id.as_bytes()),
                "{id}"
            );
        }
    }

    #[test]
    fn anything_else_is_dropped() {
        let too_long = "a".repeat(MAX_LEN + 1);
        for id in [
            &b""[..],
            too_long.as_bytes(),
            b"two words",
            b"tab\there",
            b"caf\xc3\xa9",
            b"\xff",
        ] {
            assert_eq!(kept(&[id]), None, "{id:?}");
        }
        assert_eq!(kept(&[b"one", b"two"]), None, "two ids");
        assert_eq!(kept(&[]), None);
    }
}
