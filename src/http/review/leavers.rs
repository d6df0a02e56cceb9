//! `POST /access-review/leavers`: which people who left still hold Jamf access.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse as _, Response};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::SCOPE;
use crate::directory::cache::CachedSnapshot;
use crate::http::body::{missing_fields, parse};
use crate::http::caller::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::state::AppState;
use crate::http::unified::DirectoryErrors;
use crate::review::leavers::{self, LeaversIndex, LeaversReport, MAX_PEOPLE, Person};

pub const LEAVERS_PATH: &str = "/access-review/leavers";

/// Body limit of this route: 10,000 people with long emails and usernames fit; the global
/// `server.body_limit_bytes` (64 KiB by default) would not.
pub const LEAVERS_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// People answered per chunk of the streamed body: the answer is never whole in memory.
const PEOPLE_PER_CHUNK: usize = 200;

/// `POST /access-review/leavers`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaversBody {
    /// The integrated account (connected Jamf Pro instance) to check.
    // Optional for serde only, so a missing field is named in Truto's insight shape.
    #[schema(value_type = String, format = Uuid, required = true, example = "6f1d2c3b-1111-4222-8333-944455556666")]
    integrated_account_id: Option<String>,
    /// 1 to 10,000 people who left, each with an email, a username or both.
    #[schema(value_type = Vec<Person>, required = true, min_items = 1, max_items = 10000)]
    people: Option<Vec<Person>>,
}

/// Check leavers: is Jamf access removed for the people who left?
///
/// Each person is matched to Jamf Pro accounts by any of the account's emails and by username
/// (trimmed, case-insensitive); API clients never match. A person is `access_remains` when a
/// match is not `inactive`, `access_removed` when every match is `inactive`, `not_found`
/// without a match. Answers keep the order sent; each lists at most 20 matching accounts
/// (`matches_truncated` is true when more matched; the verdict counts them all).
/// `summary.directory_groups_not_checked` lists the LDAP-backed account groups, through which
/// people may hold access without a Jamf account.
/// The body may be up to 2 MiB (the other routes take `server.body_limit_bytes`).
#[utoipa::path(post, path = "/access-review/leavers", tag = "access-review",
    security(("bearer" = [])),
    request_body(content = LeaversBody, description = "At most 2 MiB", example = json!({
        "integrated_account_id": "6f1d2c3b-1111-4222-8333-944455556666",
        "people": [{"email": "pat.morgan@example.com"}, {"username": "rachel.green"}, {"email": "gone@example.com", "username": "gone"}]
    })),
    responses(
        (status = 200, description = "One verdict per person, in the order sent, and a summary", body = LeaversReport),
        (status = 413, description = "The body exceeds 2 MiB", body = ErrorBody),
        DirectoryErrors,
    ))]
pub async fn check_leavers(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(SCOPE)?;
    let (account_id, people) = validate(parse::<LeaversBody>(&body)?)?;
    let source = super::directory_of(&state, &caller, account_id, &headers).await?;
    let body = stream_report(source.cached.clone(), people);
    let content_type = HeaderValue::from_static("application/json");
    Ok(source.respond(([(header::CONTENT_TYPE, content_type)], body).into_response()))
}

