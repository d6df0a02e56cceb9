//! Jamf's three error shapes: `ApiError` on `/api`, the Restlet HTML "Status page" on
//! `/JSSResource`, RFC 6749 §5.2 bodies on the OAuth token endpoint; plus an nginx-style
//! page for injected gateway errors.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::jackson;

pub const JSON: &str = "application/json;charset=UTF-8";
const HTML: &str = "text/html;charset=UTF-8";

/// Which error style a path uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    Classic,
    Pro,
}

impl Surface {
    pub fn of(path: &str) -> Surface {
        if path.starts_with("/JSSResource") {
            Surface::Classic
        } else {
            Surface::Pro
        }
    }

    /// The application-level error body for `status` in this surface's style.
    pub fn error(self, status: StatusCode) -> Response {
        match self {
            Surface::Classic => classic_status(status),
            Surface::Pro => api_error(status, code_for(status), description_for(status), None),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiErrorBody<'a> {
    http_status: u16,
    errors: Vec<ApiErrorCause<'a>>,
}

#[derive(Serialize)]
struct ApiErrorCause<'a> {
    code: &'a str,
    description: &'a str,
    id: Option<&'a str>,
    field: Option<&'a str>,
}

fn with_type(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// `{"httpStatus" : s, "errors" : [ {code, description, id : "0", field} ]}`.
pub fn api_error(
    status: StatusCode,
    code: &str,
    description: &str,
    field: Option<&str>,
) -> Response {
    let body = ApiErrorBody {
        http_status: status.as_u16(),
        errors: vec![ApiErrorCause {
            code,
            description,
            id: Some("0"),
            field,
        }],
    };
    with_type(status, JSON, jackson::to_string(&body))
}

/// `{"httpStatus" : s, "errors" : [ ]}` (real body for bad Basic credentials).
pub fn api_error_empty(status: StatusCode) -> Response {
    let body = ApiErrorBody {
        http_status: status.as_u16(),
        errors: Vec::new(),
    };
    with_type(status, JSON, jackson::to_string(&body))
}

/// The real body for a missing, expired or revoked bearer on the Jamf Pro API.
pub fn invalid_token() -> Response {
    api_error(
        StatusCode::UNAUTHORIZED,
        "INVALID_TOKEN",
        "Unauthorized",
        None,
    )
}

/// A 400 for a bad query parameter (code and wording inferred; Jamf's are not recorded).
pub fn bad_request(code: &str, description: &str, field: &str) -> Response {
    api_error(StatusCode::BAD_REQUEST, code, description, Some(field))
}

fn code_for(status: StatusCode) -> &'static str {
    // Only INVALID_TOKEN (401) is recorded; the others are plausible Jamf-style codes.
    match status.as_u16() {
        401 => "INVALID_TOKEN",
        403 => "INVALID_PRIVILEGE",
        404 => "NOT_FOUND",
        _ => "SERVER_ERROR",
    }
}

fn description_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "An unexpected error occurred",
    }
}

/// The Restlet "Status page" Jamf's Classic API answers errors with.
pub fn classic_status(status: StatusCode) -> Response {
    let (title, text, anchor) = match status.as_u16() {
        400 => (
            "Bad Request",
            "The request could not be understood by the server due to malformed syntax",
            "sec10.4.1",
        ),
        401 => (
            "Unauthorized",
            "The request requires user authentication",
            "sec10.4.2",
        ),
        403 => (
            "Forbidden",
            "The server understood the request, but is refusing to fulfill it",
            "sec10.4.4",
        ),
        404 => (
            "Not Found",
            "The server has not found anything matching the request URI",
            "sec10.4.5",
        ),
        _ => (
            "Internal Server Error",
            "The server encountered an unexpected condition which prevented it from fulfilling the request",
            "sec10.5.1",
        ),
    };
    let body = format!(
        "<html>\n<head>\n   <title>Status page</title>\n</head>\n<body style=\"font-family: sans-serif;\">\n\
<p style=\"font-size: 1.2em;font-weight: bold;margin: 1em 0px;\">{title}</p>\n\
<p>{text}</p>\n\
<p>You can get technical details <a href=\"http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#{anchor}\">here</a>.<br>\n\
Please continue your visit at our <a href=\"/\">home page</a>.\n</p>\n</body>\n</html>\n"
    );
    with_type(status, HTML, body)
}

/// RFC 6749 §5.2 body. Jamf's token endpoint (Spring Authorization Server) sends
/// `error_description`/`error_uri` for malformed requests and a bare `error` otherwise
/// (observed: `401 {"error":"invalid_client"}`).
pub fn oauth_error(status: StatusCode, error: &str, description: Option<&str>) -> Response {
    let body = match description {
        Some(d) => serde_json::json!({
            "error": error,
            "error_description": d,
            "error_uri": "https://datatracker.ietf.org/doc/html/rfc6749#section-5.2",
        }),
        None => serde_json::json!({ "error": error }),
    };
    let mut resp = with_type(status, JSON, body.to_string());
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// What a load balancer in front of Jamf Cloud sends for 502/503/504 (inferred: HTML, no
/// `Retry-After`).
pub fn gateway_error(status: StatusCode) -> Response {
    let line = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let body = format!(
        "<html>\r\n<head><title>{line}</title></head>\r\n<body>\r\n<center><h1>{line}</h1></center>\r\n</body>\r\n</html>\r\n"
    );
    with_type(status, HTML, body)
}

/// A request refused by load shedding: Jamf Cloud's timeout page with 503, no `Retry-After`.
pub fn shed() -> Response {
    let body = "<!DOCTYPE html>\r\n<html>\r\n<head><title>Jamf Cloud - Timeout</title></head>\r\n<body>\r\n<h1>Jamf Cloud - Timeout</h1>\r\n<p>The server is busy. Please try again later.</p>\r\n</body>\r\n</html>\r\n";
    with_type(StatusCode::SERVICE_UNAVAILABLE, HTML, body.to_owned())
}

/// An injected error: 5xx gateway statuses as the proxy would send them, others in the
/// application's own style.
pub fn injected(surface: Surface, status: StatusCode) -> Response {
    match status.as_u16() {
        502..=504 => gateway_error(status),
        _ => surface.error(status),
    }
}

/// An early error response; boxed because `Response` is large for a `Result` error.
pub struct Reject(Box<Response>);

impl From<Response> for Reject {
    fn from(resp: Response) -> Self {
        Reject(Box::new(resp))
    }
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// What handlers return: the answer, or an error answer (`?` on guards and parsers).
pub type Answer = Result<Response, Reject>;
