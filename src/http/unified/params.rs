//! Query parameters of the unified endpoints, parsed from the raw query string: Truto's
//! clients send arrays as `truto_exclude_fields[]=a&truto_exclude_fields[]=b`, which serde's
//! urlencoded deserializer cannot take. Every bad value is a 400 naming its parameter.

use uuid::Uuid;

use crate::directory::query::{MfaFilter, TypeFilter, UserFilter};
use crate::http::error::ApiError;

pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

/// What the caller wants rendered of each record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    pub include_permissions: bool,
    pub ignore_remote_data: bool,
    pub exclude_fields: Vec<String>,
}

/// The parameters every unified endpoint takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommonParams {
    pub account_id: Uuid,
    pub view: View,
}

/// The parameters of a list endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    pub common: CommonParams,
    pub limit: usize,
    pub cursor: Option<String>,
    /// Users only; the default filter elsewhere.
    pub users: UserFilter,
}

/// Which kind of unified endpoint the parameters are for: each accepts its own set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    UserList,
    OtherList,
    Get,
}

const COMMON: [&str; 4] = [
    "integrated_account_id",
    "truto_ignore_remote_data",
    "truto_exclude_fields",
    "include",
];
const LIST: [&str; 2] = ["limit", "next_cursor"];
const USER_FILTERS: [&str; 8] = [
    "status",
    "email",
    "username",
    "role_id",
    "group_id",
    "workspace_id",
    "type",
    "is_2fa_enabled",
];

fn accepted(endpoint: QueryKind, name: &str) -> bool {
    COMMON.contains(&name)
        || (endpoint != QueryKind::Get && LIST.contains(&name))
        || (endpoint == QueryKind::UserList && USER_FILTERS.contains(&name))
}

/// A 400 naming the query parameter `name`.
pub fn invalid(name: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("query parameter `{name}`: {message}"))
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(invalid(name, "must be `true` or `false`")),
    }
}

fn non_empty(name: &str, value: String) -> Result<String, ApiError> {
    if value.trim().is_empty() {
        Err(invalid(name, "must not be empty"))
    } else {
        Ok(value.trim().to_string())
    }
}

/// Parses `query` for `endpoint`. Unknown parameters are refused (a typo must not silently
/// widen an access review), except other `truto_*` parameters, which Truto clients may send.
pub fn parse(query: Option<&str>, endpoint: QueryKind) -> Result<ListParams, ApiError> {
    parse_with(query, endpoint, &[], |_, _| Ok(()))
}

