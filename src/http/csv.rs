//! CSV answers: `Accept: text/csv` negotiation and the attachment response. The CSV itself is
//! made by `review::csv`.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::error::ApiError;

/// True when the caller prefers `text/csv` to JSON: it lists `text/csv` with a weight above 0
/// and at least that of `application/json` (wildcards mean JSON, the default).
pub fn wants_csv(headers: &HeaderMap) -> bool {
    let (mut csv, mut json) = (0.0_f32, 0.0_f32);
    for value in headers.get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else { continue };
        for range in value.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match media.as_str() {
                "text/csv" => csv = csv.max(weight),
                "application/json" => json = json.max(weight),
                _ => {}
            }
        }
    }
    csv > 0.0 && csv >= json
}

/// `csv` as a download named `jamf-<what>-<tenant>-<YYYY-MM-DD>.csv`, dated `at` (UTC).
pub fn attachment(
    csv: Result<Vec<u8>, ::csv::Error>,
    what: &str,
    tenant: &str,
    at: DateTime<Utc>,
) -> Result<Response, ApiError> {
    let bytes = csv.map_err(|err| {
        tracing::error!(%err, "CSV rendering failed");
        ApiError::internal()
    })?;
    // Tenant ids are restricted at creation, but a file name is no place to find out.
    let tenant: String = tenant
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"jamf-{what}-{tenant}-{}.csv\"",
        at.format("%Y-%m-%d")
    );
    let disposition = HeaderValue::from_str(&disposition).map_err(|_| ApiError::internal())?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_only_when_preferred() {
        let cases = [
            ("text/csv", true),
            ("Text/CSV; charset=utf-8", true),
            ("text/csv, application/json;q=0.5", true),
            ("application/json, text/csv;q=0.5", false),
            ("text/csv;q=0", false),
            ("*/*", false),
            ("application/json", false),
            ("", false),
        ];
        for (accept, expected) in cases {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
            assert_eq!(wants_csv(&headers), expected, "{accept:?}");
        }
        assert!(!wants_csv(&HeaderMap::new()));
    }

    #[test]
    fn the_attachment_is_named_and_typed() {
        let at = "2026-03-04T05:06:07Z".parse().unwrap();
        let response = attachment(Ok(b"id\r\n".to_vec()), "users", "acme:eu", at).unwrap();
        let headers = response.headers();
        assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        assert_eq!(
            headers[header::CONTENT_DISPOSITION],
            "attachment; filename=\"jamf-users-acme_eu-2026-03-04.csv\""
        );
    }
}
