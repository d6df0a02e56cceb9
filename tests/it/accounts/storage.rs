//! Where accounts live: the secret never in clear, restarts on the same SQLite file, the
//! readiness check, and the same lifecycle on PostgreSQL.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{JAMF_SECRET, World, call, id_of, world, world_with};
use crate::support::{ADMIN_ID, ADMIN_SECRET, PgSchema, access_token, send_expecting, spawn_app};

#[tokio::test]
async fn the_jamf_secret_is_in_no_response_and_no_database_byte() {
    let w = world().await;
    let account = w.create("acme", JAMF_SECRET).await;
    let id = id_of(&account);
    let mut seen = vec![account.to_string()];
    for path in [
        format!("/integrated-account/{id}"),
        "/integrated-account".to_owned(),
    ] {
        seen.push(
            w.call(Method::GET, &path, &w.admin, None)
                .await
                .1
                .to_string(),
        );
    }
    let patch = json!({"context": {"client_secret": JAMF_SECRET}});
    let path = format!("/integrated-account/{id}");
    seen.push(
        w.call(Method::PATCH, &path, &w.admin, Some(patch))
            .await
            .1
            .to_string(),
    );
    for text in &seen {
        assert!(!text.contains(JAMF_SECRET), "secret in a response: {text}");
    }
    let raw = w.raw_database();
    assert!(raw.len() > 4096, "read the database");
    let has = |needle: &str| {
        raw.windows(needle.len())
            .any(|win| win == needle.as_bytes())
    };
    assert!(
        has("sim-client"),
        "control: the rows were read (the client id is not secret)"
    );
    assert!(
        !has(JAMF_SECRET),
        "the Jamf secret is in the database in clear"
    );
}

#[tokio::test]
async fn a_restart_on_the_same_sqlite_file_keeps_accounts_and_the_key() {
    let w = world().await;
    let account = w.create("acme", JAMF_SECRET).await;
    let key_file = {
        let mut path = w.database_file().into_os_string();
        path.push(".key");
        std::path::PathBuf::from(path)
    };
    let key = std::fs::read_to_string(&key_file).expect("key file beside the database");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let World {
        app, sim, settings, ..
    } = w;
    app.stop().await.expect("clean shutdown");

    let app = spawn_app(settings.clone()).await;
    let token = access_token(&app, ADMIN_ID, ADMIN_SECRET).await;
    let path = format!("/integrated-account/{}", id_of(&account));
    let (status, read) = call(&app, Method::GET, &path, &token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, account);
    assert_eq!(
        std::fs::read_to_string(&key_file).unwrap(),
        key,
        "key reused, not replaced"
    );
    // The secret still opens: Jamf accepts it.
    let refresh = Some(json!({"id": id_of(&account)}));
    let (status, body) = call(
        &app,
        Method::POST,
        "/integrated-account/refresh-credentials",
        &token,
        refresh,
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"success": true})));
    drop(sim);
}

#[tokio::test]
async fn readiness_checks_the_database() {
    let w = world().await;
    let body: Value =
        send_expecting(w.app.client.get(w.app.url("/health/ready")), StatusCode::OK).await;
    assert_eq!(
        body["checks"],
        json!([{"name": "database", "status": "ok"}])
    );
}

#[tokio::test]
async fn the_lifecycle_runs_on_postgresql_with_sealed_secrets() {
    let Some(schema) = PgSchema::create().await else {
        return;
    };
    let mut admin = schema.admin().await;
    let mut settings = super::settings();
    settings.storage.database_url = schema.url.clone();

    // Without a key, start-up is refused and says which key to set.
    let refused = spawn_app(settings.clone())
        .await
        .stop()
        .await
        .expect_err("refused");
    assert!(
        format!("{refused:#}").contains("storage.encryption_key"),
        "{refused:#}"
    );

    settings.storage.encryption_key = Some("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".into());
    let w = world_with(settings).await;
    let account = w.create("acme", JAMF_SECRET).await;
    assert_eq!(account["status"], "active", "{account}");
    let bad = w.create("acme", "wrong").await;
    assert_eq!(bad["status"], "validation_error");
    let (_, list) = w
        .call(
            Method::GET,
            "/integrated-account?status=active",
            &w.reader,
            None,
        )
        .await;
    assert_eq!(list["result"], json!([account]));

    let rows: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT row_to_json(t)::text FROM {}.integrated_accounts t",
        schema.name
    ))
    .fetch_all(&mut admin)
    .await
    .unwrap();
    let raw = rows.concat();
    assert!(raw.contains("sim-client"), "control: the rows were read");
    assert!(
        !raw.contains(JAMF_SECRET),
        "the Jamf secret is in PostgreSQL in clear"
    );

    let World {
        app, sim, settings, ..
    } = w;
    app.stop().await.expect("clean shutdown");
    let app = spawn_app(settings).await;
    let token = access_token(&app, ADMIN_ID, ADMIN_SECRET).await;
    let path = format!("/integrated-account/{}", id_of(&account));
    assert_eq!(
        call(&app, Method::GET, &path, &token, None).await,
        (StatusCode::OK, account)
    );
    drop(sim);
    drop(admin);
    schema.drop().await;
}