/// [`parse`] for a list with filters of its own (the access-review findings): `filters` names
/// them, and `set` takes each one's value, once, refusing bad ones.
pub fn parse_with(
    query: Option<&str>,
    endpoint: QueryKind,
    filters: &[&str],
    mut set: impl FnMut(&str, String) -> Result<(), ApiError>,
) -> Result<ListParams, ApiError> {
    let mut account_id = None;
    let mut view = View::default();
    let mut limit = DEFAULT_LIMIT;
    let mut cursor = None;
    let mut users = UserFilter::default();
    let mut seen: Vec<String> = Vec::new();

    for (raw_name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let name = raw_name.strip_suffix("[]").unwrap_or(&raw_name).to_string();
        let value = value.into_owned();
        let own_filter = filters.contains(&name.as_str());
        if !own_filter && !accepted(endpoint, &name) {
            if name.starts_with("truto_") {
                continue;
            }
            return Err(invalid(&name, "unknown parameter for this endpoint"));
        }
        if name != "truto_exclude_fields" {
            if seen.contains(&name) {
                return Err(invalid(&name, "given more than once"));
            }
            seen.push(name.clone());
        }
        if own_filter {
            set(&name, value)?;
            continue;
        }
        match name.as_str() {
            "integrated_account_id" => {
                account_id =
                    Some(Uuid::parse_str(value.trim()).map_err(|_| {
                        invalid(&name, "must be an integrated account id (a UUID)")
                    })?);
            }
            "truto_ignore_remote_data" => view.ignore_remote_data = parse_bool(&name, &value)?,
            "truto_exclude_fields" => view.exclude_fields.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(String::from),
            ),
            "include" => {
                for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                    match item {
                        "permissions" => view.include_permissions = true,
                        other => {
                            return Err(invalid(
                                &name,
                                format!("unknown value `{other}` (known: permissions)"),
                            ));
                        }
                    }
                }
            }
            "limit" => {
                limit = value
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| {
                        invalid(&name, format!("must be an integer from 1 to {MAX_LIMIT}"))
                    })?;
            }
            "next_cursor" => cursor = Some(non_empty(&name, value)?),
            "status" => {
                users.status = Some(match value.as_str() {
                    "active" | "inactive" => value,
                    _ => return Err(invalid(&name, "must be `active` or `inactive`")),
                });
            }
            "email" => users.email = Some(non_empty(&name, value)?),
            "username" => users.username = Some(non_empty(&name, value)?),
            "role_id" => users.role_id = Some(non_empty(&name, value)?),
            "group_id" => users.group_id = Some(non_empty(&name, value)?),
            "workspace_id" => users.workspace_id = Some(non_empty(&name, value)?),
            "type" => {
                users.user_type = match value.as_str() {
                    "admin" => TypeFilter::Admin,
                    "service-account" => TypeFilter::ServiceAccount,
                    "all" => TypeFilter::All,
                    "end-user" => TypeFilter::EndUser,
                    _ => {
                        return Err(invalid(
                            &name,
                            "must be `admin`, `service-account`, `all` or `end-user`",
                        ));
                    }
                };
            }
            "is_2fa_enabled" => {
                users.is_2fa_enabled = Some(match value.as_str() {
                    "true" => MfaFilter::Enabled,
                    "false" => MfaFilter::Disabled,
                    "null" => MfaFilter::Unknown,
                    _ => return Err(invalid(&name, "must be `true`, `false` or `null`")),
                });
            }
            _ => unreachable!("accepted() lists every parameter handled here"),
        }
    }
    let account_id =
        account_id.ok_or_else(|| ApiError::missing_query_parameters(&["integrated_account_id"]))?;
    Ok(ListParams {
        common: CommonParams { account_id, view },
        limit,
        cursor,
        users,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "6f1d2c3b-1111-4222-8333-944455556666";

    #[test]
    fn parses_every_parameter() {
        let q = format!(
            "integrated_account_id={ID}&limit=5&next_cursor=abc&status=active&email=A%40b.com&username=jdoe\
&role_id=administrator&group_id=3&workspace_id=1&type=all&is_2fa_enabled=null&include=permissions\
&truto_ignore_remote_data=true&truto_exclude_fields[]=emails&truto_exclude_fields[]=roles&truto_response_format=unified"
        );
        let p = parse(Some(&q), QueryKind::UserList).unwrap();
        assert_eq!(p.limit, 5);
        assert_eq!(p.cursor.as_deref(), Some("abc"));
        assert_eq!(p.users.email.as_deref(), Some("A@b.com"));
        assert_eq!(p.users.user_type, TypeFilter::All);
        assert_eq!(p.users.is_2fa_enabled, Some(MfaFilter::Unknown));
        assert!(p.common.view.include_permissions && p.common.view.ignore_remote_data);
        assert_eq!(p.common.view.exclude_fields, ["emails", "roles"]);
    }

    #[test]
    fn bad_values_name_their_parameter() {
        let cases = [
            ("", "integrated_account_id"),
            ("integrated_account_id=nope", "integrated_account_id"),
            ("limit=0", "limit"),
            ("limit=1001", "limit"),
            ("limit=ten", "limit"),
            ("status=enabled", "status"),
            ("type=robot", "type"),
            ("is_2fa_enabled=yes", "is_2fa_enabled"),
            ("include=secrets", "include"),
            ("truto_ignore_remote_data=1", "truto_ignore_remote_data"),
            ("email=", "email"),
            ("colour=red", "colour"),
            ("limit=1&limit=2", "limit"),
        ];
        for (extra, name) in cases {
            let q = if extra.is_empty() || extra.starts_with("integrated_account_id") {
                extra.to_string()
            } else {
                format!("integrated_account_id={ID}&{extra}")
            };
            let err = parse(Some(&q), QueryKind::UserList).unwrap_err();
            assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST, "{q}");
            assert!(err.message().contains(name), "{q}: {}", err.message());
        }
    }

    #[test]
    fn endpoints_accept_only_their_parameters() {
        let q = format!("integrated_account_id={ID}&status=active");
        assert!(parse(Some(&q), QueryKind::OtherList).is_err());
        let q = format!("integrated_account_id={ID}&limit=3");
        assert!(parse(Some(&q), QueryKind::Get).is_err());
        assert!(parse(Some(&q), QueryKind::OtherList).is_ok());
    }
}
