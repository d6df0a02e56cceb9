//! HTTP: router assembly and the layer stack, in one place.

mod accounts;
mod body;
pub mod caller;
mod csv;
pub mod docs;
pub mod error;
mod evidence;
mod health;
mod metrics;
mod observe;
pub mod rate_limit;
mod request_id;
mod review;
pub(crate) mod serve;
pub mod state;
mod token;
mod unified;
mod upstream;
mod webhooks;

use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::middleware;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use self::body::BodyLimits;
use self::error::ApiError;
use self::request_id::REQUEST_ID;
pub use self::state::AppState;
use crate::settings::ServerSettings;

/// Routes whose bodies may exceed `server.body_limit_bytes`, with their own cap.
const LARGE_BODY_ROUTES: &[(&str, usize)] = &[(review::LEAVERS_PATH, review::LEAVERS_BODY_LIMIT)];

/// Every documented route, with its OpenAPI description attached: the open routes, and apart
/// from them the bearer routes, so `app` can put the caller rate limit on those alone.
/// `/metrics` is among them unless `metrics_here` is false (`server.metrics_listen` is set).
fn api(metrics_here: bool) -> (OpenApiRouter<AppState>, OpenApiRouter<AppState>) {
    let mut open = OpenApiRouter::new()
        .merge(health::routes())
        .merge(token::routes())
        .merge(evidence::open_routes());
    if metrics_here {
        open = open.merge(metrics::routes());
    }
    docs::mark_public(open.get_openapi_mut());
    let open = OpenApiRouter::with_openapi(docs::ApiDoc::openapi()).merge(open);
    let callers = OpenApiRouter::new()
        .merge(accounts::routes())
        .merge(unified::routes())
        .merge(review::routes())
        .merge(evidence::routes())
        .merge(webhooks::routes());
    (open, callers)
}

/// The OpenAPI document (what `jamf-directory openapi` prints and the repo commits).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (open, callers) = api(true);
    let mut doc = open.merge(callers).split_for_parts().1;
    finish_document(&mut doc);
    doc
}

/// What the routes' own annotations cannot say: rate limits, and no unused schemas.
fn finish_document(doc: &mut utoipa::openapi::OpenApi) {
    rate_limit::document(doc);
    docs::prune_unused_schemas(doc);
}

/// The application: routes, docs and the layer stack.
pub fn app(state: AppState) -> Router {
    let (open, callers) = api(state.settings.server.metrics_listen.is_none());
    // A route layer: it runs after routing, so unknown paths stay plain 404s and the guard
    // sees the matched route template.
    let callers = callers.route_layer(middleware::from_fn_with_state(
        state.clone(),
        rate_limit::guard,
    ));
    let (router, mut doc) = open.merge(callers).split_for_parts();
    finish_document(&mut doc);
    let doc = docs::served_document(doc, &state.settings.server.public_url);
    let settings = state.settings.clone();
    let router = router
        .merge(SwaggerUi::new("/swagger-ui").url("/openapi.json", doc))
        .with_state(state);
    with_layers(router, &settings.server)
}

/// `/metrics` alone, for the listener of `server.metrics_listen`.
pub fn metrics_app(state: AppState) -> Router {
    let settings = state.settings.clone();
    let (router, _) = metrics::routes().split_for_parts();
    with_layers(router.with_state(state), &settings.server)
}

/// The layer stack around any router, listed outermost first: the request id is checked, and
/// exists, before anything logs; the observer sees the final status of everything inside it, including
/// panics, timeouts and rewritten framework errors.
fn with_layers(router: Router, server: &ServerSettings) -> Router {
    let timeout = Duration::from_secs(server.request_timeout_secs);
    let layers = ServiceBuilder::new()
        .map_request(request_id::keep_only_valid)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
        .layer(middleware::from_fn(observe::observe))
        .layer(middleware::from_fn(observe::envelope_errors))
        .layer(CatchPanicLayer::custom(observe::panic_response))
        .layer(middleware::from_fn_with_state(timeout, observe::deadline))
        .layer(middleware::from_fn_with_state(
            BodyLimits {
                default: server.body_limit_bytes,
                routes: LARGE_BODY_ROUTES,
                timeout: Duration::from_secs(server.body_timeout_secs),
            },
            body::limit,
        ));
    router
        .route_layer(middleware::from_fn(observe::route_template))
        .fallback(not_found)
        .layer(layers)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route; see /swagger-ui/ for the API")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt as _;

    async fn call(router: Router, path: &str) -> (StatusCode, serde_json::Value) {
        let response = router
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_in_the_envelope() {
        let router = Router::new().route(
            "/boom",
            get(|| async {
                if true {
                    panic!("handler bug");
                }
            }),
        );
        let (status, body) = call(with_layers(router, &ServerSettings::default()), "/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["statusCode"], 500);
        assert!(!body["message"].as_str().unwrap().contains("handler bug"));
    }

    #[tokio::test]
    async fn an_overrunning_handler_answers_504_in_the_envelope() {
        let router = Router::new().route(
            "/slow",
            get(|| async { tokio::time::sleep(Duration::from_secs(5)).await }),
        );
        let server = ServerSettings {
            request_timeout_secs: 1,
            ..ServerSettings::default()
        };
        tokio::time::pause();
        let (status, body) = call(with_layers(router, &server), "/slow").await;
        assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(body["error"], "Gateway Timeout");
    }
}
