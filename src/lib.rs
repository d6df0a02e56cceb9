//! jamf-directory: a unified user-directory API over Jamf Pro administrator accounts.
//!
//! Data flows one way: `http` → (`auth`, `evidence` → `directory` → `accounts`) → `jamf`; `settings` is
//! read by all. `docs/ARCHITECTURE.md` draws the graph and traces one request through it.

pub mod accounts;
pub mod auth;
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
    };
    let mut cache = directory::cache::SnapshotCache::new(policy);
    if let Some(tier) = &shared_tier {
        let max_bytes = usize::try_from(policy.max_bytes).unwrap_or(usize::MAX);
        cache = cache.with_shared(tier.snapshots(policy.usable_for(), max_bytes));
    }
    let webhooks = Arc::new(webhooks::WebhookService::new(
        &settings.webhooks,
        &accounts,
    )?);
    // Dropped on every way out of this function, which stops the delivery worker.
    let _deliveries = webhooks.spawn_worker();
    let directory = Arc::new(directory::DirectoryService::new(accounts.clone(), cache));
    let evidence = evidence::evidence_service(
        &settings,
        directory.clone(),
        Arc::new(webhooks::SnapshotEvents),
    )
    .await?;
    // Dropped on every way out of this function, which stops the scheduler.
    let _scheduler = evidence.as_ref().map(|evidence| {
        evidence::spawn_scheduler(
            evidence.clone(),
            accounts.clone(),
            settings.evidence.schedule_secs,
            settings.evidence.retention_days,
        )
    });
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
        metrics: telemetry::metrics_handle(),
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
    let app = http::app(state);
    tracing::info!(address = %listener.local_addr()?, "listening");
    http::serve::serve(listener, app, &server, shutdown).await;
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
