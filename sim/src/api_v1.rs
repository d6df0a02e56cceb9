//! Jamf Pro API (`/api`): version, health, accounts, account groups, sites, SSO, API roles
//! and integrations, inventory users. Availability follows the run-time Jamf version.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::config::{SsoConfig, full_version_string};
use super::data::CLIENT_ROLE_ID;
use super::errors::{Answer, Reject, Surface, api_error};
use super::guard::authorize;
use super::health;
use super::paging::{ListQuery, ListSpec, MAX_PAGE_SIZE, envelope, paged_envelope};
use super::privileges::{self, required};
use super::state::SimState;
use super::v1_model::{
    ACCOUNT_FIELDS, GROUP_FIELDS, NAMED_FIELDS, USER_FIELDS, V1Account, V1Group, V1Integration,
    V1Role, V1User,
};

type Sim = State<Arc<SimState>>;

pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/api/v1/jamf-pro-version", get(version))
        .route(
            "/api/v1/health-check",
            get(|| async { StatusCode::NO_CONTENT }),
        )
        .route("/api/v1/health-status", get(health::health_status))
        .route("/api/v1/accounts", get(accounts))
        .route("/api/v1/accounts/{id}", get(account))
        .route("/api/v1/account-groups", get(groups))
        .route("/api/v1/account-groups/{id}", get(group))
        .route("/api/v1/sites", get(sites))
        .route("/api/v3/sso", get(sso_v3))
        .route("/api/v2/sso", get(sso_v2))
        .route("/api/v1/api-roles", get(roles))
        .route("/api/v1/api-integrations", get(integrations))
        .route("/api/v1/api-role-privileges", get(role_privileges))
        .route("/api/v1/users", get(users))
        .route("/api/v1/users/{id}", get(user))
}

/// First version with `/api/v1/accounts` (11.23.2 snapshot) and `account-groups` (11.27.0).
const ACCOUNTS_SINCE: (u32, u32) = (11, 23);
const GROUPS_SINCE: (u32, u32) = (11, 27);
/// First version with `/api/v1/users` (inventory users): absent from the 11.23.2 and 11.25.2
/// schemas, present from 11.26.1 on.
const USERS_SINCE: (u32, u32) = (11, 26);
/// `page-size` maximum of `/v1/users` ("Maximum of 1000", schema).
const USERS_MAX_PAGE_SIZE: usize = 1000;
/// First version with `/api/v3/sso`: assumed, no source gives it (`docs/jamf-pro-api.md` §15).
const SSO_V3_SINCE: (u32, u32) = (11, 10);

/// Authenticates, hides endpoints the version lacks (404), then checks the privilege.
fn check(
    state: &SimState,
    headers: &HeaderMap,
    since: Option<(u32, u32)>,
    privilege: &str,
) -> Result<(), Reject> {
    let principal = authorize(state, headers, Surface::Pro, None)?;
    if let Some((major, minor)) = since
        && !state.version().at_least(major, minor)
    {
        return Err(Surface::Pro.error(StatusCode::NOT_FOUND).into());
    }
    if !state.has_privilege(&principal, privilege) {
        return Err(Surface::Pro.error(StatusCode::FORBIDDEN).into());
    }
    Ok(())
}

/// The list query with the tenant's `page-size` clamp applied.
fn list_query(state: &SimState, raw: Option<&str>, spec: &ListSpec) -> Result<ListQuery, Reject> {
    Ok(ListQuery::parse(raw, spec)?.clamped(state.config.quirks.page_size_clamp))
}

/// The `totalCount` a paged list reports: the true total plus the `total_count_surplus` quirk.
fn reported_total(state: &SimState, total: usize) -> usize {
    total.saturating_add(state.config.quirks.total_count_surplus)
}

/// Whether v1 groups list their members (the `v1_members_empty` quirk says not).
fn with_members(state: &SimState) -> bool {
    !state.config.quirks.v1_members_empty
}

/// 404 for an unknown id (code inferred; the account-group text is from the schema).
fn found<T>(item: Option<T>, what: &str) -> Result<T, Reject> {
    item.ok_or_else(|| api_error(StatusCode::NOT_FOUND, "INVALID_ID", what, Some("id")).into())
}

async fn version(State(state): Sim, headers: HeaderMap) -> Answer {
    authorize(&state, &headers, Surface::Pro, None)?;
    let version = full_version_string(&state.runtime().jamf_version);
    Ok(Json(json!({ "version": version })).into_response())
}

