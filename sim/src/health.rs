//! `GET /api/v1/health-status`: Jamf Cloud's share of accepted requests per group and
//! window. Only the `api` group sees traffic here: it falls below 1 while load shedding
//! (`Faults::shed_above`) refuses requests; the other groups always report 1.0.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Map, Value, json};

use super::errors::{Answer, Surface};
use super::guard::authorize;
use super::state::SimState;

/// The windows Jamf reports (field names from the 11.30.1 schema), in seconds.
const WINDOWS: [(&str, u64); 5] = [
    ("thirtySeconds", 30),
    ("oneMinute", 60),
    ("fiveMinutes", 300),
    ("fifteenMinutes", 900),
    ("thirtyMinutes", 1800),
];
const GROUPS: [&str; 5] = ["api", "ui", "enrollment", "device", "default"];
const LONGEST_WINDOW_SECS: u64 = 1800;

/// Accepted and total Jamf requests per second over the longest window.
pub struct Acceptance {
    started: Instant,
    seconds: Mutex<VecDeque<Second>>,
}

struct Second {
    at: u64,
    accepted: u64,
    total: u64,
}

impl Default for Acceptance {
    fn default() -> Self {
        Acceptance {
            started: Instant::now(),
            seconds: Mutex::default(),
        }
    }
}

impl Acceptance {
    pub fn record(&self, accepted: bool) {
        let now = self.started.elapsed().as_secs();
        let mut seconds = self.seconds.lock().unwrap_or_else(|e| e.into_inner());
        while seconds
            .front()
            .is_some_and(|s| s.at + LONGEST_WINDOW_SECS <= now)
        {
            seconds.pop_front();
        }
        if seconds.back().is_none_or(|s| s.at != now) {
            seconds.push_back(Second {
                at: now,
                accepted: 0,
                total: 0,
            });
        }
        if let Some(second) = seconds.back_mut() {
            second.total += 1;
            second.accepted += u64::from(accepted);
        }
    }

    /// Accepted / total over the last `window_secs`; 1.0 without requests.
    fn ratio(&self, window_secs: u64) -> f64 {
        let now = self.started.elapsed().as_secs();
        let seconds = self.seconds.lock().unwrap_or_else(|e| e.into_inner());
        let (accepted, total) = seconds
            .iter()
            .filter(|s| s.at + window_secs > now)
            .fold((0, 0), |(a, t), s| (a + s.accepted, t + s.total));
        if total == 0 {
            1.0
        } else {
            accepted as f64 / total as f64
        }
    }
}

/// 404 unless the `health_status` fault (Jamf Cloud) is on; then any valid token may read it.
pub async fn health_status(State(state): State<Arc<SimState>>, headers: HeaderMap) -> Answer {
    if !state.faults().health_status {
        return Err(Surface::Pro.error(StatusCode::NOT_FOUND).into());
    }
    authorize(&state, &headers, Surface::Pro, None)?;
    let windows = |api: bool| -> Value {
        let ratios = WINDOWS.iter().map(|(name, secs)| {
            let ratio = if api {
                state.acceptance.ratio(*secs)
            } else {
                1.0
            };
            ((*name).to_owned(), json!(ratio))
        });
        Value::Object(ratios.collect::<Map<_, _>>())
    };
    let body = GROUPS
        .iter()
        .map(|group| ((*group).to_owned(), windows(*group == "api")))
        .collect::<Map<_, _>>();
    Ok(Json(Value::Object(body)).into_response())
}
