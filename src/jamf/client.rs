//! [`JamfClient`]: one integrated account's view of its Jamf instance — authenticated GETs with
//! one re-authentication on a 401, the cached version, and the validation probe. The fetch
//! plans built on it live in `plan`.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;
use url::Url;

use super::endpoints::{self, Endpoint};
use super::error::JamfError;
use super::progress::FetchRun;
use super::records::{
    ClassicAccountList, JamfProVersionResponse, JamfVersion, V1AccountPage, parse_json,
};
use super::token::{Bearer, JamfCredentials, TokenSource};
use super::transport::Transport;

/// Talks to one Jamf instance with one set of credentials; cheap to clone.
#[derive(Clone)]
pub struct JamfClient {
    inner: Arc<Inner>,
    /// The fetch this client is running, if any: its GETs count there and are looked up in
    /// its memo first.
    run: Option<FetchRun>,
}

struct Inner {
    transport: Transport,
    tokens: TokenSource,
    version: OnceCell<JamfVersion>,
}

impl fmt::Debug for JamfClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only the URL: the credentials stay out of every rendering.
        f.debug_struct("JamfClient")
            .field("instance_url", &self.inner.transport.base.as_str())
            .finish_non_exhaustive()
    }
}

impl JamfClient {
    pub(crate) fn new(transport: Transport, credentials: JamfCredentials) -> Self {
        Self {
            inner: Arc::new(Inner {
                transport,
                tokens: TokenSource::new(credentials),
                version: OnceCell::new(),
            }),
            run: None,
        }
    }

