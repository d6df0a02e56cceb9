//! jamf-directory: a unified user-directory API over Jamf Pro administrator accounts.
//!
//! Data flows one way: `http` → (`auth`, `evidence` → `directory` → `accounts`) → `jamf`; `settings` is
//! read by all. `docs/ARCHITECTURE.md` draws the graph and traces one request through it.

pub mod accounts;
pub mod auth;
#[cfg(feature = "demo")]
pub mod demo;
pub mod directory;
pub mod evidence;
pub mod http;
pub mod jamf;
pub mod outbox;
pub mod review;
pub mod settings;
pub mod shared_tier;
pub mod telemetry;
pub mod webhooks;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt as _;
use secrecy::ExposeSecret as _;
use tokio::net::TcpListener;

use crate::http::AppState;
use crate::settings::Settings;

/// Serves the API on `listener` until `shutdown` resolves, then drains in-flight requests.
/// `serve`, `demo` and the tests all start the service through this one seam.
pub async fn launch(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    settings.validate()?;
    // Before anything records a metric: values set earlier would be lost.
    let metrics = telemetry::metrics_handle();
    let metrics_listener = match settings.server.metrics_listen {
        Some(address) => Some(TcpListener::bind(address).await.map_err(|e| {
            anyhow::anyhow!("cannot listen on {address} (server.metrics_listen): {e}")
        })?),
        None => None,
    };
    let authority = Arc::new(auth::Authority::from_settings(&settings)?);
    let shared_tier = shared_tier::SharedTier::connect(&settings.redis).await?;
    // Dropped on every way out of this function, which stops the prober.
    let _prober = shared_tier
        .as_ref()
        .map(shared_tier::SharedTier::spawn_prober);
    let accounts = Arc::new(
        accounts::account_service(&settings, shared_tier.as_ref().map(|t| t.budget())).await?,
    );
    let policy = directory::cache::CachePolicy {
        ttl: Duration::from_secs(settings.cache.ttl_secs),
        stale_while_revalidate: Duration::from_secs(settings.cache.stale_while_revalidate_secs),
        stale_if_error: Duration::from_secs(settings.cache.stale_if_error_secs),
        max_accounts: settings.cache.max_accounts,
        max_bytes: settings.cache.max_bytes,
        fetch_wait: Duration::from_secs(settings.server.fetch_wait_secs),
    };
    let mut cache = directory::cache::SnapshotCache::new(policy);
    let deadline = Duration::from_secs(settings.upstream.deadline_secs);
    let unfinished: Arc<dyn directory::resume::UnfinishedReads> = match &shared_tier {
        Some(tier) => {
            let max_bytes = usize::try_from(policy.max_bytes).unwrap_or(usize::MAX);
            let mac_key = accounts.derive_key(shared_tier::SNAPSHOT_MAC_PURPOSE);
            cache = cache.with_shared(tier.snapshots(policy.usable_for(), max_bytes, &mac_key));
            tier.unfinished_reads(policy.ttl, deadline, policy.max_bytes, &mac_key)
        }
        None => Arc::new(directory::resume::MemoryUnfinished::new(
            policy.ttl,
            policy.max_bytes,
        )),
    };
    let webhooks = Arc::new(webhooks::WebhookService::new(
        &settings.webhooks,
        &accounts,
    )?);
    // Dropped on every way out of this function, which stops the delivery worker.
    let _deliveries = webhooks.spawn_worker();
    let directory = Arc::new(directory::DirectoryService::new(
        accounts.clone(),
        cache,
        unfinished,
    ));
    let evidence = evidence::evidence_service(
        &settings,
        directory.clone(),
        Arc::new(webhooks::SnapshotEvents),
    )
    .await?;
    // Dropped on every way out of this function, which stops the scheduler.
    let _scheduler = evidence
        .as_ref()
        .map(|evidence| evidence::spawn_scheduler(evidence.clone(), accounts.clone(), &settings));
    let cursors = Arc::new(directory::cursor::CursorCodec::new(
        settings.signing_key()?.expose_secret(),
    ));
    let quotas = shared_tier.as_ref().map(shared_tier::SharedTier::quotas);
    let limits = Arc::new(http::rate_limit::RateLimits::new(
        &settings.limits,
        quotas.as_ref(),
    ));
    // Dropped on every way out of this function, which stops the sweeper.
    let _sweeper = limits.spawn_sweeper();
    let state = AppState {
        settings: Arc::new(settings),
        metrics,
        authority,
        accounts,
        directory,
        evidence,
        cursors,
        limits,
        webhooks,
        shared_tier,
    };
    let server = state.settings.server.clone();
    let shutdown = shutdown.shared();
    tracing::info!(address = %listener.local_addr()?, "listening");
    let api = http::serve::serve(
        listener,
        http::app(state.clone()),
        &server,
        shutdown.clone(),
    );
    match metrics_listener {
        Some(metrics_listener) => {
            tracing::info!(address = %metrics_listener.local_addr()?, "serving /metrics");
            let metrics_app = http::metrics_app(state);
            let metrics = http::serve::serve(metrics_listener, metrics_app, &server, shutdown);
            tokio::join!(api, metrics);
        }
        None => api.await,
    }
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; draining in-flight requests");
}
