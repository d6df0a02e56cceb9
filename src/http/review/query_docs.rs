//! The access review's query parameters as OpenAPI documents them (parsing is in
//! `unified::params`).
#![allow(dead_code)] // read by the OpenAPI derive only

use utoipa::IntoParams;

/// Parameters of `GET /access-review/findings`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingListQuery {
    /// The integrated account (connected Jamf Pro instance) to review.
    #[param(required = true, example = "6f1d2c3b-1111-4222-8333-944455556666")]
    integrated_account_id: uuid::Uuid,
    /// Only findings of this kind.
    #[param(
        pattern = "^(mfa_not_enforced|mfa_unknown|failover_login_possible|unattributable_account|privileged_api_client|password_not_rotated)$"
    )]
    kind: Option<String>,
    /// Only findings of this severity.
    #[param(pattern = "^(high|medium|low)$")]
    severity: Option<String>,
    /// Page size, 1 to 1000 (ignored with `Accept: text/csv`).
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page (ignored with `Accept: text/csv`).
    next_cursor: Option<String>,
}

/// Parameters of `GET /access-review/report`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The integrated account (connected Jamf Pro instance) to review.
    #[param(required = true, example = "6f1d2c3b-1111-4222-8333-944455556666")]
    integrated_account_id: uuid::Uuid,
}
