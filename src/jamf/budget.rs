//! The Jamf request budget of one instance: how many requests may be in flight to it at once.
//!
//! Each replica bounds its own requests with a semaphore whose size adapts between 1 and
//! `upstream.max_concurrency` (additive increase, multiplicative decrease): halved when Jamf
//! sheds load (a 503/504, a request timeout, or an `api` acceptance ratio below 1 in
//! `/api/v1/health-status`), one more after as many successes in a row as the current limit,
//! counting only requests sent while every permit was in use (an idle limit proves nothing).
//! When a deployment shares a budget between replicas ([`SharedBudget`], implemented outside
//! `jamf`), a request also holds one permit of the shared budget (sized by
//! `upstream.max_concurrency`; the adaptive limit applies per replica on top); while that
//! budget cannot be reached, it holds one of a smaller local fallback instead, so replicas that
//! cannot coordinate stay well inside Jamf's limit together.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

/// A budget of Jamf requests per instance shared with other replicas.
#[async_trait]
pub trait SharedBudget: Send + Sync + fmt::Debug {
    /// Waits for one of `limit` permits of `instance` (`scheme://host:port`). `None` when the
    /// shared budget cannot be reached now; the request then holds to the local fallback.
    async fn acquire(&self, instance: &str, limit: usize) -> Option<BudgetPermit>;
}

/// A permit of a shared budget; dropping it gives the permit back.
// Held only to be dropped.
pub struct BudgetPermit(#[allow(dead_code)] Box<dyn Send + Sync>);

impl BudgetPermit {
    /// `release` runs (is dropped) when the permit is.
    pub fn new(release: impl Send + Sync + 'static) -> Self {
        Self(Box::new(release))
    }
}

impl fmt::Debug for BudgetPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BudgetPermit")
    }
}

/// Where the shared budget and the fallback come from, for every instance.
#[derive(Debug, Clone)]
pub struct SharedBudgetConfig {
    pub budget: Arc<dyn SharedBudget>,
    /// Requests per instance and replica while the shared budget cannot be reached.
    pub fallback_concurrency: usize,
}

/// What an answer says about Jamf's load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Load {
    /// A 2xx.
    Accepted,
    /// 503, 504 or no answer within the request timeout: Jamf is shedding load.
    Shedding,
    /// Anything else (401, 404, a 500, a connect error): says nothing about load.
    Unknown,
}

/// One limiter per Jamf instance (scheme, host, port), shared by every client of that
/// instance. Weak entries let the limiter go when the last client of a host is dropped.
#[derive(Debug)]
pub(crate) struct LimiterRegistry {
    max: usize,
    health_interval: Duration,
    shared: Option<SharedBudgetConfig>,
    gauge: Arc<LimitGauge>,
    by_instance: Mutex<HashMap<String, Weak<InstanceLimiter>>>,
}

impl LimiterRegistry {
    pub(crate) fn new(
        max: usize,
        health_interval: Duration,
        shared: Option<SharedBudgetConfig>,
    ) -> Self {
        let max = max.max(1);
        let gauge = Arc::new(LimitGauge::new(max));
        gauge.publish(&gauge.lowered());
        Self {
            max,
            health_interval,
            shared,
            gauge,
            by_instance: Mutex::default(),
        }
    }

    pub(crate) fn for_instance(&self, base: &Url) -> Arc<InstanceLimiter> {
        let key = instance_key(base);
        let mut map = lock(&self.by_instance);
        if let Some(existing) = map.get(&key).and_then(Weak::upgrade) {
            return existing;
        }
        map.retain(|_, weak| weak.strong_count() > 0);
        let fresh = Arc::new(InstanceLimiter::new(key.clone(), self));
        map.insert(key, Arc::downgrade(&fresh));
        fresh
    }

    /// The current limit of `base`'s instance, `None` while no client of it exists.
    pub(crate) fn limit_of(&self, base: &Url) -> Option<usize> {
        let map = lock(&self.by_instance);
        let limiter = map.get(&instance_key(base)).and_then(Weak::upgrade)?;
        Some(limiter.limit())
    }
}

