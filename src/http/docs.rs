//! The OpenAPI document and the offline (vendored) Swagger UI.

use utoipa::openapi::path::Operation;
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
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    // Relative: the host that served the document. The served copy names `server.public_url`.
    servers((url = "/", description = "This deployment")),
    modifiers(&BearerSecurity),
    components(schemas(ErrorBody, OAuthErrorBody)),
    tags(
        (name = "auth", description = "Caller tokens (OAuth 2.0 client credentials)"),
        (name = "integrated-accounts", description = "Connected Jamf Pro instances"),
        (name = "user-directory", description = "Normalized Jamf Pro administrators, groups, roles and sites"),
        (name = "access-review", description = "Findings, leavers, CSV evidence and the report page, from the same snapshot"),
        (name = "evidence", description = "Signed point-in-time snapshots: kept, compared (joiners, leavers, escalations) and verifiable offline"),
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

/// Every operation of `doc`, with its path.
pub fn operations_mut(doc: &mut OpenApiDoc) -> impl Iterator<Item = (&str, &mut Operation)> {
    doc.paths.paths.iter_mut().flat_map(|(path, item)| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        .map(move |operation| (path.as_str(), operation))
    })
}

/// Gives every operation of `doc` an explicit empty `security`: they need no token.
pub fn mark_public(doc: &mut OpenApiDoc) {
    for (_, operation) in operations_mut(doc) {
        operation.security = Some(Vec::new());
    }
}

/// Drops component schemas nothing refers to: utoipa registers the type argument of a generic
/// body (`ListEnvelope<Finding>`) although it inlines it there.
pub fn prune_unused_schemas(doc: &mut OpenApiDoc) {
    loop {
        let text = serde_json::to_string(&*doc).expect("an OpenAPI document serializes");
        let Some(components) = doc.components.as_mut() else {
            return;
        };
        let unused: Vec<String> = components
            .schemas
            .keys()
            .filter(|name| !text.contains(&format!("\"#/components/schemas/{name}\"")))
            .cloned()
            .collect();
        if unused.is_empty() {
            return;
        }
        for name in unused {
            components.schemas.remove(&name);
        }
    }
}
