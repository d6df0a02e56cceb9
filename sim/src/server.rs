//! The router and the running server.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::config::SimConfig;
use super::control::{self, SimControl};
use super::errors::Surface;
use super::listener::SimListener;
use super::state::SimState;
use super::{api_v1, auth, classic, layers};

/// All Jamf routes plus the control routes, for a given state.
pub fn router(state: Arc<SimState>) -> Router {
    let jamf = Router::new()
        .route("/api/v1/oauth/token", post(auth::oauth_token))
        .route("/api/oauth/token", post(auth::oauth_token))
        .route("/api/v1/auth/token", post(auth::basic_token))
        .route("/api/v1/auth/keep-alive", post(auth::keep_alive))
        .route("/api/v1/auth/invalidate-token", post(auth::invalidate))
        .route("/api/v1/auth", get(auth::current))
        .merge(api_v1::routes())
        .merge(classic::routes())
        .route_layer(from_fn_with_state(state.clone(), layers::route_faults))
        .fallback(not_found)
        .with_state(state.clone());
    Router::new()
        .merge(control::routes(SimControl(state.clone())))
        .merge(jamf)
        .layer(from_fn_with_state(state, layers::track))
}

/// Unknown paths answer 404 in the style of the surface they fall under.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    Surface::of(uri.path()).error(StatusCode::NOT_FOUND)
}

/// A simulator serving on a local port until dropped.
pub struct SimServer {
    base_url: String,
    control: SimControl,
    task: JoinHandle<()>,
}

impl SimServer {
    /// Binds `127.0.0.1:0`, starts serving, and returns once the socket is listening.
    pub async fn start(config: SimConfig) -> std::io::Result<SimServer> {
        Self::start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// As [`SimServer::start`] on a chosen address (port 0 picks a free one).
    pub async fn start_on(config: SimConfig, addr: SocketAddr) -> std::io::Result<SimServer> {
        let tcp = TcpListener::bind(addr).await?;
        let local = tcp.local_addr()?;
        let state = Arc::new(SimState::new(config));
        let listener = SimListener::new(tcp, state.refusing.clone());
        let app = router(state.clone());
        let task = tokio::spawn(async move {
            // Serving only ends when the task is aborted; an error here has no one to tell.
            let _ = axum::serve(listener, app).await;
        });
        Ok(SimServer {
            base_url: format!("http://{local}"),
            control: SimControl(state),
            task,
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn control(&self) -> &SimControl {
        &self.control
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        // Aborting stops accepting; refusing also closes connections axum already spawned,
        // so a dropped simulator stops answering on pooled keep-alive connections too.
        self.control
            .0
            .refusing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.task.abort();
    }
}
