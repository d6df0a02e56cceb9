//! Caller rate limits (GCRA, via `governor`): per caller client on every bearer route
//! (`guard`), per integrated account on the requests that reach Jamf for it
//! ([`spend_account`]), per client id and per source address on `/auth/token`.
//!
//! Every response of a limited route carries the IETF draft `RateLimit` header fields
//! (`ratelimit-limit`, `ratelimit-remaining`, `ratelimit-reset`, in seconds) of the tightest
//! quota that applied; a refusal adds `Retry-After`. With GCRA a quota of `N` per window lets
//! one request through every `window / N` once a burst of `N` is spent, so `Retry-After` (when
//! the next request is allowed) is usually much shorter than `ratelimit-reset` (when the whole
//! quota is back), as in the `throttled` library.
//!
//! With a shared tier (`[redis]`) every quota is global: checks run in Redis (GCRA in Lua,
//! the same algorithm), and fall back to this replica's memory while Redis cannot be reached.
//! Otherwise state is in memory, per replica. In memory, keys are bounded: configured client ids, existing
//! integrated accounts, and for `/auth/token` whatever id and address arrive — those are
//! capped by the per-address quota and dropped by `RateLimits::sweep` once they are back to a
//! full quota, so the maps hold at most about one window's worth of distinct keys.

mod docs;
mod guard;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use governor::clock::Clock as _;
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, Quota};
use uuid::Uuid;

pub use self::docs::document;
pub use self::guard::guard;
use crate::http::error::ApiError;
use crate::settings::LimitSettings;
use crate::shared_tier::SharedQuotas;

pub const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
pub const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
pub const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// How often stale keys are dropped.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// Longest client id kept as a key; configured ids are at most this long.
const MAX_CLIENT_KEY: usize = 128;

/// One keyed quota: `requests` per `window`, bursts of up to `requests`.
pub struct Limiter {
    inner: DefaultKeyedRateLimiter<String, StateInformationMiddleware>,
    limit: u32,
    interval: Duration,
    window: Duration,
    /// The quota's name in the shared tier, when replicas share it.
    shared: Option<(SharedQuotas, &'static str)>,
}

/// The outcome of one check, as the headers tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub limit: u32,
    pub remaining: u32,
    pub window: Duration,
    /// Until the whole quota is available again.
    pub reset: Duration,
    /// Set when refused: until the next request would be allowed.
    pub retry_after: Option<Duration>,
}

impl Limiter {
    pub fn new(requests: u32, window: Duration) -> Self {
        let burst = NonZeroU32::new(requests).unwrap_or(NonZeroU32::MIN);
        // Settings validation keeps window / N far above a nanosecond; the floor only makes
        // the quota constructor's `None` (zero period) impossible.
        let interval = (window / burst.get()).max(Duration::from_nanos(1));
        let quota = Quota::with_period(interval)
            .unwrap_or_else(|| Quota::per_second(burst))
            .allow_burst(burst);
        Self {
            inner: DefaultKeyedRateLimiter::keyed(quota).with_middleware(),
            limit: burst.get(),
            interval,
            window,
            shared: None,
        }
    }

    /// This quota shared by every replica under `name`; memory stays the fallback.
    pub fn shared(mut self, quotas: Option<&SharedQuotas>, name: &'static str) -> Self {
        self.shared = quotas.map(|quotas| (quotas.clone(), name));
        self
    }

    /// Takes one request from `key`'s quota when there is one left: the shared quota's
    /// when there is one and Redis answers, else this replica's.
    pub async fn spend(&self, key: String) -> Decision {
        if let Some((quotas, name)) = &self.shared
            && let Some(shared) = quotas.check(name, &key, self.limit, self.interval).await
        {
            return Decision {
                limit: self.limit,
                remaining: shared.remaining,
                window: self.window,
                reset: shared.reset,
                retry_after: shared.retry_after,
            };
        }
        self.check(key)
    }