fn account_views(state: &SimState) -> Vec<V1Account<'_>> {
    let typed = state.version().at_least(11, 25);
    state
        .data
        .accounts
        .iter()
        .map(|a| V1Account::new(a, typed, &state.padding))
        .collect()
}

async fn accounts(State(state): Sim, RawQuery(raw): RawQuery, headers: HeaderMap) -> Answer {
    check(&state, &headers, Some(ACCOUNTS_SINCE), required::ACCOUNTS)?;
    let spec = ListSpec {
        fields: ACCOUNT_FIELDS,
        default_sort: "username:asc",
        max_page_size: MAX_PAGE_SIZE,
    };
    let q = list_query(&state, raw.as_deref(), &spec)?;
    let views = account_views(&state);
    let (total, page) = q.apply(&views);
    Ok(envelope(reported_total(&state, total), page))
}

async fn account(State(state): Sim, Path(id): Path<String>, headers: HeaderMap) -> Answer {
    check(&state, &headers, Some(ACCOUNTS_SINCE), required::ACCOUNTS)?;
    let a = found(
        id.parse().ok().and_then(|id| state.data.account(id)),
        "Account not found",
    )?;
    Ok(Json(V1Account::new(
        a,
        state.version().at_least(11, 25),
        &state.padding,
    ))
    .into_response())
}

async fn groups(State(state): Sim, RawQuery(raw): RawQuery, headers: HeaderMap) -> Answer {
    check(
        &state,
        &headers,
        Some(GROUPS_SINCE),
        required::ACCOUNT_GROUPS,
    )?;
    let spec = ListSpec {
        fields: GROUP_FIELDS,
        default_sort: "name:asc",
        max_page_size: MAX_PAGE_SIZE,
    };
    let q = list_query(&state, raw.as_deref(), &spec)?;
    let views: Vec<_> = state
        .data
        .groups
        .iter()
        .map(|g| V1Group::new(&state.data, g, with_members(&state)))
        .collect();
    let (total, page) = q.apply(&views);
    Ok(envelope(reported_total(&state, total), page))
}

async fn group(State(state): Sim, Path(id): Path<String>, headers: HeaderMap) -> Answer {
    check(
        &state,
        &headers,
        Some(GROUPS_SINCE),
        required::ACCOUNT_GROUPS,
    )?;
    let found_group = id.parse().ok().and_then(|id| state.data.group(id));
    let g = found(found_group, "account group does not exist")?;
    Ok(Json(V1Group::new(&state.data, g, with_members(&state))).into_response())
}

/// A bare array, not paged; `divisionId` (nullable) from 11.27.
async fn sites(State(state): Sim, headers: HeaderMap) -> Answer {
    check(&state, &headers, None, required::SITES)?;
    let divisions = state.version().at_least(11, 27);
    let sites: Vec<_> = state
        .data
        .sites
        .iter()
        .map(|s| {
            let mut v = json!({ "id": s.id.to_string(), "name": s.name });
            if divisions {
                v["divisionId"] = serde_json::Value::Null;
            }
            v
        })
        .collect();
    Ok(Json(sites).into_response())
}

/// `SsoSettingsV3` (11.10+).
async fn sso_v3(State(state): Sim, headers: HeaderMap) -> Answer {
    check(&state, &headers, Some(SSO_V3_SINCE), required::SSO)?;
    Ok(Json(sso_v3_body(&state.runtime().sso)).into_response())
}

/// The flat, SAML-only `SsoSettingsV2` of older versions: the v3 body with `samlSettings`
/// lifted to the top level and no `configurationType` or `oidcSettings`. Same posture.
async fn sso_v2(State(state): Sim, headers: HeaderMap) -> Answer {
    check(&state, &headers, None, required::SSO)?;
    let mut body = sso_v3_body(&state.runtime().sso);
    if let Some(fields) = body.as_object_mut() {
        fields.remove("configurationType");
        fields.remove("oidcSettings");
        if let Some(Value::Object(saml)) = fields.remove("samlSettings") {
            fields.extend(saml);
        }
    }
    Ok(Json(body).into_response())
}

