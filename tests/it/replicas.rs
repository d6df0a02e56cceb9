//! Many replicas, one service: three replicas on one PostgreSQL database (a schema of the
//! test's own) and a Redis the test starts itself, against the simulator.

mod budget;
mod outage;
mod poisoning;
mod progress;
mod quotas;
mod resume;
mod single_fetch;
mod takeover;

use std::time::{Duration, Instant};

use jamf_directory::settings::Settings;
use jamf_sim::SimServer;
use secrecy::SecretString;
use serde_json::Value;

use crate::support::redis_server::RedisServer;
use crate::support::{
    PgSchema, TestApp, bearer, connect_sim, redis_server, spawn_app, test_settings,
};

const USERS: &str = "/unified/user-directory/users";
/// Base64 of 32 bytes; test-only (PostgreSQL needs a configured key).
const ENCRYPTION_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// Replicas of one deployment: the same database, the same Redis, the same key prefix.
pub struct Replicas {
    pub apps: Vec<TestApp>,
    /// A token of the "admin" caller from each replica (tokens name their replica as issuer).
    pub tokens: Vec<String>,
    pub redis: RedisServer,
    schema: PgSchema,
}

impl Replicas {
    /// `None` (the test skips, saying so) without PostgreSQL outside CI.
    pub async fn start(count: usize, configure: impl Fn(&mut Settings)) -> Option<Self> {
        let schema = PgSchema::create().await?;
        let redis = redis_server(None).await?;
        let mut apps = Vec::new();
        for _ in 0..count {
            apps.push(spawn_app(replica_settings(&schema.url, &redis.url(), &configure)).await);
        }
        let mut tokens = Vec::new();
        for app in &apps {
            tokens.push(bearer(app).await);
        }
        Some(Self {
            apps,
            tokens,
            redis,
            schema,
        })
    }

    /// Connects `sim` through the first replica; every replica sees the account.
    pub async fn connect(&self, sim: &SimServer, tenant: &str) -> String {
        connect_sim(&self.apps[0], &self.tokens[0], sim, tenant).await
    }

    /// `GET path_and_query` on replica `n` (modulo the count) with its token.
    pub async fn get(&self, n: usize, path_and_query: &str) -> reqwest::Response {
        self.get_with(n, path_and_query, &[]).await
    }

    pub async fn get_with(
        &self,
        n: usize,
        path_and_query: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let n = n % self.apps.len();
        let app = &self.apps[n];
        let mut request = app
            .client
            .get(app.url(path_and_query))
            .bearer_auth(&self.tokens[n]);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request")
    }

    /// Replica `n`'s readiness answer (status and JSON).
    pub async fn ready(&self, n: usize) -> (u16, Value) {
        let app = &self.apps[n];
        let response = app
            .client
            .get(app.url("/health/ready"))
            .send()
            .await
            .expect("ready");
        let status = response.status().as_u16();
        (status, response.json().await.expect("ready JSON"))
    }

    /// Polls every replica's readiness until it reports `redis` as `want`.
    pub async fn wait_for_redis(&self, want: &str) {
        for n in 0..self.apps.len() {
            let started = Instant::now();
            loop {
                let (status, body) = self.ready(n).await;
                assert_eq!(status, 200, "replica {n} stays ready: {body}");
                if body["redis"] == want {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "replica {n} never reported redis {want}: {body}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    pub async fn stop(self) {
        for app in self.apps {
            app.stop().await.expect("clean stop");
        }
        self.schema.drop().await;
    }
}

/// Test settings for one replica of the deployment on `database_url` and `redis_url`.
pub fn replica_settings(
    database_url: &str,
    redis_url: &str,
    configure: &impl Fn(&mut Settings),
) -> Settings {
    let mut settings = test_settings();
    settings.storage.database_url = database_url.to_owned();
    settings.storage.encryption_key = Some(SecretString::from(ENCRYPTION_KEY));
    settings.redis.url = Some(SecretString::from(redis_url.to_owned()));
    configure(&mut settings);
    settings
}

/// Keys of `redis` matching `pattern`.
pub async fn keys(redis: &RedisServer, pattern: &str) -> Vec<String> {
    let mut conn = redis.connection().await;
    redis::cmd("KEYS")
        .arg(pattern)
        .query_async(&mut conn)
        .await
        .expect("KEYS")
}

/// Jamf permits held and not expired, over every instance (by Redis's clock).
pub async fn live_permits(redis: &RedisServer) -> u64 {
    let mut conn = redis.connection().await;
    let (secs, micros): (u64, u64) = redis::cmd("TIME").query_async(&mut conn).await.unwrap();
    let now_ms = secs * 1000 + micros / 1000;
    let mut held = 0;
    for key in keys(redis, "*:permits:*").await {
        let live: u64 = redis::cmd("ZCOUNT")
            .arg(&key)
            .arg(format!("({now_ms}"))
            .arg("+inf")
            .query_async(&mut conn)
            .await
            .unwrap();
        held += live;
    }
    held
}

/// Polls until no replica holds a Jamf permit.
pub async fn wait_until_no_permits_are_held(redis: &RedisServer) {
    let started = Instant::now();
    while live_permits(redis).await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "Jamf permits were never given back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The count of `status` among `statuses`.
pub fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}