fn instance_key(base: &Url) -> String {
    format!(
        "{}://{}:{}",
        base.scheme(),
        base.host_str().unwrap_or_default(),
        base.port_or_known_default().unwrap_or_default()
    )
}

/// A poisoned lock only means another thread panicked mid-update; the data is still valid.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The `jamf_concurrency_limit` gauge: the lowest limit of any instance (`max_concurrency`
/// when none is lowered), and `jamf_concurrency_lowered_instances`, how many are below it. No
/// instance label: Jamf hosts come from callers, and a label per host would grow without
/// bound; the log names the instance whenever its limit changes.
#[derive(Debug)]
struct LimitGauge {
    max: usize,
    lowered: Mutex<HashMap<String, usize>>,
}

impl LimitGauge {
    fn new(max: usize) -> Self {
        Self {
            max,
            lowered: Mutex::default(),
        }
    }

    fn lowered(&self) -> MutexGuard<'_, HashMap<String, usize>> {
        lock(&self.lowered)
    }

    fn set(&self, instance: &str, limit: usize) {
        let mut lowered = self.lowered();
        if limit < self.max {
            lowered.insert(instance.to_owned(), limit);
        } else {
            lowered.remove(instance);
        }
        self.publish(&lowered);
    }

    fn forget(&self, instance: &str) {
        let mut lowered = self.lowered();
        if lowered.remove(instance).is_some() {
            self.publish(&lowered);
        }
    }

    fn publish(&self, lowered: &HashMap<String, usize>) {
        let lowest = lowered.values().copied().min().unwrap_or(self.max);
        metrics::gauge!("jamf_concurrency_limit").set(lowest as f64);
        metrics::gauge!("jamf_concurrency_lowered_instances").set(lowered.len() as f64);
    }
}

/// One instance's limiter, shared by every client of that instance in this process.
#[derive(Debug)]
pub(crate) struct InstanceLimiter {
    instance: String,
    max: usize,
    /// Holds `window.issued` permits in all, available or held by requests.
    local: Arc<Semaphore>,
    window: Mutex<Window>,
    health: Mutex<HealthSchedule>,
    health_interval: Duration,
    gauge: Arc<LimitGauge>,
    shared: Option<(Arc<dyn SharedBudget>, Arc<Semaphore>)>,
}

#[derive(Debug)]
struct Window {
    /// The limit requests should see.
    target: usize,
    /// Permits in existence; above `target` after a cut until enough requests return theirs.
    issued: usize,
    /// Successes in a row since the last change.
    successes: usize,
    /// Cuts so far: a refusal of a request sent before the latest cut was already answered by
    /// it, so a burst of refusals halves the limit once, not once per request.
    cuts: u64,
}

#[derive(Debug)]
struct HealthSchedule {
    next_at: Instant,
    reading: bool,
    /// The instance has no `/api/v1/health-status` (on premises).
    absent: bool,
}

/// What one read of `/api/v1/health-status` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Health {
    /// `api` accepted every request.
    Clear,
    /// `api` accepted less than all: Jamf is shedding load.
    Shedding,
    /// 404: never asked again.
    Absent,
    /// 403, another error or an unreadable body: ignored, asked again later.
    Unknown,
}

/// Held for the duration of one request.
#[derive(Debug)]
pub(crate) struct RequestPermit {
    limiter: Arc<InstanceLimiter>,
    local: Option<OwnedSemaphorePermit>,
    cuts_at_start: u64,
    /// Sent while every permit was in use: only then does a success argue for more.
    saturated: bool,
    _beyond: Option<Beyond>,
}

