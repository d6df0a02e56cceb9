//! The OpenAPI document and the offline (vendored) Swagger UI.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi as OpenApiDoc, Server};
use utoipa::{Modify, OpenApi};

use super::error::{ErrorBody, OAuthErrorBody};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jamf-directory",
        description = "A unified user-directory API over Jamf Pro administrator accounts, in Truto's \
unified wire format. Obtain a bearer token at `POST /auth/token` (OAuth 2.0 client credentials), \
connect a Jamf Pro instance at `POST /integrated-account`, then read normalized users, groups, \
roles and workspaces under `/unified/user-directory/*?integrated_account_id=…`, and the access \
review (findings, leavers, CSV evidence, the report page) under `/access-review/*`.\n\n\
Errors (except on `/auth/token`, which speaks RFC 6749) use the envelope \
`{statusCode, error, message}`; when Jamf caused the error, `truto_is_remote_error: true` and \
`raw_response` are added.",
        license(name = "Apache-2.0"),
    ),
    modifiers(&BearerSecurity),
    components(schemas(ErrorBody, OAuthErrorBody)),
    tags(
        (name = "auth", description = "Caller tokens (OAuth 2.0 client credentials)"),
        (name = "integrated-accounts", description = "Connected Jamf Pro instances"),
        (name = "user-directory", description = "Normalized Jamf Pro administrators, groups, roles and sites"),
        (name = "access-review", description = "Findings, leavers, CSV evidence and the report page, from the same snapshot"),
        (name = "webhooks", description = "Signed change notifications, delivered at least once"),
        (name = "operations", description = "Health probes and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                utoipa::openapi::security::HttpBuilder::from(Http::new(HttpAuthScheme::Bearer))
                    .bearer_format("JWT")
                    .description(Some("A token from `POST /auth/token`."))
                    .build(),
            ),
        );
    }
}

/// The document as served: the committed document plus this deployment's public URL.
pub fn served_document(mut doc: OpenApiDoc, public_url: &str) -> OpenApiDoc {
    doc.servers = Some(vec![Server::new(public_url.trim_end_matches('/'))]);
    doc
}
