//! What every handler can reach. Cheap to clone: everything behind `Arc`s.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;

use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub metrics: PrometheusHandle,
}
