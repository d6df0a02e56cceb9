//! The process-wide entry point: one HTTP client (connection pool, DNS policy, no redirects)
//! and one concurrency limiter per Jamf instance, handed out to per-account [`JamfClient`]s.

use std::sync::Arc;

use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use url::Url;

use super::budget::{LimiterRegistry, SharedBudgetConfig};
use super::client::JamfClient;
use super::token::JamfCredentials;
use super::transport::{Transport, UpstreamBounds};
use super::url_policy::{PublicOnlyResolver, UrlRefusal, check_instance_url};
use crate::settings::UpstreamSettings;

/// Shared by every Jamf client of the process; cheap to clone.
#[derive(Debug, Clone)]
pub struct JamfHub {
    inner: Arc<HubInner>,
}

#[derive(Debug)]
struct HubInner {
    http: reqwest::Client,
    limiters: LimiterRegistry,
    limits: Arc<UpstreamBounds>,
    allow_private_networks: bool,
}

impl JamfHub {
    /// Builds the shared HTTP client. Fails only if the TLS backend cannot start. With
    /// `shared`, every request also holds a permit of a budget other replicas share.
    pub fn new(
        settings: &UpstreamSettings,
        shared: Option<SharedBudgetConfig>,
    ) -> Result<Self, reqwest::Error> {
        let limits = UpstreamBounds::from(settings);
        let mut headers = HeaderMap::new();
        // Jamf's Classic API answers XML unless asked for JSON.
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .user_agent(concat!("jamf-directory/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .dns_resolver(Arc::new(PublicOnlyResolver {
                allow_private_networks: settings.allow_private_networks,
            }))
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, bypassing the resolver's address policy.
            .no_proxy()
            .connect_timeout(limits.timeout)
            .build()?;
        Ok(Self {
            inner: Arc::new(HubInner {
                http,
                limiters: LimiterRegistry::new(
                    limits.max_concurrency,
                    limits.health_interval,
                    shared,
                ),
                limits: Arc::new(limits),
                allow_private_networks: settings.allow_private_networks,
            }),
        })
    }

    /// A client for one integrated account. The URL is checked again (it may come from a
    /// store written under a laxer policy) and normalized; clients of the same instance share
    /// its concurrency limit.
    pub fn client(
        &self,
        instance_url: &Url,
        credentials: JamfCredentials,
    ) -> Result<JamfClient, UrlRefusal> {
        let base = check_instance_url(instance_url.as_str(), self.inner.allow_private_networks)?;
        let transport = Transport {
            http: self.inner.http.clone(),
            limiter: self.inner.limiters.for_instance(&base),
            limits: Arc::clone(&self.inner.limits),
            base,
        };
        Ok(JamfClient::new(transport, credentials))
    }

    /// The current adaptive concurrency limit of `instance_url`'s instance, `None` while this
    /// process holds no client of it.
    pub fn concurrency_limit(&self, instance_url: &Url) -> Option<usize> {
        let base =
            check_instance_url(instance_url.as_str(), self.inner.allow_private_networks).ok()?;
        self.inner.limiters.limit_of(&base)
    }
}
