//! Webhooks end to end: a real receiver on 127.0.0.1:0 that verifies both signatures as a
//! subscriber would, the simulator driving account transitions, and the real service.

mod durability;
mod events;
mod management;
mod records;
mod replicas;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac as _};
use jamf_directory::settings::Settings;
use serde_json::Value;
use sha2::Sha256;

use crate::support::{TestApp, caller, test_settings};

pub const HOOKS_ID: &str = "hooks";
pub const HOOKS_SECRET: &str = "hooks-secret-0123456789";
/// Standard Webhooks receivers refuse timestamps further than this from their clock.
const TOLERANCE_SECS: i64 = 300;

/// Test settings plus a caller holding the account and webhook scopes, private receivers
/// allowed, quick polling and one-second retries (no real schedule waits).
pub fn hook_settings() -> Settings {
    let mut settings = test_settings();
    settings.auth.clients.push(caller(
        HOOKS_ID,
        HOOKS_SECRET,
        &[
            "accounts:read",
            "accounts:write",
            "webhooks:read",
            "webhooks:write",
        ],
        &["*"],
    ));
    settings.webhooks.allow_private_networks = true;
    settings.webhooks.poll_interval_ms = 50;
    settings.webhooks.retry_schedule_secs = vec![1; 20];
    settings
}

/// What a subscriber concludes about one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    BadSignature,
    /// Signed correctly, but too old (or too far ahead): a replay.
    Stale,
}

/// One request as received, kept raw so it can be verified again (or replayed).
#[derive(Debug, Clone)]
pub struct Received {
    /// The status the receiver answered with.
    pub answered: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub json: Value,
}

impl Received {
    pub fn delivered(&self) -> bool {
        (200..300).contains(&self.answered)
    }

    pub fn id(&self) -> String {
        self.header("webhook-id")
    }

    pub fn event(&self) -> &str {
        self.json["event"].as_str().unwrap_or_default()
    }

    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// Verifies both signatures with `secret` at time `now` (Unix seconds), the way the README
    /// tells subscribers to.
    pub fn verify(&self, secret: &str, now: i64) -> Verdict {
        let truto = format!(
            "format=sha256,v={}",
            hex::encode(hmac(secret.as_bytes(), &self.body))
        );
        let id = self.id();
        let stamp = self.header("webhook-timestamp");
        let Some(key) = secret
            .strip_prefix("whsec_")
            .and_then(|k| STANDARD.decode(k).ok())
        else {
            return Verdict::BadSignature;
        };
        let signed = [id.as_bytes(), b".", stamp.as_bytes(), b".", &self.body].concat();
        let expected = format!("v1,{}", STANDARD.encode(hmac(&key, &signed)));
        let standard_ok = self
            .header("webhook-signature")
            .split(' ')
            .any(|s| s == expected);
        if self.header("x-truto-signature") != truto || !standard_ok || self.json["id"] != id {
            return Verdict::BadSignature;
        }
        match stamp.parse::<i64>() {
            Ok(at) if (now - at).abs() <= TOLERANCE_SECS => Verdict::Valid,
            _ => Verdict::Stale,
        }
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

#[derive(Default)]
struct Inbox {
    received: Mutex<Vec<Received>>,
    /// The status to answer with; 0 means 204.
    answer: AtomicU16,
}

/// A webhook receiver on 127.0.0.1:0 that records every request and answers with a status the
/// test sets. Stops when dropped.
pub struct Receiver {
    pub url: String,
    inbox: Arc<Inbox>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Self {
        let inbox = Arc::new(Inbox::default());
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("receiver");
        });
        Self { url, inbox, task }
    }

    /// Answer every following request with `status`.
    pub fn answer(&self, status: u16) {
        self.inbox.answer.store(status, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until a request for each of `events` (names, in any order, repeated names count)
    /// has been answered 2xx; returns everything received.
    pub async fn wait_for(&self, events: &[&str]) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            let mut missing: Vec<&str> = events.to_vec();
            for r in received.iter().filter(|r| r.delivered()) {
                if let Some(i) = missing.iter().position(|e| *e == r.event()) {
                    missing.remove(i);
                }
            }
            if missing.is_empty() {
                return received;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "still missing {missing:?}; received {:?}",
                received.iter().map(Received::event).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(State(inbox): State<Arc<Inbox>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let status = match inbox.answer.load(Ordering::SeqCst) {
        0 => StatusCode::NO_CONTENT,
        status => StatusCode::from_u16(status).expect("status"),
    };
    inbox
        .received
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Received {
            answered: status.as_u16(),
            headers,
            body,
            json,
        });
    status
}

/// `POST /webhooks` for `url`; returns (id, secret).
pub async fn subscribe(app: &TestApp, token: &str, url: &str, tenant: &str) -> (String, String) {
    let response = app
        .client
        .post(app.url("/webhooks"))
        .bearer_auth(token)
        .json(&serde_json::json!({"url": url, "tenant_id": tenant}))
        .send()
        .await
        .expect("create webhook");
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("JSON");
    (
        body["id"].as_str().expect("id").to_owned(),
        body["secret"].as_str().expect("secret").to_owned(),
    )
}

/// The distinct `webhook-id`s among `received` with event `event`.
pub fn ids_of(received: &[Received], event: &str) -> BTreeSet<String> {
    received
        .iter()
        .filter(|r| r.event() == event)
        .map(Received::id)
        .collect()
}

pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}
