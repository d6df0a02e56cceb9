//! What every handler can reach. Cheap to clone: everything behind `Arc`s.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;

use super::rate_limit::Limits;
use crate::accounts::AccountService;
use crate::auth::Authority;
use crate::directory::cache::SnapshotCache;
use crate::directory::cursor::CursorCodec;
use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub metrics: PrometheusHandle,
    /// Issues caller tokens and verifies them on every protected request.
    pub authority: Arc<Authority>,
    /// Integrated accounts: storage, lifecycle and one Jamf client per account.
    pub accounts: Arc<AccountService>,
    /// Snapshots and list cursors of the unified API.
    pub directory: Arc<DirectoryState>,
    /// Caller rate limits (`[limits]`).
    pub limits: Arc<Limits>,
}

pub struct DirectoryState {
    pub cache: SnapshotCache,
    pub cursors: CursorCodec,
}
