//! The unified user-directory API (Truto's wire format): users, groups, roles and workspaces
//! of one integrated account, served from the snapshot cache.

// Shared with the access review (`http::review`), which serves lists of its own.
pub(super) mod envelope;
pub(super) mod params;
pub(super) mod query_docs;
pub(super) mod render;
pub(super) mod source;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::envelope::{ListEnvelope, RECORD_BYTES};
use self::params::{ListParams, QueryKind};
use self::query_docs::{GetQuery, ListQuery, UserListQuery};
use self::render::{Context, Fields, Rendered, single};
use self::source::not_found;
use super::caller::Caller;
use super::csv;
use super::error::{ApiError, ErrorBody};
use super::state::AppState;
use crate::directory::SnapshotKind::{Directory, Inventory};
use crate::directory::cache::CachedSnapshot;
use crate::directory::model::{Group, Role, User, Workspace};
use crate::directory::query::{self, TypeFilter, UserFilter};

const END_USER_PREFIX: &str = "end-user-";
use crate::review;

const SCOPE: &str = "directory:read";

/// The error responses every unified endpoint documents (and the access review's).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // read by the OpenAPI derive only
pub(super) enum DirectoryErrors {
    #[response(
        status = 400,
        description = "A parameter is missing or invalid (named in `message`); a `next_cursor` that was altered or belongs to other filters"
    )]
    BadRequest(ErrorBody),
    #[response(
        status = 401,
        description = "Missing or bad bearer token; or, with `truto_is_remote_error`, Jamf rejected the integrated account's credentials (the account moves to `needs_reauth`)"
    )]
    Unauthorized(ErrorBody),
    #[response(
        status = 403,
        description = "The token lacks `directory:read`; or, with `truto_is_remote_error`, Jamf refused a privilege (named in `message`)"
    )]
    Forbidden(ErrorBody),
    #[response(
        status = 404,
        description = "No such record, or no such integrated account for this caller (another tenant's account looks the same)"
    )]
    NotFound(ErrorBody),
    #[response(
        status = 502,
        description = "Jamf unreachable, or failing after retries (`truto_is_remote_error`)"
    )]
    BadGateway(ErrorBody),
    #[response(
        status = 503,
        description = "The Jamf fetch this answer needs is still running after `server.fetch_wait_secs`; it goes on. `Retry-After` estimates the seconds left, `fetch` says how far it got, `truto_is_remote_error` is false",
        headers(("Retry-After" = u64, description = "Estimated seconds until the fetch completes (at least 1)"))
    )]
    FetchRunning(ErrorBody),
    #[response(status = 504, description = "Jamf did not answer within the deadline")]
    GatewayTimeout(ErrorBody),
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(get_user))
        .routes(routes!(list_groups))
        .routes(routes!(get_group))
        .routes(routes!(list_roles))
        .routes(routes!(get_role))
        .routes(routes!(list_workspaces))
        .routes(routes!(get_workspace))
}

/// Renders one page of `records` and its cursor, bound to this account, resource and filters.
fn page<T: Serialize>(
    state: &AppState,
    cached: &CachedSnapshot,
    params: &ListParams,
    resource: &str,
    records: &[T],
    id_of: fn(&T) -> &str,
    keep: impl Fn(&T) -> bool,
) -> Result<Response, ApiError> {
    let filter = params.users.canonical();
    let (items, next_cursor) = select(state, params, resource, &filter, records, id_of, keep)?;
    let fields = Fields::new(&params.common.view, Context::List);
    render_page(&items, fields, next_cursor, missing_sources(cached))
}

/// A page of records, each rendered as `fields` asks, in the list envelope.
pub(super) fn render_page<T: Serialize>(
    items: &[&T],
    fields: Fields<'_>,
    next_cursor: Option<String>,
    missing_sources: Vec<String>,
) -> Result<Response, ApiError> {
    let capacity = (items.len() + 1) * RECORD_BYTES;
    let rendered = items.iter().map(|&record| Rendered { record, fields });
    envelope::list(rendered.collect(), next_cursor, missing_sources, capacity)
}