    /// This client running `run`: every GET counts in its progress, and one the run's memo
    /// holds from an earlier attempt is answered from there instead of Jamf.
    pub fn for_fetch(&self, run: FetchRun) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            run: Some(run),
        }
    }

    /// Tells the run's progress that `reads` more GETs are now known to be needed.
    pub(crate) fn plan(&self, reads: usize) {
        if let Some(run) = &self.run {
            run.progress.plan(reads);
        }
    }

    /// The normalized instance URL this client calls.
    pub fn instance_url(&self) -> &Url {
        &self.inner.transport.base
    }

    /// Drops the cached token and obtains a new one (`refresh-credentials`); a refusal is
    /// [`JamfError::Unauthorized`].
    pub async fn refresh_token(&self) -> Result<(), JamfError> {
        self.within_call_deadline(self.inner.tokens.force_new(&self.inner.transport))
            .await
    }

    /// The Jamf Pro version, read once per client (`GET /api/v1/jamf-pro-version`).
    pub async fn version(&self) -> Result<JamfVersion, JamfError> {
        self.within_call_deadline(self.version_unbounded()).await
    }

    /// The validation probe: can these credentials read the administrator accounts? Reads one
    /// entry of the v1 list where Jamf has it, else the Classic list. `Forbidden` names the
    /// missing privilege.
    pub async fn can_read_accounts(&self) -> Result<(), JamfError> {
        self.within_call_deadline(async {
            if self.version_unbounded().await?.supports_v1_accounts() {
                let query = [("page", "0".to_owned()), ("page-size", "1".to_owned())];
                self.get::<V1AccountPage>(
                    endpoints::V1_ACCOUNTS,
                    endpoints::V1_ACCOUNTS.template,
                    &query,
                )
                .await
                .map(drop)
            } else {
                let path = endpoints::CLASSIC_ACCOUNTS.template;
                self.get::<ClassicAccountList>(endpoints::CLASSIC_ACCOUNTS, path, &[])
                    .await
                    .map(drop)
            }
        })
        .await
    }

    pub(crate) async fn version_unbounded(&self) -> Result<JamfVersion, JamfError> {
        self.inner
            .version
            .get_or_try_init(|| async {
                let endpoint = endpoints::VERSION;
                let body: JamfProVersionResponse =
                    self.get(endpoint, endpoint.template, &[]).await?;
                body.parsed().ok_or_else(|| JamfError::Parse {
                    endpoint: endpoint.template,
                    reason: format!("unrecognized version {:?}", body.version),
                })
            })
            .await
            .copied()
    }

    /// Runs a whole fetch inside `upstream.deadline_secs` (retries included).
    pub(crate) async fn within_deadline<T>(
        &self,
        work: impl Future<Output = Result<T, JamfError>>,
    ) -> Result<T, JamfError> {
        bounded(self.inner.transport.limits.deadline, work).await
    }

    /// Runs the few calls a caller waits for in person (validation, `refresh-credentials`)
    /// inside [`CALL_DEADLINE`], or the fetch deadline when that is shorter.
    async fn within_call_deadline<T>(
        &self,
        work: impl Future<Output = Result<T, JamfError>>,
    ) -> Result<T, JamfError> {
        bounded(
            self.inner.transport.limits.deadline.min(CALL_DEADLINE),
            work,
        )
        .await
    }

    /// Notes the `totalCount` a list reported, for the fetch's account of its reads.
    pub(crate) fn total(&self, endpoint: Endpoint, total_count: u64) {
        if let Some(run) = &self.run {
            run.progress.total(endpoint.template, total_count);
        }
    }

    /// How many requests a plan keeps going at once (the per-instance bound).
    pub(crate) fn parallelism(&self) -> usize {
        self.inner.transport.limits.max_concurrency
    }

    /// Refuses a fetch that would hold more than `upstream.max_records` records.
    pub(crate) fn within_record_limit(&self, reported: usize) -> Result<(), JamfError> {
        let limit = self.inner.transport.limits.max_records;
        if reported > limit {
            return Err(JamfError::TooManyRecords {
                reported: reported as u64,
                limit,
            });
        }
        Ok(())
    }

    /// An authenticated GET of `path` parsed as `T`. On a 401 it gets one new token and tries
    /// once more; a second 401 is returned as [`JamfError::Unauthorized`].
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, JamfError> {
        let parse = |body: &[u8]| {
            parse_json(body).map_err(|e| JamfError::Parse {
                endpoint: endpoint.template,
                reason: e.to_string(),
            })
        };
        let Some(run) = &self.run else {
            return parse(&self.get_body(endpoint, path, query).await?);
        };
        let request = memo_key(path, query);
        let (body, outcome) = match run.memo.recall(&request).await {
            Some(body) => (body, RECALLED),
            None => {
                let body: Arc<[u8]> = match self.get_body(endpoint, path, query).await {
                    Ok(body) => body.into(),
                    Err(err) => {
                        run.progress.answered(endpoint.template, &err.outcome());
                        return Err(err);
                    }
                };
                run.memo.keep(&request, Arc::clone(&body)).await;
                (body, "200")
            }
        };
        run.progress.answered(endpoint.template, outcome);
        run.progress.read_done();
        parse(&body)
    }

    /// One authenticated GET's body, with one new token and retry on a 401.
    async fn get_body(
        &self,
        endpoint: Endpoint,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<u8>, JamfError> {
        let transport = &self.inner.transport;
        let bearer = self.inner.tokens.bearer(transport).await?;
        match self.get_with(&bearer, endpoint, path, query).await {
            Err(JamfError::Unauthorized { .. }) => {
                let rejected_at = Instant::now();
                let fresh = self
                    .inner
                    .tokens
                    .after_rejection(transport, &bearer, rejected_at)
                    .await?;
                self.get_with(&fresh, endpoint, path, query).await
            }
            other => other,
        }
    }

    async fn get_with(
        &self,
        bearer: &Bearer,
        endpoint: Endpoint,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<u8>, JamfError> {
        let build = |request: reqwest::RequestBuilder| {
            request
                .bearer_auth(bearer.token.expose_secret())
                .query(query)
        };
        self.inner.transport.get(endpoint, build, path).await
    }
}

/// The outcome of a read answered from the memo: Jamf answered it 200 to an earlier attempt
/// of the same fetch, and was not asked again.
const RECALLED: &str = "recalled";

/// How long a caller-facing call (validation, `refresh-credentials`) may take at most,
/// retries included: these answer a request in person, unlike a fetch, which runs on its own.
const CALL_DEADLINE: Duration = Duration::from_secs(60);

async fn bounded<T>(
    after: Duration,
    work: impl Future<Output = Result<T, JamfError>>,
) -> Result<T, JamfError> {
    tokio::time::timeout(after, work)
        .await
        .unwrap_or(Err(JamfError::DeadlineExceeded { after }))
}

/// A GET's identity in a fetch's memo: path and query as sent.
fn memo_key(path: &str, query: &[(&str, String)]) -> String {
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    format!("{path}?{query}")
}
