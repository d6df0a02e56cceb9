//! The list envelope and the cache headers every unified response carries.

use std::time::Duration;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::render;
use crate::directory::cache::CacheOutcome;
use crate::http::error::ApiError;

/// A guess of one rendered record's size, so a page's body is rarely reallocated: a Jamf
/// user with its v1 record in `remote_data` is about 1.5 KiB (more from Classic).
pub const RECORD_BYTES: usize = 2048;

/// Truto's list envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListEnvelope<T> {
    pub result: Vec<T>,
    /// Pass back as `next_cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// Always null: pages are walked forward only.
    pub prev_cursor: Option<String>,
    /// Number of records in `result`.
    pub result_count: usize,
    /// True when part of the directory could not be read (e.g. the API role lacks "Read SSO
    /// Settings", so MFA is unknown); the missing parts are named in `missing_sources`.
    pub is_partial_response: bool,
    /// What could not be read, and why; absent when nothing is missing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_sources: Vec<String>,
}

/// Adds `Cache-Status` (RFC 9211) and `Age` to a response body.
pub fn with_cache_headers(
    body: impl IntoResponse,
    outcome: CacheOutcome,
    age: Duration,
) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::try_from(outcome.header_value()) {
        headers.insert("cache-status", value);
    }
    headers.insert(header::AGE, HeaderValue::from(age.as_secs()));
    // Directory data is per-tenant and sensitive: shared caches must not keep it.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// A page of rendered `items` in the envelope, written straight into the response body;
/// `capacity` is a guess of the body's size.
pub fn list<I: Serialize>(
    items: Vec<I>,
    next_cursor: Option<String>,
    missing_sources: Vec<String>,
    capacity: usize,
) -> Result<Response, ApiError> {
    let envelope = ListEnvelope {
        result_count: items.len(),
        result: items,
        next_cursor,
        prev_cursor: None,
        is_partial_response: !missing_sources.is_empty(),
        missing_sources,
    };
    render::json(&envelope, capacity)
}
