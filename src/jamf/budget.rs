//! The Jamf request budget of one instance: how many requests may be in flight to it at once.
//!
//! Each replica bounds its own requests with a semaphore of `upstream.max_concurrency`. When a
//! deployment shares a budget between replicas ([`SharedBudget`], implemented outside `jamf`),
//! a request also holds one permit of the shared budget; while that budget cannot be reached,
//! it holds one of a smaller local fallback instead, so replicas that cannot coordinate stay
//! well inside Jamf's limit together.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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

/// One instance's limiter, shared by every client of that instance in this process.
#[derive(Debug)]
pub(crate) struct InstanceLimiter {
    instance: String,
    permits: usize,
    local: Arc<Semaphore>,
    shared: Option<(Arc<dyn SharedBudget>, Arc<Semaphore>)>,
}

/// Held for the duration of one request.
#[derive(Debug)]
pub(crate) struct RequestPermit {
    _local: OwnedSemaphorePermit,
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
    pub(crate) fn new(
        instance: String,
        permits: usize,
        shared: Option<&SharedBudgetConfig>,
    ) -> Self {
        Self {
            instance,
            permits,
            local: Arc::new(Semaphore::new(permits)),
            shared: shared.map(|s| {
                let fallback = s.fallback_concurrency.clamp(1, permits);
                (s.budget.clone(), Arc::new(Semaphore::new(fallback)))
            }),
        }
    }

    pub(crate) async fn acquire(&self) -> Result<RequestPermit, Closed> {
        let local = self
            .local
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Closed)?;
        let beyond = match &self.shared {
            None => None,
            Some((budget, fallback)) => {
                Some(match budget.acquire(&self.instance, self.permits).await {
                    Some(permit) => Beyond::Shared(permit),
                    None => Beyond::Fallback(
                        fallback.clone().acquire_owned().await.map_err(|_| Closed)?,
                    ),
                })
            }
        };
        Ok(RequestPermit {
            _local: local,
            _beyond: beyond,
        })
    }
}
