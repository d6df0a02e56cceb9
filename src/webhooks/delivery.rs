//! Delivery: every replica polls the outbox, claims due deliveries (a claim is a lease: a
//! replica that dies mid-attempt leaves the delivery due again when the lease ends), sends each
//! one signed, and settles it: delivered, retried on the schedule, failed, or — on `410 Gone` —
//! failed with the webhook deactivated. At least once: a receiver deduplicates on `webhook-id`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt as _;
use rand::Rng as _;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use secrecy::SecretString;
use uuid::Uuid;

use super::model::Attempt;
use super::signing::{Message, signature_headers};
use super::store::{Claimed, Settle, WebhookStore};
use crate::accounts::{Sealer, StoreError};
use crate::jamf::check_instance_url;
use crate::jamf::url_policy::PublicOnlyResolver;
use crate::settings::WebhookSettings;

/// Deliveries one poll claims at most.
const BATCH: i64 = 32;
/// Attempts of one batch in flight at once.
const CONCURRENCY: usize = 16;
/// A claim outlives the attempt's timeout by this much before another replica may take over.
const LEASE_MARGIN: Duration = Duration::from_secs(30);
/// The longest `Retry-After` honoured; beyond it the receiver is retried after a day anyway.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);
/// How long settled deliveries and the attempt log are kept.
pub const RETENTION: Duration = Duration::from_secs(30 * 86_400);
/// How often each replica prunes what is past [`RETENTION`] (the deletes are idempotent).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Sent {
    pub status: Option<StatusCode>,
    pub error: Option<String>,
    pub retry_after: Option<Duration>,
    pub latency: Duration,
}

/// Sends and settles deliveries; shared by the worker and `POST /webhooks/{id}/test`.
pub struct Deliverer {
    store: Arc<dyn WebhookStore>,
    sealer: Sealer,
    http: reqwest::Client,
    schedule: Vec<Duration>,
    timeout: Duration,
    allow_private_networks: bool,
}

impl Deliverer {
    /// Fails only if the TLS backend cannot start.
    pub fn new(
        settings: &WebhookSettings,
        store: Arc<dyn WebhookStore>,
        sealer: Sealer,
    ) -> Result<Self, reqwest::Error> {
        let timeout = Duration::from_secs(settings.timeout_secs);
        let http = reqwest::Client::builder()
            .user_agent(concat!("jamf-directory/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(PublicOnlyResolver {
                allow_private_networks: settings.allow_private_networks,
            }))
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, bypassing the resolver's address policy.
            .no_proxy()
            .timeout(timeout)
            .build()?;
        Ok(Self {
            store,
            sealer,
            http,
            schedule: settings
                .retry_schedule_secs
                .iter()
                .map(|&s| Duration::from_secs(s))
                .collect(),
            timeout,
            allow_private_networks: settings.allow_private_networks,
        })
    }

    /// Signs `message` with `secret` and posts it to `url` once.
    pub async fn send(&self, url: &str, secret: &SecretString, message: &Message<'_>) -> Sent {
        let started = Instant::now();
        let failed = |error: String| Sent {
            status: None,
            error: Some(error),
            retry_after: None,
            latency: started.elapsed(),
        };
        // Checked again: the row may predate a stricter policy.
        let url = match check_instance_url(url, self.allow_private_networks) {
            Ok(url) => url,
            Err(refusal) => return failed(format!("refused: {refusal}")),
        };
        let body = message.body();
        let mut headers =
            signature_headers(secret, message.event_id, Utc::now().timestamp(), &body);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        match self.http.post(url).headers(headers).body(body).send().await {
            Ok(response) => Sent {
                status: Some(response.status()),
                error: None,
                retry_after: response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(retry_after),
                latency: started.elapsed(),
            },
            // Only a classification: the URL (which may hold a token) never reaches the log.
            Err(err) if err.is_timeout() => {
                failed(format!("timed out after {} s", self.timeout.as_secs()))
            }
            Err(err) if err.is_connect() => failed("could not connect".into()),
            Err(_) => failed("the request failed".into()),
        }
    }

    /// Claims one batch of due deliveries and attempts them; returns how many were attempted.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let now = Utc::now().timestamp_millis();
        let lease = millis(self.timeout + LEASE_MARGIN);
        let claimed = self.store.claim(now, now + lease, BATCH).await?;
        let attempted = claimed.len();
        futures::stream::iter(claimed)
            .for_each_concurrent(CONCURRENCY, |delivery| async move {
                if let Err(err) = self.attempt(&delivery).await {
                    // The lease runs out and the delivery is tried again.
                    tracing::warn!(event_id = %delivery.event_id, webhook_id = %delivery.webhook_id, error = %err, "could not settle a webhook delivery");
                }
            })
            .await;
        Ok(attempted)
    }

    async fn attempt(&self, delivery: &Claimed) -> Result<(), StoreError> {
        let attempted_at = crate::accounts::now();
        let message = Message {
            event_id: delivery.event_id,
            event: &delivery.event,
            payload: &delivery.payload,
            webhook_id: delivery.webhook_id,
            created_at: delivery.created_at,
        };
        let sent = match self.sealer.open(delivery.webhook_id, &delivery.secret) {
            Ok(secret) => self.send(&delivery.url, &secret, &message).await,
            Err(err) => Sent {
                status: None,
                error: Some(err.to_string()),
                retry_after: None,
                latency: Duration::ZERO,
            },
        };
        let settle = settle(
            &sent,
            delivery.attempts,
            &self.schedule,
            Utc::now().timestamp_millis(),
        );
        metrics::counter!("webhook_deliveries_total", "outcome" => outcome_label(settle))
            .increment(1);
        let attempt = attempt_record(delivery.event_id, &delivery.event, attempted_at, &sent);
        self.store.settle(delivery, settle, &attempt).await
    }

    /// Polls every `every` until dropped.
    pub fn spawn(self: Arc<Self>, every: Duration) -> WorkerGuard {
        WorkerGuard(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut pruned_at: Option<Instant> = None;
            loop {
                ticks.tick().await;
                if pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                    pruned_at = Some(Instant::now());
                    let before = Utc::now().timestamp_millis() - millis(RETENTION);
                    if let Err(err) = self.store.prune(before).await {
                        tracing::warn!(error = %err, "could not prune old webhook deliveries");
                    }
                }
                // A full batch suggests more are due: go again at once.
                loop {
                    match self.run_once().await {
                        Ok(n) if i64::try_from(n) == Ok(BATCH) => continue,
                        Ok(_) => break,
                        Err(err) => {
                            tracing::warn!(error = %err, "could not claim webhook deliveries");
                            break;
                        }
                    }
                }
            }
        }))
    }
}

