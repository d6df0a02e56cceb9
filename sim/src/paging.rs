//! `page`, `page-size`, `sort` and `filter` of the Jamf Pro API list endpoints, the
//! `{totalCount, results}` envelope, and the `{page, pageSize, totalCount, totalPages,
//! hasNext, hasPrevious, results}` one of `/v1/users`.

use std::cmp::Ordering;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::errors::{Reject, bad_request};
use super::filter;
use super::rsql::{self, Expr, Kind, Record};

/// What an endpoint allows.
pub struct ListSpec {
    /// Sortable and filterable fields.
    pub fields: &'static [(&'static str, Kind)],
    /// E.g. `"username:asc"`.
    pub default_sort: &'static str,
    /// Largest accepted `page-size`; above it the request is refused with 400.
    pub max_page_size: usize,
}

pub struct ListQuery {
    page: usize,
    page_size: usize,
    sort: Vec<(String, bool)>,
    filter: Option<Expr>,
}

/// Largest accepted `page-size` of the lists that give none (inferred; the directory service
/// asks for up to 2000).
pub const MAX_PAGE_SIZE: usize = 2000;

fn parse_sort(text: &str, spec: &ListSpec, out: &mut Vec<(String, bool)>) -> Result<(), Reject> {
    for criterion in text.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let (field, dir) = criterion.split_once(':').unwrap_or((criterion, "asc"));
        let desc = match dir.to_ascii_lowercase().as_str() {
            "asc" => false,
            "desc" => true,
            _ => {
                return Err(bad_request(
                    "INVALID_SORT",
                    &format!("Invalid sort direction '{dir}'"),
                    "sort",
                )
                .into());
            }
        };
        // The spec: "If any other field is passed it will be ignored".
        if spec.fields.iter().any(|(f, _)| *f == field) {
            out.push((field.to_owned(), desc));
        }
    }
    Ok(())
}

