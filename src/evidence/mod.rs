//! Evidence over time: signed point-in-time snapshots of an account's directory, kept in the
//! database (records content-addressed, so storage grows with change), chained by the hash of
//! the previous manifest, compared ([`changes`]) and verifiable offline ([`bundle`]).

pub mod bundle;
pub mod changes;
pub mod manifest;
pub mod observer;
mod provenance;
mod schedule;
mod service;
mod setup;
pub mod signing;
pub mod store;

pub use manifest::{EvidenceKind, Manifest, SnapshotStatus};
pub use observer::{Completed, EvidenceTx, NoObserver, SnapshotContents, SnapshotObserver};
pub use schedule::{Scheduler, spawn_scheduler};
pub use service::{EvidenceError, EvidenceService, Verified, signature_fault};
pub use setup::evidence_service;
pub use signing::{EvidenceSigner, Jwk, JwkSet};
