//! Shared state of one simulator instance: immutable dataset, mutable run-time settings,
//! tokens, clock and counters.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::Notify;

use super::config::{JamfVersion, SimConfig, SsoConfig};
use super::data::{DataCell, Dataset};
use super::faults::{Availability, Faults};
use super::generate::SplitMix64;
use super::privileges;
use super::stats::Stats;
use super::tokens::{Principal, SimClock, TokenStore};

/// Settings that tests change while the simulator runs.
#[derive(Clone, Debug)]
pub struct Runtime {
    pub faults: Faults,
    pub jamf_version: String,
    pub sso: SsoConfig,
    pub client_enabled: bool,
    pub client_privileges: Vec<String>,
}

pub struct SimState {
    pub config: SimConfig,
    pub data: DataCell,
    runtime: RwLock<Runtime>,
    pub tokens: TokenStore,
    pub clock: SimClock,
    pub stats: Stats,
    /// Wakes hung requests when the faults change.
    pub faults_changed: Notify,
    fault_rng: Mutex<SplitMix64>,
    fail_next: AtomicU32,
    /// Shared with the listener, which resets connections while set.
    pub refusing: Arc<AtomicBool>,
    pub signing_key: [u8; 32],
    /// The `padding` every v1 account record carries (the `record_padding_bytes` quirk).
    pub padding: String,
}

impl SimState {
    pub fn new(config: SimConfig) -> SimState {
        let runtime = Runtime {
            faults: Faults::default(),
            jamf_version: config.jamf_version.clone(),
            sso: config.sso.clone(),
            client_enabled: config.client_enabled,
            client_privileges: config.client_privileges.clone(),
        };
        SimState {
            padding: "x".repeat(config.quirks.record_padding_bytes),
            data: DataCell::new(Dataset::build(&config)),
            fault_rng: Mutex::new(SplitMix64::new(config.seed ^ 0xFA17)),
            signing_key: random_key(),
            config,
            runtime: RwLock::new(runtime),
            tokens: TokenStore::default(),
            clock: SimClock::default(),
            stats: Stats::default(),
            faults_changed: Notify::new(),
            fail_next: AtomicU32::new(0),
            refusing: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A copy of the run-time settings (cheap enough per request; keeps locks short).
    pub fn runtime(&self) -> Runtime {
        self.runtime
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn update(&self, change: impl FnOnce(&mut Runtime)) {
        change(&mut self.runtime.write().unwrap_or_else(|e| e.into_inner()));
    }

    pub fn faults(&self) -> Faults {
        self.runtime
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .faults
            .clone()
    }

    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.validate()?;
        self.fail_next.store(faults.fail_next, Ordering::SeqCst);
        self.refusing.store(
            faults.availability == Availability::Refuse,
            Ordering::SeqCst,
        );
        self.update(|r| r.faults = faults);
        self.faults_changed.notify_waiters();
        Ok(())
    }

    /// Whether this request should get an injected error (consumes `fail_next` first).
    pub fn roll_error(&self, error_rate: f64) -> bool {
        let took = self
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        took || (error_rate > 0.0
            && self
                .fault_rng
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .unit()
                < error_rate)
    }

    /// The status of the next injected error: `error_status`, or the next of `error_statuses`
    /// (drawn from the seeded fault sequence) when a mix is configured.
    pub fn next_error_status(&self, faults: &Faults) -> u16 {
        if faults.error_statuses.is_empty() {
            return faults.error_status;
        }
        let draw = self
            .fault_rng
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unit();
        let n = faults.error_statuses.len();
        // `unit` is in [0, 1): the index stays in range; `min` guards the float edge.
        let index = ((draw * n as f64) as usize).min(n - 1);
        faults.error_statuses[index]
    }

    pub fn version(&self) -> JamfVersion {
        // An unparsable version is treated as the newest: everything available.
        JamfVersion::parse(&self.runtime().jamf_version).unwrap_or(JamfVersion(u32::MAX, 0, 0))
    }

    /// Whether `principal` currently holds `privilege` (roles are read live, minus any
    /// privileges the faults removed).
    pub fn has_privilege(&self, principal: &Principal, privilege: &str) -> bool {
        let rt = self.runtime();
        if rt.faults.missing_privileges.iter().any(|p| p == privilege) {
            return false;
        }
        match principal {
            Principal::Client { client_id } => {
                *client_id == self.config.client_id
                    && rt.client_privileges.iter().any(|p| p == privilege)
            }
            // The Basic user is a Full Access Administrator: every privilege.
            Principal::User { .. } => privileges::is_known(privilege),
        }
    }
}

/// A per-instance token signing key (tokens never outlive the process).
fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    key
}