/// The report as a stream of JSON chunks, `{"result": [...], "summary": {...}}`, built
/// [`PEOPLE_PER_CHUNK`] people at a time, so its memory is one chunk, not the whole answer
/// (a slow reader holds one chunk, and the write timeout ends it). The verdicts for the
/// summary come first: they are cheap and small.
fn stream_report(cached: Arc<CachedSnapshot>, people: Vec<Person>) -> Body {
    let index = LeaversIndex::new(&cached.snapshot);
    let statuses: Vec<_> = people.iter().map(|p| index.status(p)).collect();
    let summary = leavers::summary(&cached.snapshot, &statuses);
    drop(statuses);
    let mut people = people.into_iter();
    let mut opened = false;
    let chunks = std::iter::from_fn(move || {
        let mut chunk = Vec::new();
        if !opened {
            opened = true;
            chunk.extend_from_slice(b"{\"result\":[");
        } else if people.len() == 0 {
            return None;
        } else {
            chunk.push(b',');
        }
        let batch: Vec<_> = people
            .by_ref()
            .take(PEOPLE_PER_CHUNK)
            .map(|person| index.result(&cached.snapshot, person))
            .collect();
        let written = write_batch(&mut chunk, &batch).and_then(|()| {
            if people.len() > 0 {
                return Ok(());
            }
            chunk.extend_from_slice(b"],\"summary\":");
            serde_json::to_writer(&mut chunk, &summary)?;
            chunk.push(b'}');
            Ok(())
        });
        Some(written.map(|()| Bytes::from(chunk)).map_err(|err| {
            // Cannot happen for these types; the connection ends rather than send bad JSON.
            tracing::error!(%err, "a leavers answer failed to serialize");
            std::io::Error::other(err)
        }))
    });
    Body::from_stream(futures::stream::iter(chunks))
}

/// `batch` as comma-separated JSON values (no brackets).
fn write_batch(out: &mut Vec<u8>, batch: &[leavers::LeaverResult]) -> serde_json::Result<()> {
    for (i, result) in batch.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, result)?;
    }
    Ok(())
}

fn validate(body: LeaversBody) -> Result<(Uuid, Vec<Person>), ApiError> {
    let (account_id, people) = match (body.integrated_account_id, body.people) {
        (Some(id), Some(people)) => (id, people),
        (id, people) => {
            let mut missing = Vec::new();
            if id.is_none() {
                missing.push("integrated_account_id");
            }
            if people.is_none() {
                missing.push("people");
            }
            return Err(missing_fields(&missing));
        }
    };
    let account_id = Uuid::parse_str(account_id.trim()).map_err(|_| {
        ApiError::bad_request("`integrated_account_id` must be an integrated account id (a UUID)")
    })?;
    if people.is_empty() || people.len() > MAX_PEOPLE {
        return Err(ApiError::bad_request(format!(
            "`people` must list 1 to {MAX_PEOPLE} people; it lists {}",
            people.len()
        )));
    }
    if let Some(index) = people.iter().position(|p| !p.is_identified()) {
        return Err(ApiError::bad_request(format!(
            "`people[{index}]` needs an email or a username"
        )));
    }
    Ok((account_id, people))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(body: serde_json::Value) -> Result<(Uuid, Vec<Person>), ApiError> {
        validate(parse::<LeaversBody>(body.to_string().as_bytes())?)
    }

    #[test]
    fn bad_bodies_say_what_is_wrong() {
        let id = "6f1d2c3b-1111-4222-8333-944455556666";
        let many: Vec<_> = (0..=MAX_PEOPLE)
            .map(|i| json!({"username": format!("u{i}")}))
            .collect();
        let cases = [
            (json!({}), "integrated_account_id, people"),
            (json!({"integrated_account_id": id}), "people"),
            (
                json!({"integrated_account_id": "x", "people": [{"email": "a"}]}),
                "UUID",
            ),
            (
                json!({"integrated_account_id": id, "people": []}),
                "1 to 10000",
            ),
            (
                json!({"integrated_account_id": id, "people": many}),
                "it lists 10001",
            ),
            (
                json!({"integrated_account_id": id, "people": [{"email": "a"}, {"email": "a"}, {"username": "b"}, {"email": " ", "username": ""}]}),
                "`people[3]`",
            ),
            (
                json!({"integrated_account_id": id, "people": [{"name": "a"}]}),
                "unknown field `name`",
            ),
        ];
        for (body, expected) in cases {
            let err = check(body.clone()).unwrap_err();
            assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST);
            assert!(
                err.message().contains(expected),
                "{body}: {}",
                err.message()
            );
        }
        let (_, people) =
            check(json!({"integrated_account_id": id, "people": [{"email": "a@b.c"}]})).unwrap();
        assert_eq!(people.len(), 1);
    }
}