/// Stops the delivery worker when dropped, on every exit path of `launch`. An attempt cut
/// short is retried when its lease ends.
pub struct WorkerGuard(tokio::task::JoinHandle<()>);

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The log entry of one attempt.
pub fn attempt_record(
    event_id: Uuid,
    event: &str,
    attempted_at: chrono::DateTime<Utc>,
    sent: &Sent,
) -> Attempt {
    Attempt {
        event_id,
        event: event.to_owned(),
        attempted_at,
        status_code: sent.status.map(|s| s.as_u16()),
        error: sent.error.clone(),
        latency_ms: millis(sent.latency),
    }
}

/// What an attempt means for its delivery: any 2xx is delivered, `410` is gone; anything else
/// retries after the schedule's next delay (±20 % jitter, at least the receiver's
/// `Retry-After`), or fails once the schedule is spent.
pub fn settle(sent: &Sent, attempts_before: i32, schedule: &[Duration], now_ms: i64) -> Settle {
    match sent.status {
        Some(status) if status.is_success() => return Settle::Delivered,
        Some(status) if status == StatusCode::GONE => return Settle::Gone,
        _ => {}
    }
    let Some(&delay) = usize::try_from(attempts_before)
        .ok()
        .and_then(|n| schedule.get(n))
    else {
        return Settle::Failed;
    };
    let jittered = delay.mul_f64(rand::rng().random_range(0.8..=1.2));
    let wait = sent
        .retry_after
        .map_or(jittered, |asked| jittered.max(asked.min(MAX_RETRY_AFTER)));
    Settle::RetryAt(now_ms + millis(wait))
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(value: &str) -> Option<Duration> {
    if let Ok(secs) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value.trim()).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// Bounded metric labels.
fn outcome_label(settle: Settle) -> &'static str {
    match settle {
        Settle::Delivered => "delivered",
        Settle::RetryAt(_) => "retry",
        Settle::Failed => "failed",
        Settle::Gone => "gone",
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(status: Option<u16>, retry_after: Option<u64>) -> Sent {
        Sent {
            status: status.map(|s| StatusCode::from_u16(s).unwrap()),
            error: None,
            retry_after: retry_after.map(Duration::from_secs),
            latency: Duration::ZERO,
        }
    }

    #[test]
    fn outcomes_follow_the_status_and_the_schedule() {
        let schedule = [Duration::from_secs(5), Duration::from_secs(300)];
        assert_eq!(
            settle(&sent(Some(204), None), 0, &schedule, 0),
            Settle::Delivered
        );
        assert_eq!(
            settle(&sent(Some(410), None), 0, &schedule, 0),
            Settle::Gone
        );
        let Settle::RetryAt(first) = settle(&sent(Some(500), None), 0, &schedule, 0) else {
            panic!("a first failure retries");
        };
        assert!((4_000..=6_000).contains(&first), "{first}");
        let Settle::RetryAt(second) = settle(&sent(None, None), 1, &schedule, 0) else {
            panic!("a second failure retries");
        };
        assert!((240_000..=360_000).contains(&second), "{second}");
        assert_eq!(
            settle(&sent(Some(302), None), 2, &schedule, 0),
            Settle::Failed
        );
    }

    #[test]
    fn retry_after_is_honoured_but_bounded() {
        let schedule = [Duration::from_secs(5)];
        let Settle::RetryAt(at) = settle(&sent(Some(429), Some(120)), 0, &schedule, 1_000) else {
            panic!("retries");
        };
        assert_eq!(at, 121_000);
        let Settle::RetryAt(at) = settle(&sent(Some(503), Some(10_000_000)), 0, &schedule, 0)
        else {
            panic!("retries");
        };
        assert_eq!(at, 86_400_000);
        assert_eq!(retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
    }
}
