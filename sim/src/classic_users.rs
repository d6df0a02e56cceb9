//! Classic API inventory users (`/JSSResource/users`) and their groups
//! (`/JSSResource/usergroups`): the people devices are assigned to, not console accounts.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;

use super::classic_render::{Node, respond};
use super::data::{Dataset, InventoryUser, UserGroup};
use super::errors::{Answer, Reject, Surface, classic_status};
use super::guard::authorize;
use super::privileges::required;
use super::state::SimState;

type Sim = State<Arc<SimState>>;

pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/JSSResource/users", get(users))
        .route("/JSSResource/users/id/{id}", get(user))
        .route("/JSSResource/usergroups", get(groups))
        .route("/JSSResource/usergroups/id/{id}", get(group))
}

/// Jamf's no-value placeholder on users and user groups (`None`, where account groups say
/// `NONE`).
fn none() -> Node {
    Node::id_name(-1, "None")
}

/// A list with a leading `<size>` in XML, a plain array in JSON.
fn sized(item: &'static str, items: Vec<Node>) -> Node {
    Node::List {
        item,
        items,
        xml_size: true,
    }
}

/// `/users/id/{id}`, in the key order of the real 10.42.1 record (HAR). Managed Apple ID,
/// custom photo, extension attributes and device links are not modelled: always empty.
fn user_node(data: &Dataset, u: &InventoryUser) -> Node {
    let ldap = match u.ldap_server_id.and_then(|id| data.ldap_server(id)) {
        Some(s) => Node::id_name(s.id, &s.name),
        None => none(),
    };
    let sites = u
        .site_ids
        .iter()
        .filter_map(|id| data.site(*id))
        .map(|s| Node::id_name(s.id, &s.name))
        .collect();
    let links = Node::Obj(vec![
        ("computers", Node::list("computer", Vec::new())),
        ("peripherals", Node::list("peripheral", Vec::new())),
        ("mobile_devices", Node::list("mobile_device", Vec::new())),
        ("vpp_assignments", Node::list("vpp_assignment", Vec::new())),
        ("total_vpp_code_count", Node::Int(0)),
    ]);
    // Only the count, as the recorded `{"size":0}`; how Jamf lists the groups next to it is
    // not recorded, so they are left out (inferred).
    let memberships = data.user_groups_of(u.id).count() as i64;
    Node::Obj(vec![
        ("id", Node::Int(u.id)),
        ("name", Node::str(&u.username)),
        ("full_name", Node::str(&u.full_name)),
        ("email", Node::str(&u.email)),
        ("email_address", Node::str(&u.email_address)),
        ("phone_number", Node::str(&u.phone_number)),
        ("position", Node::str(&u.position)),
        ("managed_apple_id", Node::str("")),
        ("enable_custom_photo_url", Node::Bool(false)),
        ("custom_photo_url", Node::str("")),
        ("ldap_server", ldap),
        (
            "extension_attributes",
            Node::list("extension_attribute", Vec::new()),
        ),
        ("sites", Node::list("site", sites)),
        ("links", links),
        (
            "user_groups",
            Node::Obj(vec![("size", Node::Int(memberships))]),
        ),
    ])
}

/// `/usergroups/id/{id}` (shape of the go-sdk-jamfpro-v2 mocks). Smart groups list their
/// current members; their criteria are not modelled (`[]`).
fn group_node(data: &Dataset, g: &UserGroup) -> Node {
    let site = match g.site_id.and_then(|id| data.site(id)) {
        Some(s) => Node::id_name(s.id, &s.name),
        None => none(),
    };
    let users = g
        .member_ids
        .iter()
        .filter_map(|id| data.inventory_user(*id))
        .map(|u| {
            Node::Obj(vec![
                ("id", Node::Int(u.id)),
                ("username", Node::str(&u.username)),
                ("full_name", Node::str(&u.full_name)),
                ("phone_number", Node::str(&u.phone_number)),
                ("email_address", Node::str(&u.email_address)),
            ])
        })
        .collect();
    Node::Obj(vec![
        ("id", Node::Int(g.id)),
        ("name", Node::str(&g.name)),
        ("is_smart", Node::Bool(g.is_smart)),
        ("is_notify_on_change", Node::Bool(false)),
        ("site", site),
        ("criteria", sized("criterion", Vec::new())),
        ("users", Node::list("user", users)),
    ])
}

fn forbidden() -> Reject {
    Surface::Classic.error(StatusCode::FORBIDDEN).into()
}

fn not_found() -> Reject {
    classic_status(StatusCode::NOT_FOUND).into()
}

async fn users(State(state): Sim, headers: HeaderMap) -> Answer {
    authorize(&state, &headers, Surface::Classic, Some(required::USERS))?;
    // Sorted by name case-sensitively, capitals first (real 10.42.1 list, unlike the
    // case-insensitive accounts list).
    let mut users: Vec<&InventoryUser> = state.data.inventory_users.iter().collect();
    users.sort_by(|a, b| a.username.cmp(&b.username).then(a.id.cmp(&b.id)));
    let items = users
        .into_iter()
        .map(|u| Node::id_name(u.id, &u.username))
        .collect();
    Ok(respond(&headers, "users", &sized("user", items)))
}

async fn user(State(state): Sim, Path(id): Path<String>, headers: HeaderMap) -> Answer {
    authorize(&state, &headers, Surface::Classic, Some(required::USERS))?;
    let u = id
        .parse()
        .ok()
        .and_then(|id| state.data.inventory_user(id))
        .ok_or_else(not_found)?;
    Ok(respond(&headers, "user", &user_node(&state.data, u)))
}

async fn groups(State(state): Sim, headers: HeaderMap) -> Answer {
    authorize(
        &state,
        &headers,
        Surface::Classic,
        Some(required::STATIC_USER_GROUPS),
    )?;
    let items = state
        .data
        .user_groups
        .iter()
        .map(|g| {
            Node::Obj(vec![
                ("id", Node::Int(g.id)),
                ("name", Node::str(&g.name)),
                ("is_smart", Node::Bool(g.is_smart)),
                ("is_notify_on_change", Node::Bool(false)),
            ])
        })
        .collect();
    Ok(respond(
        &headers,
        "user_groups",
        &sized("user_group", items),
    ))
}

/// A smart group needs "Read Smart User Groups", a static one "Read Static User Groups"; an
/// unknown id answers 404 to a client holding either (403 to one holding neither).
async fn group(State(state): Sim, Path(id): Path<String>, headers: HeaderMap) -> Answer {
    let principal = authorize(&state, &headers, Surface::Classic, None)?;
    let may = |privilege| state.has_privilege(&principal, privilege);
    let found = id.parse().ok().and_then(|id| state.data.user_group(id));
    let Some(g) = found else {
        return Err(
            if may(required::STATIC_USER_GROUPS) || may(required::SMART_USER_GROUPS) {
                not_found()
            } else {
                forbidden()
            },
        );
    };
    let privilege = if g.is_smart {
        required::SMART_USER_GROUPS
    } else {
        required::STATIC_USER_GROUPS
    };
    if !may(privilege) {
        return Err(forbidden());
    }
    Ok(respond(&headers, "user_group", &group_node(&state.data, g)))
}
