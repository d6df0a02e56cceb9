//! The rate limits in the OpenAPI document: a `429` on every limited operation and the
//! `RateLimit` headers on all of its responses. Done here, once, rather than in each
//! operation's annotation, so a new bearer route cannot forget them.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{OpenApi, Ref, RefOr};

use super::{RATELIMIT_LIMIT, RATELIMIT_REMAINING, RATELIMIT_RESET};

const TOKEN_PATH: &str = "/auth/token";

const OVERVIEW: &str = "\n\nRate limits (GCRA, per replica; `[limits]` in the configuration): \
each caller client may make `client_requests` requests per `client_window_secs` (default 500 per \
10 s) on the bearer-authenticated endpoints, and requests that reach Jamf for one integrated \
account (a read no cached snapshot can answer, a `Cache-Control: no-cache` read, \
refresh-credentials, PATCH) share `account_requests` per `account_window_secs` (default 50 per \
10 s) across callers; reads a cached snapshot answers spend none of it. `POST /auth/token` \
allows `token_attempts` per `token_window_secs` (default 20 per 60 s) per source address (an \
IPv6 /64) for every attempt, and as many failed authentications per client id (a correct \
secret is never refused by the client id's quota). Responses of limited endpoints \
carry `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` (IETF draft RateLimit \
header fields, seconds) for the tightest quota that applied, on errors as on successes \
(requests refused for a missing or bad bearer token spend no quota and carry none); a refusal \
is `429` with `Retry-After`.";

/// Adds the limits to `doc` (see the module comment).
pub fn document(doc: &mut OpenApi) {
    doc.info
        .description
        .get_or_insert_with(String::new)
        .push_str(OVERVIEW);
    for (path, operation) in crate::http::docs::operations_mut(doc) {
        // Every bearer route passes the guard; which quota applies depends on the path.
        let bearer = operation.security.as_ref().is_some_and(|s| !s.is_empty());
        let kind = match path {
            TOKEN_PATH => Kind::Token,
            "/integrated-account" if bearer => Kind::Client,
            _ if bearer => Kind::Account,
            _ => continue,
        };
        limit(operation, kind);
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Token,
    Client,
    Account,
}

fn limit(operation: &mut Operation, kind: Kind) {
    // Documented on successes and on the 429 only: repeating three headers on every error
    // response would triple the document, and the overview says where else they appear.
    for (status, response) in operation.responses.responses.iter_mut() {
        if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
            for (name, header) in ratelimit_headers() {
                response.headers.insert(name, header);
            }
        }
    }
    let (description, body) = match kind {
        Kind::Token => (
            "Too many token requests for this client id or from this address; retry after \
             `Retry-After` seconds. The secret is not checked. `Cache-Control: no-store`.",
            "OAuthErrorBody",
        ),
        Kind::Client => (
            "Rate limit of this caller client exceeded; retry after `Retry-After` seconds",
            "ErrorBody",
        ),
        Kind::Account => (
            "Rate limit of this caller client, or of the integrated account named, exceeded; \
             retry after `Retry-After` seconds",
            "ErrorBody",
        ),
    };
    let mut too_many = ResponseBuilder::new()
        .description(description)
        .header(
            "Retry-After",
            integer_header("Seconds until the next request can be allowed"),
        )
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(body)))
                .build(),
        );
    for (name, header) in ratelimit_headers() {
        too_many = too_many.header(name, header);
    }
    operation
        .responses
        .responses
        .insert("429".into(), RefOr::T(too_many.build()));
}

fn ratelimit_headers() -> [(String, Header); 3] {
    [
        (
            RATELIMIT_LIMIT.as_str().into(),
            integer_header("Requests allowed per window by the tightest quota that applied"),
        ),
        (
            RATELIMIT_REMAINING.as_str().into(),
            integer_header("Requests left in that quota"),
        ),
        (
            RATELIMIT_RESET.as_str().into(),
            integer_header("Seconds until that quota is fully available again"),
        ),
    ]
}

fn integer_header(description: &str) -> Header {
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .description(Some(description))
        .build()
}