/// A page of users. A plain list (no `include`, `truto_ignore_remote_data` or
/// `truto_exclude_fields`) copies each user's JSON rendered once per snapshot.
pub(super) fn user_page(
    state: &AppState,
    cached: &CachedSnapshot,
    params: &ListParams,
    filter: &UserFilter,
) -> Result<Response, ApiError> {
    let users = &cached.snapshot.users;
    let (items, next_cursor) = select(
        state,
        params,
        "users",
        &params.users.canonical(),
        users,
        |u: &User| &u.id,
        |u| filter.matches(u),
    )?;
    let fields = Fields::new(&params.common.view, Context::List);
    if !fields.is_plain_list() {
        return render_page(&items, fields, next_cursor, missing_sources(cached));
    }
    let mut capacity = 64;
    let mut rendered = Vec::with_capacity(items.len());
    for user in items {
        let slot = position_in(users, user)
            .and_then(|index| cached.users_as_listed.get(index))
            .ok_or_else(ApiError::internal)?;
        let json = match slot.get() {
            Some(json) => json,
            None => {
                let json = render::raw(&Rendered {
                    record: user,
                    fields,
                })?;
                slot.get_or_init(|| json)
            }
        };
        capacity += json.get().len() + 1;
        rendered.push(&**json);
    }
    envelope::list(rendered, next_cursor, missing_sources(cached), capacity)
}

/// Where `item`, a reference into `slice`, stands in it (a page's records borrow the
/// snapshot's lists, so this needs no search).
fn position_in<T>(slice: &[T], item: &T) -> Option<usize> {
    let offset = (item as *const T as usize).checked_sub(slice.as_ptr() as usize)?;
    let index = offset / size_of::<T>().max(1);
    slice
        .get(index)
        .is_some_and(|found| std::ptr::eq(found, item))
        .then_some(index)
}

/// The page of `records` after the caller's cursor that `keep` selects, and the signed
/// cursor of the next one. Cursors are bound to the account, `resource` and `filter` (a
/// canonical rendering of the filters), so one from another query is refused.
pub(super) fn select<'a, T>(
    state: &AppState,
    params: &ListParams,
    resource: &str,
    filter: &str,
    records: &'a [T],
    id_of: fn(&T) -> &str,
    keep: impl Fn(&T) -> bool,
) -> Result<(Vec<&'a T>, Option<String>), ApiError> {
    let scope = format!("{}/{resource}/{filter}", params.common.account_id);
    let cursors = &state.cursors;
    let after = params
        .cursor
        .as_deref()
        .map(|c| cursors.decode(&scope, c))
        .transpose()
        .map_err(|err| ApiError::bad_request(err.to_string()))?;
    let page = query::page(records, id_of, after.as_deref(), params.limit, keep);
    let next_cursor = page.resume_after.map(|id| cursors.encode(&scope, &id));
    Ok((page.items, next_cursor))
}

/// What the snapshot lacks, as the envelope's `missing_sources` says it.
pub(super) fn missing_sources(cached: &CachedSnapshot) -> Vec<String> {
    cached
        .snapshot
        .missing
        .iter()
        .map(|m| format!("{}: {}", m.source, m.reason))
        .collect()
}

/// Lists and single gets of groups, roles and workspaces share everything but the record.
async fn list_resource<T: Serialize>(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    query: Option<String>,
    resource: &str,
    records: fn(&CachedSnapshot) -> &[T],
    id_of: fn(&T) -> &str,
) -> Result<Response, ApiError> {
    caller.require(SCOPE)?;
    // Said plainly rather than answered in JSON a CSV client would save as a `.csv`.
    if csv::wants_csv(&headers) {
        return Err(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            format!(
                "{resource} are served as JSON only; CSV is offered for users and access-review findings (ask for application/json here)"
            ),
        ));
    }
    let params = params::parse(query.as_deref(), QueryKind::OtherList)?;
    let account = params.common.account_id;
    let source = source::snapshot(&state, &caller, account, &headers, Directory).await?;
    let cached = &source.cached;
    let body = page(
        &state,
        cached,
        &params,
        resource,
        records(cached),
        id_of,
        |_| true,
    )?;
    Ok(source.respond(body))
}