impl ListQuery {
    /// Parses the raw query string; bad values answer 400 `ApiError` (codes inferred).
    pub fn parse(raw: Option<&str>, spec: &ListSpec) -> Result<ListQuery, Reject> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|_| {
                Reject::from(bad_request(
                    "INVALID_PARAMETER",
                    "Malformed query string",
                    "query",
                ))
            })?;
        let mut q = ListQuery {
            page: 0,
            page_size: 100,
            sort: Vec::new(),
            filter: None,
        };
        let mut sorted = false;
        for (key, value) in &pairs {
            match key.as_str() {
                "page" => {
                    q.page = value.parse().map_err(|_| {
                        Reject::from(bad_request(
                            "INVALID_PARAMETER",
                            "page must be a non-negative integer",
                            "page",
                        ))
                    })?;
                }
                "page-size" => {
                    q.page_size = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=spec.max_page_size).contains(n))
                        .ok_or_else(|| {
                            Reject::from(bad_request(
                                "INVALID_PARAMETER",
                                &format!("page-size must be between 1 and {}", spec.max_page_size),
                                "page-size",
                            ))
                        })?;
                }
                "sort" => {
                    sorted = true;
                    parse_sort(value, spec, &mut q.sort)?;
                }
                "filter" if !value.trim().is_empty() => {
                    let expr = rsql::parse(value, spec.fields).map_err(|e| {
                        Reject::from(bad_request("INVALID_RSQL_FILTER", &e, "filter"))
                    })?;
                    q.filter = Some(expr);
                }
                _ => {}
            }
        }
        if !sorted {
            parse_sort(spec.default_sort, spec, &mut q.sort)?;
        }
        Ok(q)
    }

    /// Caps `page-size` at `max` (at least 1), as tenants that silently limit it do; `page`
    /// then counts in pages of the capped size.
    pub fn clamped(mut self, max: Option<usize>) -> ListQuery {
        if let Some(max) = max {
            self.page_size = self.page_size.min(max.max(1));
        }
        self
    }

    /// The zero-based page asked for.
    pub fn page(&self) -> usize {
        self.page
    }

    /// The page size in effect (after any clamp).
    pub fn page_size(&self) -> usize {
        self.page_size
    }

    /// Filters, sorts (ties broken by `id`), and pages; returns `(totalCount, page)`.
    pub fn apply<'a, T: Record>(&self, items: &'a [T]) -> (usize, Vec<&'a T>) {
        let mut hits: Vec<&T> = items
            .iter()
            .filter(|r| self.filter.as_ref().is_none_or(|f| filter::eval(f, *r)))
            .collect();
        hits.sort_by(|a, b| {
            self.sort
                .iter()
                .map(|(field, desc)| {
                    let ord = match (a.field(field), b.field(field)) {
                        (Some(x), Some(y)) => rsql::compare(&x, &y),
                        _ => Ordering::Equal,
                    };
                    if *desc { ord.reverse() } else { ord }
                })
                .find(|o| *o != Ordering::Equal)
                .unwrap_or_else(|| match (a.field("id"), b.field("id")) {
                    (Some(x), Some(y)) => rsql::compare(&x, &y),
                    _ => Ordering::Equal,
                })
        });
        let total = hits.len();
        let start = self.page.saturating_mul(self.page_size).min(total);
        let end = start.saturating_add(self.page_size).min(total);
        (total, hits.drain(start..end).collect())
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<T> {
    total_count: usize,
    results: T,
}

/// `{"totalCount": n, "results": [...]}`.
pub fn envelope<T: Serialize>(total: usize, results: T) -> Response {
    Json(Envelope {
        total_count: total,
        results,
    })
    .into_response()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PagedEnvelope<T> {
    page: usize,
    page_size: usize,
    total_count: usize,
    total_pages: usize,
    has_next: bool,
    has_previous: bool,
    results: T,
}

/// `PagedUserResults` of `/v1/users`: `totalPages`, `hasNext` and `hasPrevious` derived from
/// `total` as Spring's `Page` does (`totalPages` = ⌈total / pageSize⌉, `hasNext` = page + 1 <
/// totalPages, `hasPrevious` = page > 0). `page_size` is the size in effect: a clamped size
/// shows here, as a Spring `max-page-size` clamp would show it (inferred).
pub fn paged_envelope<T: Serialize>(
    page: usize,
    page_size: usize,
    total: usize,
    results: T,
) -> Response {
    let total_pages = total.div_ceil(page_size.max(1));
    Json(PagedEnvelope {
        page,
        page_size,
        total_count: total,
        total_pages,
        has_next: page.saturating_add(1) < total_pages,
        has_previous: page > 0,
        results,
    })
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rsql::Value;

    struct R(i64, &'static str);
    impl Record for R {
        fn field(&self, name: &str) -> Option<Value<'_>> {
            match name {
                "id" => Some(Value::Num(self.0)),
                "name" => Some(Value::Str(self.1)),
                _ => None,
            }
        }
    }
    const SPEC: ListSpec = ListSpec {
        fields: &[("id", Kind::Num), ("name", Kind::Str)],
        default_sort: "name:asc",
        max_page_size: MAX_PAGE_SIZE,
    };
    const ITEMS: &[R] = &[R(1, "b"), R(2, "A"), R(3, "c"), R(4, "a")];

    fn ids(raw: &str) -> (usize, Vec<i64>) {
        let q = ListQuery::parse(Some(raw), &SPEC).ok().unwrap();
        let (total, page) = q.apply(ITEMS);
        (total, page.iter().map(|r| r.0).collect())
    }

    #[test]
    fn default_sort_is_case_insensitive_with_id_tiebreak() {
        assert_eq!(ids(""), (4, vec![2, 4, 1, 3]));
        assert_eq!(ids("sort=name:desc,id:desc"), (4, vec![3, 1, 4, 2]));
        assert_eq!(ids("sort=bogus:asc"), (4, vec![1, 2, 3, 4]));
    }

    #[test]
    fn pages_and_past_the_end() {
        assert_eq!(ids("page=1&page-size=3&sort=id"), (4, vec![4]));
        assert_eq!(ids("page=5&page-size=3"), (4, vec![]));
        assert_eq!(ids("filter=name=='a'&sort=id:asc"), (2, vec![2, 4]));
    }

    #[test]
    fn clamp_caps_page_size_and_keeps_total() {
        let page = |raw: &str, clamp| {
            let q = ListQuery::parse(Some(raw), &SPEC).ok().unwrap();
            let (total, page) = q.clamped(clamp).apply(ITEMS);
            (total, page.iter().map(|r| r.0).collect::<Vec<_>>())
        };
        let mut seen = Vec::new();
        for k in 0..2 {
            let (total, ids) = page(&format!("page={k}&page-size=2000&sort=id"), Some(3));
            assert_eq!(total, 4);
            assert_eq!(ids.len(), if k == 0 { 3 } else { 1 });
            seen.extend(ids);
        }
        assert_eq!(seen, vec![1, 2, 3, 4]);
        assert_eq!(page("page=2&page-size=2000&sort=id", Some(3)), (4, vec![]));
        // A smaller request than the clamp, and no clamp, are unchanged.
        assert_eq!(page("page=1&page-size=2&sort=id", Some(3)), (4, vec![3, 4]));
        assert_eq!(page("page-size=2000&sort=id", None), (4, vec![1, 2, 3, 4]));
        assert_eq!(page("page=1&page-size=5&sort=id", Some(0)), (4, vec![2]));
    }

    #[test]
    fn bad_parameters_are_rejected() {
        for raw in [
            "page=-1",
            "page=x",
            "page-size=0",
            "page-size=2001",
            "sort=id:up",
            "filter=x==1",
        ] {
            assert!(ListQuery::parse(Some(raw), &SPEC).is_err(), "{raw}");
        }
        let small = ListSpec {
            max_page_size: 1000,
            ..SPEC
        };
        assert!(ListQuery::parse(Some("page-size=1000"), &small).is_ok());
        assert!(ListQuery::parse(Some("page-size=1001"), &small).is_err());
    }
}
