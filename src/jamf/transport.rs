//! One HTTP exchange with a Jamf instance: the per-instance concurrency bound, the per-request
//! timeout, retries of idempotent GETs, the streaming response-size cap, status mapping and
//! metrics. Knows nothing of tokens (see `token`) or of what the bodies mean (see `plan`).
//!
//! Redirects are never followed: the shared client uses `redirect::Policy::none()` and a 3xx
//! becomes [`JamfError::Upstream`]. Jamf's API does not redirect, and following one could leave
//! the checked host while carrying a bearer token.

mod health;

use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use reqwest::{Method, RequestBuilder, StatusCode};
use url::Url;

use super::budget::InstanceLimiter;
use super::endpoints::Endpoint;
use super::error::{JamfError, truncated_body};
use super::url_policy::UrlRefusal;
use crate::settings::UpstreamSettings;

/// First retry delay; short so a blip costs little and tests stay fast. Doubles, jittered.
const RETRY_BASE_DELAY: Duration = Duration::from_millis(150);
const RETRY_MAX_DELAY: Duration = Duration::from_secs(2);

/// The limits every exchange obeys, taken from `[upstream]`.
#[derive(Debug, Clone)]
pub(crate) struct UpstreamBounds {
    pub(crate) timeout: Duration,
    pub(crate) deadline: Duration,
    pub(crate) max_retries: usize,
    pub(crate) max_response_bytes: usize,
    pub(crate) max_records: usize,
    /// Requests in flight per instance; also how many futures a plan keeps going at once.
    pub(crate) max_concurrency: usize,
    /// Least time between two reads of an instance's `/api/v1/health-status`.
    pub(crate) health_interval: Duration,
}

impl From<&UpstreamSettings> for UpstreamBounds {
    fn from(s: &UpstreamSettings) -> Self {
        Self {
            timeout: Duration::from_secs(s.timeout_secs),
            deadline: Duration::from_secs(s.deadline_secs),
            max_retries: s.max_retries,
            max_response_bytes: s.max_response_bytes,
            max_records: s.max_records,
            max_concurrency: s.max_concurrency.max(1),
            health_interval: Duration::from_secs(s.health_status_interval_secs),
        }
    }
}

/// How to talk to one Jamf instance.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) limiter: Arc<InstanceLimiter>,
    pub(crate) limits: Arc<UpstreamBounds>,
}

/// A failed attempt and whether trying again could help.
struct Attempt {
    error: JamfError,
    retryable: bool,
}

impl Transport {
    /// The absolute URL of `path` (which starts with `/`) under the instance base URL, keeping
    /// an on-prem context path such as `/jss`.
    pub(crate) fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!("{}{path}", self.base.path().trim_end_matches('/')));
        url
    }

    /// A GET, retried on connect errors, timeouts and 500/502/503/504 with jittered exponential
    /// backoff. Returns the body of a 2xx answer.
    pub(crate) async fn get(
        &self,
        endpoint: Endpoint,
        build: impl Fn(RequestBuilder) -> RequestBuilder,
        path: &str,
    ) -> Result<Vec<u8>, JamfError> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(RETRY_BASE_DELAY)
            .with_max_delay(RETRY_MAX_DELAY)
            .with_max_times(self.limits.max_retries)
            .with_jitter();
        let url = self.url(path);
        self.read_health_when_due(|| build(self.http.request(Method::GET, url.clone())));
        let attempt =
            || self.exchange(endpoint, build(self.http.request(Method::GET, url.clone())));
        attempt
            .retry(backoff)
            .when(|a: &Attempt| a.retryable)
            .notify(|a: &Attempt, delay: Duration| {
                tracing::debug!(endpoint = endpoint.template, error = %a.error, ?delay, "retrying Jamf GET");
            })
            .await
            .map_err(|a| a.error)
    }

    /// A POST, never retried (token requests are not idempotent GETs).
    pub(crate) async fn post(
        &self,
        endpoint: Endpoint,
        build: impl FnOnce(RequestBuilder) -> RequestBuilder,
    ) -> Result<Vec<u8>, JamfError> {
        let request = build(self.http.request(Method::POST, self.url(endpoint.template)));
        self.exchange(endpoint, request).await.map_err(|a| a.error)
    }

    /// One request under the instance's concurrency bound and the per-request timeout.
    async fn exchange(
        &self,
        endpoint: Endpoint,
        request: RequestBuilder,
    ) -> Result<Vec<u8>, Attempt> {
        let permit = self.limiter.acquire().await.map_err(|_| Attempt {
            error: JamfError::Unreachable {
                reason: "the Jamf request limiter was closed".into(),
            },
            retryable: false,
        })?;
        let _inflight = InFlight::start();
        let started = Instant::now();
        let outcome =
            tokio::time::timeout(self.limits.timeout, self.send_and_read(endpoint, request))
                .await
                .unwrap_or_else(|_| {
                    Err(Attempt {
                        error: JamfError::Timeout {
                            endpoint: endpoint.template,
                            after: self.limits.timeout,
                        },
                        retryable: true,
                    })
                });
        let status = match &outcome {
            Ok((status, _)) => response_label(*status),
            Err(a) => status_label(&a.error),
        };
        metrics::counter!("jamf_requests_total", "endpoint" => endpoint.template, "status" => status)
            .increment(1);
        metrics::histogram!("jamf_request_duration_seconds", "endpoint" => endpoint.template)
            .record(started.elapsed().as_secs_f64());
        permit.record(health::load_of(&outcome));
        let (status, body) = outcome?;
        classify(endpoint, status, body)
    }

    async fn send_and_read(
        &self,
        endpoint: Endpoint,
        request: RequestBuilder,
    ) -> Result<(StatusCode, Vec<u8>), Attempt> {
        let mut response = request.send().await.map_err(transport_failure)?;
        let status = response.status();
        let limit = self.limits.max_response_bytes;
        let too_large = || Attempt {
            error: JamfError::ResponseTooLarge {
                endpoint: endpoint.template,
                limit,
            },
            retryable: false,
        };
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Err(too_large());
        }
        // Read chunk by chunk so an oversized body is refused before it is all in memory.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_failure)? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, body))
    }
}

