//! The query parameters as OpenAPI documents them. Parsing is in `params` (raw query string,
//! for Truto's `name[]=` arrays); these types only describe it to Swagger UI and clients.
#![allow(dead_code)] // read by the OpenAPI derive only

use utoipa::IntoParams;

/// Parameters of `GET /unified/user-directory/users`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// The integrated account (connected Jamf Pro instance) to read.
    #[param(required = true, example = "6f1d2c3b-1111-4222-8333-944455556666")]
    integrated_account_id: uuid::Uuid,
    /// Page size, 1 to 1000.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page (opaque; bound to the same account and filters).
    next_cursor: Option<String>,
    /// `active` or `inactive` (Jamf `Disabled`, which includes locked-out accounts).
    #[param(pattern = "^(active|inactive)$")]
    status: Option<String>,
    /// Any of the user's emails, case-insensitive.
    email: Option<String>,
    /// Login name, case-insensitive.
    username: Option<String>,
    /// A role id: `administrator`, `auditor`, `enrollment_only`, `custom`, or `api-role-<id>`.
    role_id: Option<String>,
    /// A Jamf account group id.
    group_id: Option<String>,
    /// A Jamf site id.
    workspace_id: Option<String>,
    /// `admin` (default): console accounts; `service-account`: API clients; `all`: both;
    /// `end-user`: inventory users (the people devices are assigned to, with no console
    /// access), fetched from Jamf only when asked for (API role privileges "Read User",
    /// "Read Static User Groups", "Read Smart User Groups").
    #[param(rename = "type", pattern = "^(admin|service-account|all|end-user)$")]
    user_type: Option<String>,
    /// `true`, `false`, or `null` (MFA unknown: the SSO settings could not be read).
    #[param(pattern = "^(true|false|null)$")]
    is_2fa_enabled: Option<String>,
    /// `permissions` adds each user's effective permissions to list results.
    #[param(pattern = "^permissions$")]
    include: Option<String>,
    /// `true` leaves out `remote_data` (the raw Jamf records).
    truto_ignore_remote_data: Option<bool>,
    /// Top-level fields to leave out, repeated: `truto_exclude_fields[]=emails&truto_exclude_fields[]=roles`.
    /// A field left out is absent even where the record's schema marks it required.
    #[param(rename = "truto_exclude_fields[]")]
    truto_exclude_fields: Option<Vec<String>>,
}

/// Parameters of the groups, roles and workspaces lists.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The integrated account (connected Jamf Pro instance) to read.
    #[param(required = true, example = "6f1d2c3b-1111-4222-8333-944455556666")]
    integrated_account_id: uuid::Uuid,
    /// Page size, 1 to 1000.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    next_cursor: Option<String>,
    /// `true` leaves out `remote_data`.
    truto_ignore_remote_data: Option<bool>,
    /// Top-level fields to leave out, repeated. A field left out is absent even where the
    /// record's schema marks it required.
    #[param(rename = "truto_exclude_fields[]")]
    truto_exclude_fields: Option<Vec<String>>,
}

/// Parameters of a single get.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetQuery {
    /// The integrated account (connected Jamf Pro instance) to read.
    #[param(required = true, example = "6f1d2c3b-1111-4222-8333-944455556666")]
    integrated_account_id: uuid::Uuid,
    /// `true` leaves out `remote_data`.
    truto_ignore_remote_data: Option<bool>,
    /// Top-level fields to leave out, repeated. A field left out is absent even where the
    /// record's schema marks it required.
    #[param(rename = "truto_exclude_fields[]")]
    truto_exclude_fields: Option<Vec<String>>,
}
