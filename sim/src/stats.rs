//! Request counters (per endpoint template and status) and the in-flight gauge.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// A snapshot of the counters. Endpoint keys are `"METHOD /route/template"`
/// (e.g. `"GET /JSSResource/accounts/userid/{id}"`); requests matching no route count
/// under `"METHOD unmatched"`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimStats {
    pub requests_total: u64,
    pub by_endpoint: BTreeMap<String, u64>,
    /// Keys `"METHOD /template STATUS"`.
    pub by_endpoint_status: BTreeMap<String, u64>,
    pub by_status: BTreeMap<u16, u64>,
    /// Highest number of requests in progress at once since start or reset.
    pub peak_in_flight: u64,
    pub in_flight: u64,
    /// Requests refused by load shedding (`Faults::shed_above`); also in the counters above
    /// as 503s.
    pub refused: u64,
}

impl SimStats {
    /// Requests to `endpoint` (`"GET /api/v1/accounts"`), 0 if none.
    pub fn count(&self, endpoint: &str) -> u64 {
        self.by_endpoint.get(endpoint).copied().unwrap_or(0)
    }
}

#[derive(Default)]
pub struct Stats {
    counters: Mutex<SimStats>,
    in_flight: AtomicU64,
    peak: AtomicU64,
}

/// Decrements the gauge when the request ends, however it ends (including cancellation).
pub struct InFlight<'a>(&'a Stats, u64);

impl InFlight<'_> {
    /// Requests in progress when this one arrived, itself included.
    pub fn on_arrival(&self) -> u64 {
        self.1
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Stats {
    fn counters(&self) -> std::sync::MutexGuard<'_, SimStats> {
        self.counters.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn enter(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        InFlight(self, now)
    }

    pub fn refuse(&self) {
        self.counters().refused += 1;
    }

    pub fn record(&self, endpoint: &str, status: u16) {
        let mut c = self.counters();
        c.requests_total += 1;
        *c.by_endpoint.entry(endpoint.to_owned()).or_default() += 1;
        *c.by_endpoint_status
            .entry(format!("{endpoint} {status}"))
            .or_default() += 1;
        *c.by_status.entry(status).or_default() += 1;
    }

    pub fn snapshot(&self) -> SimStats {
        let mut s = self.counters().clone();
        s.in_flight = self.in_flight.load(Ordering::SeqCst);
        s.peak_in_flight = self.peak.load(Ordering::SeqCst);
        s
    }

    /// Zeroes the counters; the peak restarts from the requests still in flight.
    pub fn reset(&self) {
        *self.counters() = SimStats::default();
        self.peak
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_tracks_concurrency_and_reset_keeps_current() {
        let s = Stats::default();
        let a = s.enter();
        let b = s.enter();
        drop(a);
        assert_eq!(s.snapshot().peak_in_flight, 2);
        s.reset();
        let snap = s.snapshot();
        assert_eq!((snap.peak_in_flight, snap.in_flight), (1, 1));
        drop(b);
        s.record("GET /x", 200);
        s.record("GET /x", 404);
        let snap = s.snapshot();
        assert_eq!(snap.count("GET /x"), 2);
        assert_eq!(snap.by_endpoint_status["GET /x 404"], 1);
        assert_eq!(snap.in_flight, 0);
    }
}