/// Built from the schema's example with the configured posture.
fn sso_v3_body(sso: &SsoConfig) -> Value {
    json!({
        "configurationType": sso.configuration_type,
        "oidcSettings": { "userMapping": "USERNAME", "jamfIdAuthenticationEnabled": true,
                          "usernameAttributeClaimMapping": "EMAIL" },
        "samlSettings": {
            "tokenExpirationDisabled": false, "userAttributeEnabled": false,
            "userAttributeName": " ", "userMapping": "USERNAME",
            "groupAttributeName": "http://schemas.xmlsoap.org/claims/Group", "groupRdnKey": " ",
            "idpProviderType": "OKTA", "idpUrl": "https://example.okta.com/app/id/sso/saml/metadata",
            "entityId": "saml/metadata", "otherProviderTypeName": " ",
            "metadataSource": "URL", "sessionTimeout": 480
        },
        "ssoForEnrollmentEnabled": false,
        "ssoBypassAllowed": sso.sso_bypass_allowed,
        "ssoEnabled": sso.sso_enabled,
        "ssoForMacOsSelfServiceEnabled": false,
        "enrollmentSsoForAccountDrivenEnrollmentEnabled": false,
        "enrollmentSsoConfig": { "hosts": [], "managementHint": "" },
        "groupEnrollmentAccessEnabled": false,
        "groupEnrollmentAccessName": " "
    })
}

/// The query of the lists filtered by id and name (API roles and integrations).
fn named_query(state: &SimState, raw: Option<&str>) -> Result<ListQuery, Reject> {
    let spec = ListSpec {
        fields: NAMED_FIELDS,
        default_sort: "id:asc",
        max_page_size: MAX_PAGE_SIZE,
    };
    list_query(state, raw, &spec)
}

async fn roles(State(state): Sim, RawQuery(raw): RawQuery, headers: HeaderMap) -> Answer {
    check(&state, &headers, None, required::API_ROLES)?;
    let q = named_query(&state, raw.as_deref())?;
    let client_privileges = state.runtime().client_privileges;
    let views: Vec<_> = state
        .data
        .api_roles
        .iter()
        .map(|r| {
            let live = if r.id == CLIENT_ROLE_ID {
                &client_privileges
            } else {
                &r.privileges
            };
            V1Role::new(r, live)
        })
        .collect();
    let (total, page) = q.apply(&views);
    Ok(envelope(reported_total(&state, total), page))
}

async fn integrations(State(state): Sim, RawQuery(raw): RawQuery, headers: HeaderMap) -> Answer {
    check(&state, &headers, None, required::API_INTEGRATIONS)?;
    let q = named_query(&state, raw.as_deref())?;
    let client_enabled = state.runtime().client_enabled;
    let views: Vec<_> = state
        .data
        .api_integrations
        .iter()
        .map(|i| {
            V1Integration::new(
                i,
                if i.id == CLIENT_ROLE_ID {
                    client_enabled
                } else {
                    i.enabled
                },
            )
        })
        .collect();
    let (total, page) = q.apply(&views);
    Ok(envelope(reported_total(&state, total), page))
}

async fn role_privileges(State(state): Sim, headers: HeaderMap) -> Answer {
    check(&state, &headers, None, required::API_ROLES)?;
    Ok(Json(json!({ "privileges": privileges::all_privilege_names() })).into_response())
}

/// `PagedUserResults`: its own envelope, `page-size` up to 1000, default sort `id:asc`; the
/// `page_size_clamp` and `total_count_surplus` quirks apply as to the other lists.
async fn users(State(state): Sim, RawQuery(raw): RawQuery, headers: HeaderMap) -> Answer {
    check(&state, &headers, Some(USERS_SINCE), required::USERS)?;
    let spec = ListSpec {
        fields: USER_FIELDS,
        default_sort: "id:asc",
        max_page_size: USERS_MAX_PAGE_SIZE,
    };
    let q = list_query(&state, raw.as_deref(), &spec)?;
    let views: Vec<_> = state.data.inventory_users.iter().map(V1User::new).collect();
    let (total, page) = q.apply(&views);
    Ok(paged_envelope(
        q.page(),
        q.page_size(),
        reported_total(&state, total),
        page,
    ))
}

async fn user(State(state): Sim, Path(id): Path<String>, headers: HeaderMap) -> Answer {
    check(&state, &headers, Some(USERS_SINCE), required::USERS)?;
    let u = found(
        id.parse().ok().and_then(|id| state.data.inventory_user(id)),
        "User with specified ID not found",
    )?;
    Ok(Json(V1User::new(u)).into_response())
}