/// Maps a status to the body (2xx) or a typed error; 500/502/503/504 may be retried.
fn classify(endpoint: Endpoint, status: StatusCode, body: Vec<u8>) -> Result<Vec<u8>, Attempt> {
    if status.is_success() {
        return Ok(body);
    }
    let body = truncated_body(&body);
    let error = match status {
        StatusCode::UNAUTHORIZED => JamfError::Unauthorized { body },
        StatusCode::FORBIDDEN => JamfError::Forbidden {
            endpoint: endpoint.template,
            privilege: endpoint.privilege,
            body,
        },
        StatusCode::NOT_FOUND => JamfError::NotFound {
            endpoint: endpoint.template,
            body,
        },
        _ => JamfError::Upstream {
            endpoint: endpoint.template,
            status: status.as_u16(),
            body,
        },
    };
    // A 500 on an idempotent GET is often a passing fault of one Jamf node: retried too.
    let retryable = matches!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    );
    Err(Attempt { error, retryable })
}

/// Connect errors are retried; a refused address (our resolver) and mid-stream failures are not.
fn transport_failure(err: reqwest::Error) -> Attempt {
    if let Some(refusal) = find_refusal(&err) {
        return Attempt {
            error: JamfError::Refused(refusal),
            retryable: false,
        };
    }
    let retryable = err.is_connect();
    // Without the URL (it is in the account record already), with the causes reqwest nests.
    let err = err.without_url();
    let mut reason = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        reason = format!("{reason}: {cause}");
        source = cause.source();
    }
    Attempt {
        error: JamfError::Unreachable { reason },
        retryable,
    }
}

fn find_refusal(err: &(dyn std::error::Error + 'static)) -> Option<UrlRefusal> {
    let mut source = Some(err);
    while let Some(current) = source {
        if let Some(refusal) = current.downcast_ref::<UrlRefusal>() {
            return Some(refusal.clone());
        }
        source = current.source();
    }
    None
}

/// A status Jamf answered, as a metric label: registered codes as themselves, any other
/// (a hostile Jamf can answer 100–999) as `other`, so one instance cannot add a series per code.
fn response_label(status: StatusCode) -> String {
    if status.canonical_reason().is_some() {
        status.as_str().to_owned()
    } else {
        "other".to_owned()
    }
}

fn status_label(error: &JamfError) -> String {
    match error {
        JamfError::Timeout { .. } => "timeout",
        JamfError::Refused(_) => "refused",
        JamfError::ResponseTooLarge { .. } => "too_large",
        _ => "unreachable",
    }
    .to_owned()
}

/// Keeps `jamf_inflight_requests` right even when a request future is dropped mid-way.
struct InFlight;

impl InFlight {
    fn start() -> Self {
        metrics::gauge!("jamf_inflight_requests").increment(1.0);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("jamf_inflight_requests").decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_registered_statuses_are_their_own_label() {
        for (code, label) in [
            (200, "200"),
            (401, "401"),
            (429, "429"),
            (503, "503"),
            (599, "other"),
            (299, "other"),
            (999, "other"),
            (100, "100"),
        ] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(response_label(status), label, "{code}");
        }
        let labels: std::collections::HashSet<_> = (100..1000)
            .map(|code| response_label(StatusCode::from_u16(code).unwrap()))
            .collect();
        assert!(labels.len() <= 70, "{} labels", labels.len());
    }
}
