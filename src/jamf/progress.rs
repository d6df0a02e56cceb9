//! One fetch as it runs: how far it has got (for callers who stopped waiting for it) and the
//! bodies of its successful reads (so that the next attempt after a failure part-way asks
//! Jamf only for what is missing).
//!
//! A [`FetchRun`] is handed to a client with [`JamfClient::for_fetch`](super::JamfClient::for_fetch);
//! every GET of that client then counts in the run's [`FetchProgress`] and is first looked up
//! in its [`ReadMemo`]. Who keeps a memo between attempts, and for how long, is the caller's
//! business (the directory keeps one per snapshot until a fetch of it succeeds).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Counters of one fetch. `planned` grows as the plan learns what it must read (a list's
/// length tells how many detail reads follow), so it is "planned so far", never a promise.
#[derive(Debug)]
pub struct FetchProgress {
    /// Unix ms; the wall clock, so that another replica's fetch can be mirrored.
    started_at_ms: AtomicI64,
    done: AtomicU64,
    planned: AtomicU64,
    reads: Mutex<BTreeMap<&'static str, EndpointReads>>,
}

/// What one fetch read from one endpoint template: the query behind its records, as an
/// evidence manifest states it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointReads {
    /// Reads made, recalled ones included.
    pub requests: u64,
    /// Reads by outcome: Jamf's HTTP status (`200`, `404`…), `timeout`, `unreachable`,
    /// `too_large`, `refused`, `deadline` when it gave none, or `recalled` when an earlier
    /// attempt of the fetch read it (200) and it was not asked again.
    pub statuses: BTreeMap<String, u64>,
    /// The `totalCount` a Jamf Pro API list reported.
    pub total_count: Option<u64>,
}

/// A progress report, as a caller who stopped waiting sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressReport {
    pub started_at: DateTime<Utc>,
    pub requests_done: u64,
    /// `None` until the plan knows any of its reads.
    pub requests_planned: Option<u64>,
    /// Time left at the pace so far, when there is a pace to go by.
    pub estimated_remaining: Option<Duration>,
}

impl Default for FetchProgress {
    fn default() -> Self {
        Self {
            started_at_ms: AtomicI64::new(Utc::now().timestamp_millis()),
            done: AtomicU64::new(0),
            planned: AtomicU64::new(0),
            reads: Mutex::default(),
        }
    }
}

impl FetchProgress {
    pub(crate) fn plan(&self, reads: usize) {
        self.planned.fetch_add(reads as u64, Ordering::Relaxed);
    }

    pub(crate) fn read_done(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one read of `endpoint` that ended with `outcome`.
    pub(crate) fn answered(&self, endpoint: &'static str, outcome: &str) {
        let mut reads = self.reads.lock().unwrap_or_else(PoisonError::into_inner);
        let read = reads.entry(endpoint).or_default();
        read.requests += 1;
        *read.statuses.entry(outcome.to_owned()).or_default() += 1;
    }

    /// Notes the `totalCount` a list at `endpoint` reported.
    pub(crate) fn total(&self, endpoint: &'static str, total_count: u64) {
        let mut reads = self.reads.lock().unwrap_or_else(PoisonError::into_inner);
        reads.entry(endpoint).or_default().total_count = Some(total_count);
    }

    /// Every endpoint read so far, by template.
    pub fn reads(&self) -> BTreeMap<&'static str, EndpointReads> {
        self.reads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Takes on the counters another replica shared of the fetch it runs, so that a caller
    /// who stopped waiting here hears how far that fetch has got.
    pub fn mirror(&self, started_at: DateTime<Utc>, done: u64, planned: u64) {
        self.started_at_ms
            .store(started_at.timestamp_millis(), Ordering::Relaxed);
        self.done.store(done, Ordering::Relaxed);
        self.planned.store(planned, Ordering::Relaxed);
    }

    /// Starts the counters afresh: the fetch is run here after all (what was mirrored of
    /// another replica's fetch is not this one's progress).
    pub fn restart(&self) {
        self.mirror(Utc::now(), 0, 0);
    }

    pub fn report(&self) -> ProgressReport {
        let done = self.done.load(Ordering::Relaxed);
        // Retries and extra pages may take `done` past what was planned.
        let planned = self.planned.load(Ordering::Relaxed).max(done);
        let started_at_ms = self.started_at_ms.load(Ordering::Relaxed);
        let started_at = DateTime::from_timestamp_millis(started_at_ms).unwrap_or_else(Utc::now);
        let elapsed_ms = (Utc::now().timestamp_millis() - started_at_ms).max(0);
        let estimated_remaining = (done > 0 && planned > done).then(|| {
            let per_read = elapsed_ms as f64 / 1000.0 / done as f64;
            Duration::from_secs_f64(per_read * (planned - done) as f64)
        });
        ProgressReport {
            started_at,
            requests_done: done,
            requests_planned: (planned > 0).then_some(planned),
            estimated_remaining,
        }
    }
}

/// Bodies of successful GETs, by request (path and query), kept between attempts of a fetch.
#[async_trait]
pub trait ReadMemo: Send + Sync {
    async fn recall(&self, request: &str) -> Option<Arc<[u8]>>;
    async fn keep(&self, request: &str, body: Arc<[u8]>);
}

/// A [`ReadMemo`] in this process's memory, bounded in bytes: past its bound, further bodies
/// are simply not kept (a resumed fetch reads them again).
#[derive(Debug)]
pub struct MemoryReadMemo {
    bodies: Mutex<HashMap<String, Arc<[u8]>>>,
    bytes: AtomicUsize,
    max_bytes: usize,
}

impl MemoryReadMemo {
    pub fn new(max_bytes: usize) -> Self {
        Self {
            bodies: Mutex::default(),
            bytes: AtomicUsize::new(0),
            max_bytes,
        }
    }

