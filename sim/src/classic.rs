//! Classic API (`/JSSResource`): accounts, account groups and sites, with the recorded
//! quirks (see `sim` module docs); inventory users and user groups are in `classic_users`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;

use super::classic_render::{Node, respond};
use super::data::{AccessLevel, Account, Dataset, Group};
use super::errors::{Answer, Reject, Surface, classic_status};
use super::guard::authorize;
use super::privileges::{Privileges, required};
use super::state::SimState;

type Sim = State<Arc<SimState>>;

pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/JSSResource/accounts", get(list))
        .route("/JSSResource/accounts/userid/{id}", get(account_by_id))
        .route(
            "/JSSResource/accounts/username/{name}",
            get(account_by_name),
        )
        .route("/JSSResource/accounts/groupid/{id}", get(group_by_id))
        .route("/JSSResource/accounts/groupname/{name}", get(group_by_name))
        .route("/JSSResource/sites", get(sites))
        .merge(super::classic_users::routes())
}

/// Privilege categories; empty ones are omitted unless the record renders them as `[]`.
fn privileges(p: &Privileges, render_empty: bool) -> Node {
    Node::Obj(
        p.categories()
            .into_iter()
            .filter(|(_, list)| render_empty || !list.is_empty())
            .map(|(key, list)| {
                let items = list.iter().map(|s| Node::str(s)).collect();
                (key, Node::list("privilege", items))
            })
            .collect(),
    )
}

/// A group's site; Jamf writes the no-site placeholder as `NONE` on groups.
fn group_site(data: &Dataset, g: &Group) -> Node {
    match g.site_id.and_then(|id| data.site(id)) {
        Some(s) => Node::id_name(s.id, &s.name),
        None => Node::id_name(-1, "NONE"),
    }
}

fn account_node(data: &Dataset, a: &Account) -> Node {
    let mut f = vec![
        ("id", Node::Int(a.id)),
        ("name", Node::str(&a.username)),
        ("directory_user", Node::Bool(a.ldap_server_id.is_some())),
        ("full_name", Node::str(&a.full_name)),
        ("email", Node::str(&a.email)),
        ("email_address", Node::str(&a.email_address)),
        (
            "enabled",
            Node::str(if a.enabled { "Enabled" } else { "Disabled" }),
        ),
    ];
    // Local accounts carry no `ldap_server` key at all (real Full Access record).
    if let Some(server) = a.ldap_server_id.and_then(|id| data.ldap_server(id)) {
        f.push(("ldap_server", Node::id_name(server.id, &server.name)));
    }
    f.push(("force_password_change", Node::Bool(a.force_password_change)));
    f.push(("access_level", Node::str(a.access_level.classic())));
    f.push(("privilege_set", Node::str(a.privilege_set.classic())));
    if let Some(site) = a.site_id.and_then(|id| data.site(id)) {
        f.push(("site", Node::id_name(site.id, &site.name)));
    }
    if a.access_level == AccessLevel::Group {
        // Group Access: privileges come only through `groups` (no inline block); each entry
        // is `{id, name, privileges}` as in the go-api-sdk-jamfpro model (no recording).
        let groups = a
            .group_ids
            .iter()
            .filter_map(|id| data.group(*id))
            .map(|g| {
                Node::Obj(vec![
                    ("id", Node::Int(g.id)),
                    ("name", Node::str(&g.name)),
                    ("privileges", privileges(&g.privileges, false)),
                ])
            })
            .collect();
        f.push(("groups", Node::list("group", groups)));
    } else {
        f.push((
            "privileges",
            privileges(&a.privileges, a.render_empty_categories),
        ));
    }
    Node::Obj(f)
}

fn group_node(data: &Dataset, g: &Group) -> Node {
    let mut f = vec![
        ("id", Node::Int(g.id)),
        ("name", Node::str(&g.name)),
        ("access_level", Node::str(g.access_level.classic())),
        ("privilege_set", Node::str(g.privilege_set.classic())),
        ("site", group_site(data, g)),
    ];
    if let Some(server) = g.ldap_server_id.and_then(|id| data.ldap_server(id)) {
        f.push(("ldap_server", Node::id_name(server.id, &server.name)));
    }
    f.push(("privileges", privileges(&g.privileges, false)));
    let members = if g.classic_members_empty {
        Vec::new()
    } else {
        data.group_members(g.id)
            .map(|a| Node::id_name(a.id, &a.username))
            .collect()
    };
    f.push(("members", Node::list("user", members)));
    Node::Obj(f)
}

fn guard(state: &SimState, headers: &HeaderMap, privilege: &str) -> Result<(), Reject> {
    authorize(state, headers, Surface::Classic, Some(privilege)).map(|_| ())
}

fn found<T>(item: Option<T>) -> Result<T, Reject> {
    item.ok_or_else(|| classic_status(StatusCode::NOT_FOUND).into())
}

async fn list(State(state): Sim, headers: HeaderMap) -> Answer {
    guard(&state, &headers, required::ACCOUNTS)?;
    let data = &state.data;
    // Users come sorted by name, case-insensitively (real list); groups in id order.
    let mut users: Vec<&Account> = data.accounts.iter().collect();
    users.sort_by_cached_key(|a| (a.username.to_lowercase(), a.id));
    let users = users
        .into_iter()
        .map(|a| Node::id_name(a.id, &a.username))
        .collect();
    let groups = data
        .groups
        .iter()
        .map(|g| {
            Node::Obj(vec![
                ("id", Node::Int(g.id)),
                ("name", Node::str(&g.name)),
                ("site", group_site(data, g)),
            ])
        })
        .collect();
    let node = Node::Obj(vec![
        ("users", Node::list("user", users)),
        ("groups", Node::list("group", groups)),
    ]);
    Ok(respond(&headers, "accounts", &node))
}

async fn account_by_id(State(state): Sim, Path(id): Path<String>, headers: HeaderMap) -> Answer {
    guard(&state, &headers, required::ACCOUNTS)?;
    let a = found(id.parse().ok().and_then(|id| state.data.account(id)))?;
    Ok(respond(&headers, "account", &account_node(&state.data, a)))
}

async fn account_by_name(
    State(state): Sim,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Answer {
    guard(&state, &headers, required::ACCOUNTS)?;
    let a = found(state.data.account_by_name(&name))?;
    Ok(respond(&headers, "account", &account_node(&state.data, a)))
}

async fn group_by_id(State(state): Sim, Path(id): Path<String>, headers: HeaderMap) -> Answer {
    guard(&state, &headers, required::ACCOUNTS)?;
    let g = found(id.parse().ok().and_then(|id| state.data.group(id)))?;
    Ok(respond(&headers, "group", &group_node(&state.data, g)))
}

async fn group_by_name(State(state): Sim, Path(name): Path<String>, headers: HeaderMap) -> Answer {
    guard(&state, &headers, required::ACCOUNTS)?;
    let g = found(state.data.group_by_name(&name))?;
    Ok(respond(&headers, "group", &group_node(&state.data, g)))
}

async fn sites(State(state): Sim, headers: HeaderMap) -> Answer {
    guard(&state, &headers, required::SITES)?;
    let items = state
        .data
        .sites
        .iter()
        .map(|s| Node::id_name(s.id, &s.name))
        .collect();
    let node = Node::List {
        item: "site",
        items,
        xml_size: true,
    };
    Ok(respond(&headers, "sites", &node))
}
