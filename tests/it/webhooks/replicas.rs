//! Three replicas on one PostgreSQL schema, all polling the same outbox: each event is sent by
//! one of them, once.

use std::collections::BTreeMap;

use jamf_sim::{SimConfig, SimServer};
use secrecy::SecretString;

use super::{HOOKS_ID, HOOKS_SECRET, Receiver, Verdict, hook_settings, unix_now};
use crate::support::{PgSchema, access_token, connect_sim, spawn_app};

/// Base64 of 32 bytes; test-only (PostgreSQL needs a configured key).
const ENCRYPTION_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const ACCOUNTS: usize = 8;

#[tokio::test]
async fn three_replicas_deliver_each_event_once() {
    let Some(schema) = PgSchema::create().await else {
        return;
    };
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let receiver = Receiver::start().await;
    let mut apps = Vec::new();
    for _ in 0..3 {
        let mut settings = hook_settings();
        settings.storage.database_url = schema.url.clone();
        settings.storage.encryption_key = Some(SecretString::from(ENCRYPTION_KEY));
        settings.webhooks.poll_interval_ms = 10;
        apps.push(spawn_app(settings).await);
    }
    let mut tokens = Vec::new();
    for app in &apps {
        tokens.push(access_token(app, HOOKS_ID, HOOKS_SECRET).await);
    }
    let (_, secret) = super::subscribe(&apps[0], &tokens[0], &receiver.url, "acme").await;
    // Changes made through every replica.
    for n in 0..ACCOUNTS {
        connect_sim(&apps[n % 3], &tokens[n % 3], &sim, "acme").await;
    }
    let expected: Vec<&str> =
        ["integrated_account:created", "integrated_account:active"].repeat(ACCOUNTS);
    let received = receiver.wait_for(&expected).await;

    let mut sent: BTreeMap<String, usize> = BTreeMap::new();
    for r in &received {
        assert_eq!(r.verify(&secret, unix_now()), Verdict::Valid);
        *sent.entry(r.id()).or_default() += 1;
    }
    assert_eq!(sent.len(), 2 * ACCOUNTS);
    let repeated: Vec<_> = sent.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "sent more than once: {repeated:?}");

    let mut conn = schema.admin().await;
    let states: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT state, COUNT(*) FROM {}.webhook_deliveries GROUP BY state",
        schema.name
    ))
    .fetch_all(&mut conn)
    .await
    .expect("states");
    assert_eq!(states, [("delivered".to_owned(), 2 * ACCOUNTS as i64)]);
    drop(apps);
    schema.drop().await;
}