#[allow(clippy::too_many_arguments)] // one argument per varying piece; all call sites are below
async fn get_resource<T: Serialize>(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    query: Option<String>,
    id: String,
    kind: &str,
    find: fn(&CachedSnapshot, &str) -> Option<T>,
) -> Result<Response, ApiError> {
    // Inventory users (`end-user-<id>`) live in their own snapshot.
    let snapshot_kind = if kind == "user" && id.starts_with(END_USER_PREFIX) {
        Inventory
    } else {
        Directory
    };
    caller.require(SCOPE)?;
    let params = params::parse(query.as_deref(), QueryKind::Get)?;
    let account = params.common.account_id;
    let source = source::snapshot(&state, &caller, account, &headers, snapshot_kind).await?;
    let cached = &source.cached;
    let record = find(cached, &id).ok_or_else(|| not_found(kind, &id))?;
    let body = single(&record, &params.common.view)?;
    Ok(source.respond(body))
}

/// List users: Jamf Pro administrator accounts (and, with `type`, API clients).
///
/// Served from a snapshot fresh for `cache.ttl_secs`; `Cache-Control: no-cache` forces a
/// fresh fetch from Jamf. Past the TTL a stale snapshot answers at once while one background
/// fetch refreshes it (`Cache-Status: jamf-directory; hit; detail=stale-while-revalidate`), or
/// when Jamf fails on its side (`…; fwd=stale; fwd-status=<status>; detail=stale-if-error`);
/// `no-cache` and a Jamf 401 or 403 are never answered stale. `Cache-Status` and `Age` tell
/// what you got. Lists leave out `permissions` unless `include=permissions`.
///
/// With `Accept: text/csv` the answer is the whole filtered list as one CSV attachment (RFC
/// 4180; columns in the README's "Access review"): `limit` and `next_cursor` are ignored there.
#[utoipa::path(get, path = "/unified/user-directory/users", tag = "user-directory",
    security(("bearer" = [])), params(UserListQuery),
    responses(
        (status = 200, description = "A page of users; with `Accept: text/csv`, every user the filters select as CSV",
            content(
                (ListEnvelope<User> = "application/json"),
                (String = "text/csv", example = json!("id,type,username,name,first_name,last_name,emails,status,...\r\n1,admin,admin,Jane Doe,Jane,Doe,jane.doe@example.com,active,...\r\n")),
            ),
            headers(("Content-Disposition" = String, description = "CSV only: `attachment; filename=\"jamf-users-<tenant>-<YYYY-MM-DD>.csv\"` (the snapshot's fetch date, UTC)"))),
        DirectoryErrors,
    ))]
async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    caller.require(SCOPE)?;
    let params = params::parse(query.as_deref(), QueryKind::UserList)?;
    let filter: &UserFilter = &params.users;
    // Inventory users are fetched only when asked for, into their own snapshot.
    let snapshot_kind = match filter.user_type {
        TypeFilter::EndUser => Inventory,
        _ => Directory,
    };
    let account = params.common.account_id;
    let source = source::snapshot(&state, &caller, account, &headers, snapshot_kind).await?;
    let body = users_answer(
        &state,
        &source.cached,
        &params,
        &headers,
        &source.account.tenant_id,
    )?;
    Ok(source.respond(body))
}

/// The users of `cached` that `params` select: a page, or with `Accept: text/csv` all of them
/// as an attachment named for `tenant` and the snapshot's date. The live list and a kept
/// snapshot's list answer alike.
pub(super) fn users_answer(
    state: &AppState,
    cached: &CachedSnapshot,
    params: &ListParams,
    headers: &HeaderMap,
    tenant: &str,
) -> Result<Response, ApiError> {
    if csv::wants_csv(headers) {
        let users = cached
            .snapshot
            .users
            .iter()
            .filter(|u| params.users.matches(u));
        return csv::attachment(
            review::csv::users(users),
            "users",
            tenant,
            cached.fetched_at_utc,
        );
    }
    user_page(state, cached, params, &params.users)
}

