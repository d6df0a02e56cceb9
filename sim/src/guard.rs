//! Bearer authentication and privilege checks, answering in each surface's error style.

use axum::http::{HeaderMap, StatusCode, header};

use super::errors::{self, Reject, Surface};
use super::state::SimState;
use super::tokens::Principal;

/// The bearer token of the request, if it carries one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Checks the bearer (Basic is refused: Classic stopped accepting it in 11.17) and, when
/// given, the privilege. Errors come as `ApiError` on `/api`, the HTML status page on
/// `/JSSResource`.
pub fn authorize(
    state: &SimState,
    headers: &HeaderMap,
    surface: Surface,
    privilege: Option<&str>,
) -> Result<Principal, Reject> {
    let unauthorized = || -> Reject {
        match surface {
            Surface::Pro => errors::invalid_token(),
            Surface::Classic => errors::classic_status(StatusCode::UNAUTHORIZED),
        }
        .into()
    };
    let token = bearer(headers).ok_or_else(unauthorized)?;
    let principal = state
        .tokens
        .lookup(token, state.clock.now())
        .ok_or_else(unauthorized)?;
    match privilege {
        Some(p) if !state.has_privilege(&principal, p) => {
            Err(surface.error(StatusCode::FORBIDDEN).into())
        }
        _ => Ok(principal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_parsing() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic YTpi"),
        );
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
    }
}