    /// Bytes of the bodies kept.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl ReadMemo for MemoryReadMemo {
    async fn recall(&self, request: &str) -> Option<Arc<[u8]>> {
        let bodies = self.bodies.lock().unwrap_or_else(PoisonError::into_inner);
        bodies.get(request).cloned()
    }

    async fn keep(&self, request: &str, body: Arc<[u8]>) {
        let len = body.len() + request.len();
        if self.bytes() + len > self.max_bytes {
            return;
        }
        let mut bodies = self.bodies.lock().unwrap_or_else(PoisonError::into_inner);
        if bodies.insert(request.to_owned(), body).is_none() {
            self.bytes.fetch_add(len, Ordering::Relaxed);
        }
    }
}

/// What a client carries while it runs one fetch.
#[derive(Clone)]
pub struct FetchRun {
    pub progress: Arc<FetchProgress>,
    pub memo: Arc<dyn ReadMemo>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_follows_the_pace_and_needs_one() {
        let progress = FetchProgress::default();
        let report = progress.report();
        assert_eq!(
            (report.requests_done, report.requests_planned),
            (0, None),
            "nothing known yet"
        );
        assert_eq!(report.estimated_remaining, None);
        progress.plan(10);
        assert_eq!(progress.report().estimated_remaining, None, "no pace yet");
        std::thread::sleep(Duration::from_millis(20));
        for _ in 0..5 {
            progress.read_done();
        }
        let report = progress.report();
        assert_eq!(
            (report.requests_done, report.requests_planned),
            (5, Some(10))
        );
        let left = report.estimated_remaining.expect("a pace");
        assert!(left >= Duration::from_millis(20), "{left:?}: half done");
        for _ in 0..7 {
            progress.read_done();
        }
        let report = progress.report();
        assert_eq!(
            report.requests_planned,
            Some(12),
            "never below what was done"
        );
        assert_eq!(report.estimated_remaining, None);
    }

    #[test]
    fn a_mirrored_fetch_is_reported_as_it_was_shared_and_restarts_from_zero() {
        let progress = FetchProgress::default();
        let elsewhere = Utc::now() - chrono::Duration::seconds(10);
        progress.mirror(elsewhere, 30, 60);
        let report = progress.report();
        assert_eq!(
            report.started_at.timestamp_millis(),
            elsewhere.timestamp_millis()
        );
        assert_eq!(
            (report.requests_done, report.requests_planned),
            (30, Some(60))
        );
        let left = report.estimated_remaining.expect("a pace");
        assert!(
            (9..=11).contains(&left.as_secs()),
            "{left:?}: half done in 10 s"
        );
        progress.restart();
        let report = progress.report();
        assert!(report.started_at > elsewhere);
        assert_eq!((report.requests_done, report.requests_planned), (0, None));
    }

    #[tokio::test]
    async fn the_memory_memo_keeps_bodies_up_to_its_bound() {
        let memo = MemoryReadMemo::new(40);
        memo.keep("/a", Arc::from(&b"0123456789"[..])).await;
        memo.keep("/a", Arc::from(&b"0123456789"[..])).await;
        assert_eq!(memo.bytes(), 12, "kept once");
        memo.keep("/big", Arc::from(&[0u8; 40][..])).await;
        assert_eq!(memo.recall("/big").await, None, "past the bound");
        assert_eq!(memo.recall("/a").await.as_deref(), Some(&b"0123456789"[..]));
        assert_eq!(memo.recall("/b").await, None);
    }
}