#[derive(Debug)]
enum Beyond {
    Shared(#[allow(dead_code)] BudgetPermit),
    Fallback(#[allow(dead_code)] OwnedSemaphorePermit),
}

/// The semaphores were closed; never happens while the process runs.
#[derive(Debug)]
pub(crate) struct Closed;

impl InstanceLimiter {
    fn new(instance: String, registry: &LimiterRegistry) -> Self {
        let max = registry.max;
        Self {
            instance,
            max,
            local: Arc::new(Semaphore::new(max)),
            window: Mutex::new(Window {
                target: max,
                issued: max,
                successes: 0,
                cuts: 0,
            }),
            // The first read waits one interval too: a short-lived client never asks.
            health: Mutex::new(HealthSchedule {
                next_at: Instant::now() + registry.health_interval,
                reading: false,
                absent: false,
            }),
            health_interval: registry.health_interval,
            gauge: registry.gauge.clone(),
            shared: registry.shared.as_ref().map(|s| {
                let fallback = s.fallback_concurrency.clamp(1, max);
                (s.budget.clone(), Arc::new(Semaphore::new(fallback)))
            }),
        }
    }

    /// The current limit.
    pub(crate) fn limit(&self) -> usize {
        lock(&self.window).target
    }

    pub(crate) async fn acquire(self: &Arc<Self>) -> Result<RequestPermit, Closed> {
        let local = self
            .local
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Closed)?;
        let cuts_at_start = lock(&self.window).cuts;
        let saturated = self.local.available_permits() == 0;
        let beyond = match &self.shared {
            None => None,
            Some((budget, fallback)) => {
                Some(match budget.acquire(&self.instance, self.max).await {
                    Some(permit) => Beyond::Shared(permit),
                    None => Beyond::Fallback(
                        fallback.clone().acquire_owned().await.map_err(|_| Closed)?,
                    ),
                })
            }
        };
        Ok(RequestPermit {
            limiter: Arc::clone(self),
            local: Some(local),
            cuts_at_start,
            saturated,
            _beyond: beyond,
        })
    }

    fn record(&self, load: Load, permit: &RequestPermit) {
        let mut window = lock(&self.window);
        let before = window.target;
        match load {
            Load::Accepted if permit.saturated => {
                window.successes += 1;
                if window.successes >= window.target && window.target < self.max {
                    window.target += 1;
                    window.successes = 0;
                    if window.issued < window.target {
                        self.local.add_permits(window.target - window.issued);
                        window.issued = window.target;
                    }
                }
            }
            Load::Shedding if permit.cuts_at_start == window.cuts => self.cut(&mut window),
            Load::Accepted | Load::Shedding | Load::Unknown => {}
        }
        self.changed(before, window.target);
    }

    /// Halves the limit: available permits are forgotten now, held ones as they return.
    fn cut(&self, window: &mut Window) {
        window.cuts += 1;
        window.successes = 0;
        window.target = (window.target / 2).max(1);
        let excess = window.issued.saturating_sub(window.target);
        window.issued -= self.local.forget_permits(excess);
    }

    fn changed(&self, before: usize, after: usize) {
        if before != after {
            tracing::info!(instance = %self.instance, before, after, "Jamf concurrency limit changed");
            self.gauge.set(&self.instance, after);
        }
    }

    /// Whether this request should trigger a read of `/api/v1/health-status`: at most one at a
    /// time, one interval after the last, never after a 404. The caller reports the result
    /// through [`InstanceLimiter::health_read`].
    pub(crate) fn claim_health_read(&self) -> bool {
        let mut schedule = lock(&self.health);
        if schedule.absent || schedule.reading || Instant::now() < schedule.next_at {
            return false;
        }
        schedule.reading = true;
        true
    }

    pub(crate) fn health_read(&self, health: Health) {
        {
            let mut schedule = lock(&self.health);
            schedule.reading = false;
            schedule.absent |= health == Health::Absent;
            schedule.next_at = Instant::now() + self.health_interval;
        }
        if health == Health::Shedding {
            let mut window = lock(&self.window);
            let before = window.target;
            self.cut(&mut window);
            self.changed(before, window.target);
        }
    }
}

impl Drop for InstanceLimiter {
    fn drop(&mut self) {
        self.gauge.forget(&self.instance);
    }
}

impl RequestPermit {
    /// Adapts the instance's limit to what this request's answer says about Jamf's load.
    pub(crate) fn record(&self, load: Load) {
        self.limiter.record(load, self);
    }
}

impl Drop for RequestPermit {
    fn drop(&mut self) {
        let Some(permit) = self.local.take() else {
            return;
        };
        // Under the lock, so a concurrent cut sees this permit either held or returned.
        let mut window = lock(&self.limiter.window);
        if window.issued > window.target {
            permit.forget();
            window.issued -= 1;
        } else {
            drop(permit);
        }
    }
}

#[cfg(test)]
mod tests;