/// Get one user with full detail, including `permissions`.
///
/// Served from the same snapshot as the list, so the record is identical to the list's (with
/// `permissions` always included). On a cold cache the directory is fetched and cached once,
/// shared with any concurrent list.
#[utoipa::path(get, path = "/unified/user-directory/users/{id}", tag = "user-directory",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id: a Jamf account id, `api-client-<id>`, or `end-user-<id>` (an inventory user)"), GetQuery),
    responses(
        (status = 200, description = "The user", body = User),
        DirectoryErrors,
    ))]
async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    get_resource(state, caller, headers, query, id, "user", |c, id| {
        c.snapshot.user(id).cloned()
    })
    .await
}

/// List groups: Jamf account groups, with members computed from the accounts.
#[utoipa::path(get, path = "/unified/user-directory/groups", tag = "user-directory",
    security(("bearer" = [])), params(ListQuery),
    responses(
        (status = 200, description = "A page of groups", body = ListEnvelope<Group>),
        (status = 406, description = "`Accept: text/csv`: this list is JSON only (CSV is offered for users and findings)", body = ErrorBody),
        DirectoryErrors,
    ))]
async fn list_groups(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    list_resource(
        state,
        caller,
        headers,
        query,
        "groups",
        |c| &c.snapshot.groups,
        |g: &Group| &g.id,
    )
    .await
}

/// Get one group.
#[utoipa::path(get, path = "/unified/user-directory/groups/{id}", tag = "user-directory",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Jamf account group id"), GetQuery),
    responses(
        (status = 200, description = "The group", body = Group),
        DirectoryErrors,
    ))]
async fn get_group(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    get_resource(state, caller, headers, query, id, "group", |c, id| {
        c.snapshot.group(id).cloned()
    })
    .await
}

/// List roles: the privilege sets in use and the API roles.
#[utoipa::path(get, path = "/unified/user-directory/roles", tag = "user-directory",
    security(("bearer" = [])), params(ListQuery),
    responses(
        (status = 200, description = "A page of roles", body = ListEnvelope<Role>),
        (status = 406, description = "`Accept: text/csv`: this list is JSON only (CSV is offered for users and findings)", body = ErrorBody),
        DirectoryErrors,
    ))]
async fn list_roles(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    list_resource(
        state,
        caller,
        headers,
        query,
        "roles",
        |c| &c.snapshot.roles,
        |r: &Role| &r.id,
    )
    .await
}

/// Get one role.
#[utoipa::path(get, path = "/unified/user-directory/roles/{id}", tag = "user-directory",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Role id, e.g. `administrator` or `api-role-1`"), GetQuery),
    responses(
        (status = 200, description = "The role", body = Role),
        DirectoryErrors,
    ))]
async fn get_role(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    get_resource(state, caller, headers, query, id, "role", |c, id| {
        c.snapshot.role(id).cloned()
    })
    .await
}

/// List workspaces: Jamf sites.
#[utoipa::path(get, path = "/unified/user-directory/workspaces", tag = "user-directory",
    security(("bearer" = [])), params(ListQuery),
    responses(
        (status = 200, description = "A page of workspaces", body = ListEnvelope<Workspace>),
        (status = 406, description = "`Accept: text/csv`: this list is JSON only (CSV is offered for users and findings)", body = ErrorBody),
        DirectoryErrors,
    ))]
async fn list_workspaces(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    list_resource(
        state,
        caller,
        headers,
        query,
        "workspaces",
        |c| &c.snapshot.workspaces,
        |w: &Workspace| &w.id,
    )
    .await
}

/// Get one workspace.
#[utoipa::path(get, path = "/unified/user-directory/workspaces/{id}", tag = "user-directory",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Jamf site id"), GetQuery),
    responses(
        (status = 200, description = "The workspace", body = Workspace),
        DirectoryErrors,
    ))]
async fn get_workspace(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    get_resource(state, caller, headers, query, id, "workspace", |c, id| {
        c.snapshot.workspace(id).cloned()
    })
    .await
}
