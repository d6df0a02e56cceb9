//! What every handler can reach. Cheap to clone: everything behind `Arc`s.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;

use super::rate_limit::RateLimits;
use crate::accounts::AccountService;
use crate::auth::Authority;
use crate::directory::DirectoryService;
use crate::directory::cursor::CursorCodec;
use crate::evidence::EvidenceService;
use crate::settings::Settings;
use crate::shared_tier::SharedTier;
use crate::webhooks::WebhookService;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub metrics: PrometheusHandle,
    /// Issues caller tokens and verifies them on every protected request.
    pub authority: Arc<Authority>,
    /// Integrated accounts: storage, lifecycle and one Jamf client per account.
    pub accounts: Arc<AccountService>,
    /// Snapshots of integrated accounts' directories.
    pub directory: Arc<DirectoryService>,
    /// Signed evidence snapshots; `None` when `evidence.signing_key` is not set.
    pub evidence: Option<Arc<EvidenceService>>,
    /// Signs and checks the unified lists' `next_cursor`.
    pub cursors: Arc<CursorCodec>,
    /// Caller rate limits (`[limits]`).
    pub limits: Arc<RateLimits>,
    /// Webhook subscriptions and their delivery log.
    pub webhooks: Arc<WebhookService>,
    /// The Redis tier replicas share (`[redis]`), when configured.
    pub shared_tier: Option<SharedTier>,
}
