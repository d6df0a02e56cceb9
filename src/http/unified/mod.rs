//! The unified user-directory API (Truto's wire format): users, groups, roles and workspaces
//! of one integrated account, served from the snapshot cache.

mod envelope;
mod params;
mod query_docs;
mod render;
mod source;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::envelope::{ListEnvelope, RECORD_BYTES, with_cache_headers};
use self::params::{ListParams, QueryKind};
use self::query_docs::{GetQuery, ListQuery, UserListQuery};
use self::render::{Context, Fields, Rendered, single};
use self::source::{not_found, wants_fresh};
use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use super::state::AppState;
use crate::directory::Served;
use crate::directory::cache::CachedSnapshot;
use crate::directory::model::{Group, Role, User, Workspace};
use crate::directory::query::{self, UserFilter};

const SCOPE: &str = "directory:read";

/// The error responses every unified endpoint documents.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // read by the OpenAPI derive only
enum DirectoryErrors {
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

/// One page of a list, before rendering.
struct Page<'a, T> {
    items: Vec<&'a T>,
    next_cursor: Option<String>,
    missing_sources: Vec<String>,
}

impl<T: Serialize> Page<'_, T> {
    /// Renders every record as `fields` asks.
    fn render(self, fields: Fields<'_>) -> Result<Response, ApiError> {
        let capacity = (self.items.len() + 1) * RECORD_BYTES;
        let items = self
            .items
            .into_iter()
            .map(|record| Rendered { record, fields });
        envelope::list(
            items.collect(),
            self.next_cursor,
            self.missing_sources,
            capacity,
        )
    }
}

/// One page of `records` and its cursor, bound to this account, resource and filters.
fn page<'a, T>(
    state: &AppState,
    cached: &CachedSnapshot,
    params: &ListParams,
    resource: &str,
    records: &'a [T],
    id_of: fn(&T) -> &str,
    keep: impl Fn(&T) -> bool,
) -> Result<Page<'a, T>, ApiError> {
    let scope = format!(
        "{}/{resource}/{}",
        params.common.account_id,
        params.users.canonical()
    );
    let cursors = &state.cursors;
    let after = params
        .cursor
        .as_deref()
        .map(|c| cursors.decode(&scope, c))
        .transpose()
        .map_err(|err| ApiError::bad_request(err.to_string()))?;
    let page = query::page(records, id_of, after.as_deref(), params.limit, keep);
    Ok(Page {
        items: page.items,
        next_cursor: page.resume_after.map(|id| cursors.encode(&scope, &id)),
        missing_sources: cached
            .snapshot
            .missing
            .iter()
            .map(|m| format!("{}: {}", m.source, m.reason))
            .collect(),
    })
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

/// A page of users. A plain list (no `include`, `truto_ignore_remote_data` or
/// `truto_exclude_fields`) copies each user's JSON rendered once per snapshot.
fn render_users(
    cached: &CachedSnapshot,
    page: Page<'_, User>,
    fields: Fields<'_>,
) -> Result<Response, ApiError> {
    if !fields.is_plain_list() {
        return page.render(fields);
    }
    let mut capacity = 64;
    let mut items = Vec::with_capacity(page.items.len());
    for user in page.items {
        let slot = position_in(&cached.snapshot.users, user)
            .and_then(|index| cached.users_as_listed.get(index))
            .ok_or_else(ApiError::internal)?;
        let json = match slot.get() {
            Some(json) => json,
            None => {
                let rendered = render::raw(&Rendered {
                    record: user,
                    fields,
                })?;
                slot.get_or_init(|| rendered)
            }
        };
        capacity += json.get().len() + 1;
        items.push(&**json);
    }
    envelope::list(items, page.next_cursor, page.missing_sources, capacity)
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
    let params = params::parse(query.as_deref(), QueryKind::OtherList)?;
    let Served {
        snapshot: cached,
        outcome,
    } = source::snapshot(
        &state,
        &caller,
        params.common.account_id,
        wants_fresh(&headers),
    )
    .await?;
    let fields = Fields::new(&params.common.view, Context::List);
    let body = page(
        &state,
        &cached,
        &params,
        resource,
        records(&cached),
        id_of,
        |_| true,
    )?
    .render(fields)?;
    Ok(with_cache_headers(body, outcome, cached.age()))
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
    caller.require(SCOPE)?;
    let params = params::parse(query.as_deref(), QueryKind::Get)?;
    let Served {
        snapshot: cached,
        outcome,
    } = source::snapshot(
        &state,
        &caller,
        params.common.account_id,
        wants_fresh(&headers),
    )
    .await?;
    let record = find(&cached, &id).ok_or_else(|| not_found(kind, &id))?;
    let body = single(&record, &params.common.view)?;
    Ok(with_cache_headers(body, outcome, cached.age()))
}

/// List users: Jamf Pro administrator accounts (and, with `type`, API clients).
///
/// Served from a snapshot fresh for `cache.ttl_secs`; `Cache-Control: no-cache` forces a
/// fresh fetch from Jamf. Past the TTL a stale snapshot answers at once while one background
/// fetch refreshes it (`Cache-Status: jamf-directory; hit; detail=stale-while-revalidate`), or
/// when Jamf fails on its side (`…; fwd=stale; fwd-status=<status>; detail=stale-if-error`);
/// `no-cache` and a Jamf 401 or 403 are never answered stale. `Cache-Status` and `Age` tell
/// what you got. Lists leave out `permissions` unless `include=permissions`.
#[utoipa::path(get, path = "/unified/user-directory/users", tag = "user-directory",
    security(("bearer" = [])), params(UserListQuery),
    responses(
        (status = 200, description = "A page of users", body = ListEnvelope<User>),
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
    let Served {
        snapshot: cached,
        outcome,
    } = source::snapshot(
        &state,
        &caller,
        params.common.account_id,
        wants_fresh(&headers),
    )
    .await?;
    let filter: &UserFilter = &params.users;
    let page = page(
        &state,
        &cached,
        &params,
        "users",
        &cached.snapshot.users,
        |u: &User| &u.id,
        |u| filter.matches(u),
    )?;
    let body = render_users(
        &cached,
        page,
        Fields::new(&params.common.view, Context::List),
    )?;
    Ok(with_cache_headers(body, outcome, cached.age()))
}

/// Get one user with full detail, including `permissions`.
///
/// Served from the same snapshot as the list, so the record is identical to the list's (with
/// `permissions` always included). On a cold cache the directory is fetched and cached once,
/// shared with any concurrent list.
#[utoipa::path(get, path = "/unified/user-directory/users/{id}", tag = "user-directory",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "User id: a Jamf account id, or `api-client-<id>`"), GetQuery),
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