    /// Takes one request from `key`'s quota in this replica's memory.
    pub fn check(&self, key: String) -> Decision {
        match self.inner.check_key(&key) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity().min(self.limit);
                Decision {
                    limit: self.limit,
                    remaining,
                    window: self.window,
                    // Each used request comes back after one interval; this bounds the time
                    // until the full quota is back from above.
                    reset: self.interval * (self.limit - remaining),
                    retry_after: None,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.inner.clock().now());
                Decision {
                    limit: self.limit,
                    remaining: 0,
                    window: self.window,
                    reset: wait + self.interval * (self.limit - 1),
                    retry_after: Some(wait),
                }
            }
        }
    }

    fn sweep(&self) {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
    }
}

/// What one request spent of an integrated account's quota, noted by the handler that is
/// about to reach Jamf for the account and read by the guard for the `RateLimit` headers.
#[derive(Debug, Clone, Default)]
pub struct AccountSpend(Arc<Mutex<Option<Decision>>>);

impl AccountSpend {
    fn note(&self, decision: Decision) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(decision);
    }

    pub fn get(&self) -> Option<Decision> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Spends one request of `account`'s quota for a request about to reach Jamf (a cache miss, a
/// `no-cache` read, a credential refresh or re-validation): reads a cached snapshot can answer
/// spend nothing. Refused with 429 when the quota is used up.
pub async fn spend_account(
    limits: &RateLimits,
    spend: &AccountSpend,
    account: Uuid,
) -> Result<(), ApiError> {
    let decision = limits.account(account).await;
    spend.note(decision);
    if decision.denied() {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "rate limit of {} Jamf-bound requests per {} s for this integrated account exceeded; retry after {} s",
                decision.limit,
                decision.window.as_secs(),
                decision.retry_after_secs()
            ),
        ));
    }
    Ok(())
}

impl Decision {
    pub fn denied(&self) -> bool {
        self.retry_after.is_some()
    }

    /// Whole seconds to wait before retrying: rounded up (an earlier retry would be refused
    /// again) and at least 1.
    pub fn retry_after_secs(&self) -> u64 {
        ceil_secs(self.retry_after.unwrap_or_default()).max(1)
    }

    /// The decision the headers should report when two quotas applied: a refusal, else the
    /// one with fewer requests left (the longer reset on a tie).
    pub fn tighter(self, other: Decision) -> Decision {
        match (self.denied(), other.denied()) {
            (true, _) => self,
            (false, true) => other,
            _ if (other.remaining, self.reset) < (self.remaining, other.reset) => other,
            _ => self,
        }
    }

    /// Writes the `RateLimit` fields, and `Retry-After` on a refusal.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        headers.insert(RATELIMIT_LIMIT, HeaderValue::from(self.limit));
        headers.insert(RATELIMIT_REMAINING, HeaderValue::from(self.remaining));
        headers.insert(RATELIMIT_RESET, HeaderValue::from(ceil_secs(self.reset)));
        if self.denied() {
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from(self.retry_after_secs()),
            );
        }
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// Every quota of the service, built once from `[limits]`.
pub struct RateLimits {
    client: Limiter,
    account: Limiter,
    token_client: Limiter,
    token_source: Limiter,
}

impl RateLimits {
    /// The quotas of `settings`, shared by every replica through `shared` when given.
    pub fn new(settings: &LimitSettings, shared: Option<&SharedQuotas>) -> Self {
        let secs = Duration::from_secs;
        Self {
            client: Limiter::new(settings.client_requests, secs(settings.client_window_secs))
                .shared(shared, "client"),
            account: Limiter::new(
                settings.account_requests,
                secs(settings.account_window_secs),
            )
            .shared(shared, "account"),
            token_client: Limiter::new(settings.token_attempts, secs(settings.token_window_secs))
                .shared(shared, "token-client"),
            token_source: Limiter::new(settings.token_attempts, secs(settings.token_window_secs))
                .shared(shared, "token-source"),
        }
    }

    pub async fn client(&self, client_id: &str) -> Decision {
        self.client.spend(client_id.to_owned()).await
    }

    pub async fn account(&self, account_id: Uuid) -> Decision {
        self.account.spend(account_id.to_string()).await
    }

