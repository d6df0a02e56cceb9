//! Fault injection through the real service: the simulator misbehaves (error rates, hangs,
//! revoked tokens, a slow token endpoint, Jamf going away) while concurrent callers list,
//! get and refresh. Every request must end within the deadline with 200 or the right remote
//! error envelope, nothing may stay hung, no error may be cached, and the account's status
//! must follow only what Jamf said about the credentials. Outcome counts are printed so they
//! can be quoted (`cargo nextest run faults --no-capture`).

mod auth;
mod errors;
mod outages;

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use jamf_directory::settings::Settings;
use jamf_sim::{SimConfig, SimServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{
    ADMIN_ID, ADMIN_SECRET, TestApp, access_token, connect_sim, spawn_app, test_settings,
};

const USERS: &str = "/unified/user-directory/users";
/// Small upstream limits keep the suite fast; the bound below is derived from them.
const TIMEOUT_SECS: u64 = 1;
const DEADLINE_SECS: u64 = 2;
/// The longest path is refresh-credentials on an account that is not `active`: token,
/// version and probe each run under their own deadline. The rest is a generous margin for a
/// loaded CI machine; this bounds hanging, it does not measure speed.
const BOUND: Duration = Duration::from_secs(3 * DEADLINE_SECS + 6);

fn settings() -> Settings {
    let mut settings = test_settings();
    settings.upstream.timeout_secs = TIMEOUT_SECS;
    settings.upstream.deadline_secs = DEADLINE_SECS;
    settings.upstream.max_retries = 1;
    settings.server.request_timeout_secs = 4 * DEADLINE_SECS;
    // Callers wait for the whole fetch here: the faults must show, not a 503 for a slow fetch.
    settings.server.fetch_wait_secs = 3 * DEADLINE_SECS;
    settings
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// `GET /users` with `Cache-Control: no-cache`: always a fresh directory fetch.
    List,
    /// `GET /users/{id}`: a single-account fetch on a cold cache, else the snapshot.
    Get,
    /// `POST /integrated-account/refresh-credentials`: a new Jamf token.
    Refresh,
}

/// Status counts per request kind, plus the slowest request.
#[derive(Default)]
struct Tally {
    counts: BTreeMap<(Kind, u16), usize>,
    slowest: Duration,
    /// The first error message per status, to show what callers were told.
    samples: BTreeMap<u16, String>,
}

impl Tally {
    fn of(&self, kind: Kind, status: u16) -> usize {
        self.counts.get(&(kind, status)).copied().unwrap_or(0)
    }

    fn merge(&mut self, other: Tally) {
        for (key, n) in other.counts {
            *self.counts.entry(key).or_default() += n;
        }
        self.slowest = self.slowest.max(other.slowest);
    }

    fn total(&self, status: u16) -> usize {
        self.counts
            .iter()
            .filter(|((_, s), _)| *s == status)
            .map(|(_, n)| n)
            .sum()
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for status in [200, 401, 502, 504] {
            write!(f, "{status}={} ", self.total(status))?;
        }
        let others: usize = self
            .counts
            .iter()
            .filter(|((_, s), _)| ![200, 401, 502, 504].contains(s))
            .map(|(_, n)| n)
            .sum();
        write!(f, "other={others} slowest={:?} | ", self.slowest)?;
        for ((kind, status), n) in &self.counts {
            write!(f, "{kind:?}:{status}={n} ")?;
        }
        Ok(())
    }
}

/// The service with one integrated account on a fresh simulator, its snapshot cache cold.
struct Rig {
    app: TestApp,
    sim: SimServer,
    token: String,
    account: String,
}

impl Rig {
    async fn start() -> Self {
        let sim = SimServer::start(SimConfig::default())
            .await
            .expect("simulator");
        let app = spawn_app(settings()).await;
        let token = access_token(&app, ADMIN_ID, ADMIN_SECRET).await;
        let account = connect_sim(&app, &token, &sim, "acme").await;
        Self {
            app,
            sim,
            token,
            account,
        }
    }

    /// One request of `kind`; returns its status and JSON body.
    async fn call(&self, kind: Kind, i: usize, fresh: bool) -> (StatusCode, Value) {
        let client = &self.app.client;
        let request = match kind {
            Kind::List => client.get(
                self.app
                    .url(&format!("{USERS}?integrated_account_id={}", self.account)),
            ),
            Kind::Get => client.get(self.app.url(&format!(
                "{USERS}/{}?integrated_account_id={}",
                i % 20 + 1,
                self.account
            ))),
            Kind::Refresh => client
                .post(self.app.url("/integrated-account/refresh-credentials"))
                .json(&json!({"id": self.account})),
        };
        let request = if fresh {
            request.header("cache-control", "no-cache")
        } else {
            request
        };
        let response = request.bearer_auth(&self.token).send().await.expect("send");
        let status = response.status();
        (status, response.json().await.expect("a JSON body"))
    }

    /// `per_kind` concurrent requests of each kind. Every one must finish within [`BOUND`]
    /// with 200 or one of `allowed` as a remote-error envelope.
    async fn batch(&self, name: &str, per_kind: usize, allowed: &[u16]) -> Tally {
        let calls = (0..per_kind).flat_map(|i| {
            [Kind::List, Kind::Get, Kind::Refresh].map(|kind| async move {
                let started = Instant::now();
                let (status, body) = self.call(kind, i, kind == Kind::List).await;
                (kind, status, body, started.elapsed())
            })
        });
        // All futures must complete: a hung connection fails here instead of stalling CI.
        let results = tokio::time::timeout(BOUND * 2, futures::future::join_all(calls))
            .await
            .unwrap_or_else(|_| panic!("{name}: requests still hanging after {:?}", BOUND * 2));
        let mut tally = Tally::default();
        for (kind, status, body, elapsed) in results {
            assert!(
                elapsed <= BOUND,
                "{name}: {kind:?} took {elapsed:?} (> {BOUND:?})"
            );
            tally.slowest = tally.slowest.max(elapsed);
            *tally.counts.entry((kind, status.as_u16())).or_default() += 1;
            if status == StatusCode::OK {
                continue;
            }
            assert!(
                allowed.contains(&status.as_u16()),
                "{name}: {kind:?} answered {status}, allowed 200 or {allowed:?}: {body}"
            );
            assert_eq!(body["statusCode"], status.as_u16(), "{name}: {body}");
            assert_eq!(body["truto_is_remote_error"], true, "{name}: {body}");
            tally
                .samples
                .entry(status.as_u16())
                .or_insert_with(|| body["message"].to_string());
        }
        println!("faults: {name}: {tally}");
        for (status, message) in &tally.samples {
            println!("faults: {name}: e.g. {status}: {message}");
        }
        tally
    }

    /// After faults are cleared: no request of the simulator stays in flight.
    async fn assert_idle(&self, name: &str) {
        let waited = Instant::now();
        while self.sim.control().stats().in_flight > 0 {
            assert!(
                waited.elapsed() < Duration::from_secs(10),
                "{name}: {} Jamf requests still in flight",
                self.sim.control().stats().in_flight
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Recovery without restart and without waiting for a TTL: a plain list, a forced
    /// refresh, a single get and a refresh-credentials all succeed at once. When no list
    /// succeeded under `during`, the plain list must have gone to Jamf: errors are not cached.
    async fn assert_recovered(&self, name: &str, during: &Tally) {
        self.assert_idle(name).await;
        self.sim.control().reset_stats();
        let (status, body) = self.call(Kind::List, 0, false).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{name}: first list after recovery: {body}"
        );
        if during.of(Kind::List, 200) == 0 {
            // Only for what the failed attempts had not read (they keep what they read).
            assert!(
                self.sim.control().stats().requests_total > 0,
                "{name}: the first list after recovery did not ask Jamf"
            );
        }
        for (kind, fresh) in [
            (Kind::List, true),
            (Kind::Get, false),
            (Kind::Refresh, false),
        ] {
            let (status, body) = self.call(kind, 0, fresh).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{name}: {kind:?} after recovery: {body}"
            );
        }
    }

    /// `status` and `last_error` of the integrated account.
    async fn account_status(&self) -> (String, Value) {
        let account: Value = self
            .app
            .client
            .get(
                self.app
                    .url(&format!("/integrated-account/{}", self.account)),
            )
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("get account")
            .json()
            .await
            .expect("JSON");
        let status = account["status"].as_str().expect("status").to_owned();
        (status, account["last_error"].clone())
    }

    async fn assert_status(&self, name: &str, expected: &str) {
        let (status, last_error) = self.account_status().await;
        assert_eq!(status, expected, "{name}: last_error {last_error}");
    }
}