    /// A token attempt naming `client_id` (caller-chosen text, so the key is capped).
    pub async fn token_client(&self, client_id: &str) -> Decision {
        let end = client_id
            .char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .take_while(|&end| end <= MAX_CLIENT_KEY)
            .last()
            .unwrap_or(0);
        self.token_client.spend(client_id[..end].to_owned()).await
    }

    /// A token attempt from `ip`. An IPv6 host usually holds a whole /64, so that is the key.
    pub async fn token_source(&self, ip: IpAddr) -> Decision {
        let key = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        };
        self.token_source.spend(key).await
    }

    /// Drops keys whose quota is full again: they are indistinguishable from absent ones.
    pub fn sweep(&self) {
        for limiter in [
            &self.client,
            &self.account,
            &self.token_client,
            &self.token_source,
        ] {
            limiter.sweep();
        }
    }

    /// Sweeps every minute until the returned guard is dropped.
    pub fn spawn_sweeper(self: &Arc<Self>) -> SweeperGuard {
        let limits = Arc::clone(self);
        SweeperGuard(tokio::spawn(async move {
            let mut every = tokio::time::interval(SWEEP_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                limits.sweep();
            }
        }))
    }
}

/// Stops the sweeper task when dropped, on every exit path of `launch`.
pub struct SweeperGuard(tokio::task::JoinHandle<()>);

impl Drop for SweeperGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_n_passes_then_the_next_waits_one_interval() {
        let limiter = Limiter::new(3, Duration::from_secs(60));
        let first = limiter.check("a".into());
        assert_eq!((first.limit, first.remaining), (3, 2));
        assert_eq!(ceil_secs(first.reset), 20);
        assert_eq!(limiter.check("a".into()).remaining, 1);
        assert_eq!(limiter.check("a".into()).remaining, 0);
        let refused = limiter.check("a".into());
        assert!(refused.denied());
        // The next request is one interval (60 s / 3) after the first, at most.
        assert!(
            (19..=20).contains(&refused.retry_after_secs()),
            "{refused:?}"
        );
        assert!((59..=60).contains(&ceil_secs(refused.reset)), "{refused:?}");
        // Other keys keep their own quota.
        assert_eq!(limiter.check("b".into()).remaining, 2);
    }

    #[test]
    fn headers_report_the_tighter_quota_and_retry_after_only_on_refusal() {
        let ok = |remaining, reset| Decision {
            limit: 10,
            remaining,
            window: Duration::from_secs(10),
            reset: Duration::from_secs(reset),
            retry_after: None,
        };
        let refused = Decision {
            retry_after: Some(Duration::from_millis(1500)),
            ..ok(0, 9)
        };
        assert_eq!(ok(5, 1).tighter(ok(3, 2)), ok(3, 2));
        assert_eq!(ok(3, 2).tighter(ok(3, 4)), ok(3, 4));
        assert_eq!(ok(0, 1).tighter(refused), refused);
        let mut headers = HeaderMap::new();
        ok(4, 3).write_headers(&mut headers);
        assert_eq!(headers[RATELIMIT_REMAINING], "4");
        assert!(headers.get(header::RETRY_AFTER).is_none());
        refused.write_headers(&mut headers);
        assert_eq!(headers[RATELIMIT_LIMIT], "10");
        assert_eq!(headers[RATELIMIT_REMAINING], "0");
        assert_eq!(headers[header::RETRY_AFTER], "2");
    }

    #[tokio::test]
    async fn token_keys_are_capped_and_ipv6_hosts_share_their_64() {
        let limits = RateLimits::new(
            &LimitSettings {
                token_attempts: 1,
                ..LimitSettings::default()
            },
            None,
        );
        let long = "é".repeat(100);
        assert!(!limits.token_client(&long).await.denied());
        // Same first 128 bytes: the same key.
        assert!(limits.token_client(&format!("{long}x")).await.denied());
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(!limits.token_source(a).await.denied());
        assert!(limits.token_source(b).await.denied());
        assert!(!limits.token_source(c).await.denied());
        limits.sweep();
    }
}
