//! The store contract, on real SQLite and real PostgreSQL.

use secrecy::ExposeSecret as _;
use sqlx::{Connection as _, Row as _};
use uuid::Uuid;

use super::model::{AccountStatus, AuthMethod};
use super::sql::sqlite_file;
use super::store::{ListFilter, StoreError, TenantScope};
use super::test_backends::{Backend, account, on_both_backends, test_sealer};

fn tenant(tag: &str) -> String {
    // Unique per test run, so nothing depends on what other tests stored.
    format!("{tag}-{}", Uuid::new_v4().simple())
}

fn filter(visible: TenantScope) -> ListFilter {
    ListFilter {
        visible,
        tenant_id: None,
        status: None,
        after: None,
        limit: 100,
    }
}

#[tokio::test]
async fn create_then_get_returns_every_field() {
    on_both_backends(|b| async move {
        let mut a = account(&tenant("t"), "s3cret");
        a.jamf_pro_version = Some("11.30.1".into());
        a.capabilities = vec!["read_accounts".into()];
        a.last_error = Some("boom".into());
        a.authentication_method = AuthMethod::Basic;
        b.store.create(&a, &[]).await.expect("create");
        let got = b.store.get(a.id).await.expect("get").expect("exists");
        assert_eq!(got, a, "{}", b.name);
        assert!(b.store.get(Uuid::new_v4()).await.expect("get").is_none());
    })
    .await;
}

#[tokio::test]
async fn list_filters_by_visibility_tenant_and_status_in_creation_order() {
    on_both_backends(|b| async move {
        let (t1, t2, hidden) = (tenant("a"), tenant("b"), tenant("hidden"));
        let mut ids = Vec::new();
        for (t, status) in [
            (&t1, AccountStatus::Active),
            (&t2, AccountStatus::ValidationError),
            (&hidden, AccountStatus::Active),
            (&t1, AccountStatus::NeedsReauth),
        ] {
            let mut a = account(t, "x");
            a.status = status;
            b.store.create(&a, &[]).await.expect("create");
            ids.push(a.id);
        }
        let visible = TenantScope::Only(vec![t1.clone(), t2.clone()]);
        let page = b.store.list(&filter(visible.clone())).await.expect("list");
        let got: Vec<Uuid> = page.accounts.iter().map(|a| a.id).collect();
        assert_eq!(got, vec![ids[0], ids[1], ids[3]], "{}", b.name);
        assert_eq!(page.next_after, None);

        let by_tenant = ListFilter {
            tenant_id: Some(t1.clone()),
            ..filter(visible.clone())
        };
        let got = b.store.list(&by_tenant).await.expect("list").accounts;
        assert_eq!(
            got.iter().map(|a| a.id).collect::<Vec<_>>(),
            [ids[0], ids[3]]
        );

        let by_status = ListFilter {
            status: Some(AccountStatus::ValidationError),
            ..filter(visible.clone())
        };
        let got = b.store.list(&by_status).await.expect("list").accounts;
        assert_eq!(got.iter().map(|a| a.id).collect::<Vec<_>>(), [ids[1]]);

        let other_tenant = ListFilter {
            tenant_id: Some(hidden.clone()),
            ..filter(visible)
        };
        assert!(
            b.store
                .list(&other_tenant)
                .await
                .expect("list")
                .accounts
                .is_empty()
        );
        let nobody = filter(TenantScope::Only(Vec::new()));
        assert!(
            b.store
                .list(&nobody)
                .await
                .expect("list")
                .accounts
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn cursor_walks_every_account_once() {
    on_both_backends(|b| async move {
        let t = tenant("page");
        let mut created = Vec::new();
        for _ in 0..7 {
            let a = account(&t, "x");
            b.store.create(&a, &[]).await.expect("create");
            created.push(a.id);
        }
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = b
                .store
                .list(&ListFilter {
                    tenant_id: Some(t.clone()),
                    after,
                    limit: 3,
                    ..filter(TenantScope::All)
                })
                .await
                .expect("list");
            assert!(page.accounts.len() <= 3);
            seen.extend(page.accounts.iter().map(|a| a.id));
            match page.next_after {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(
            seen, created,
            "{}: creation order, no gaps or repeats",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn update_bumps_revision_and_refuses_stale_writes() {
    on_both_backends(|b| async move {
        let a = account(&tenant("u"), "x");
        b.store.create(&a, &[]).await.expect("create");
        let mut change = a.clone();
        change.status = AccountStatus::Active;
        change.jamf_pro_version = Some("11.30.1".into());
        change.capabilities = vec!["read_accounts".into()];
        change.tenant_id = "ignored".into();
        let stored = b.store.update(&change, &[]).await.expect("update");
        assert_eq!(stored.revision, 1);
        let read = b.store.get(a.id).await.expect("get").expect("exists");
        assert_eq!(read.revision, 1);
        assert_eq!(read.status, AccountStatus::Active);
        assert_eq!(read.capabilities, ["read_accounts"]);
        assert_eq!(read.tenant_id, a.tenant_id, "tenant is immutable");

        // A second writer still holding revision 0 loses.
        let mut stale = a.clone();
        stale.status = AccountStatus::NeedsReauth;
        let err = b.store.update(&stale, &[]).await.expect_err("stale");
        assert!(matches!(err, StoreError::Conflict), "{}: {err}", b.name);
        let gone = account(&tenant("u"), "x");
        let err = b.store.update(&gone, &[]).await.expect_err("missing");
        assert!(matches!(err, StoreError::NotFound), "{}: {err}", b.name);
    })
    .await;
}

#[tokio::test]
async fn delete_removes_once_and_ping_answers() {
    on_both_backends(|b| async move {
        let a = account(&tenant("d"), "x");
        b.store.create(&a, &[]).await.expect("create");
        assert!(b.store.delete(a.id, &[]).await.expect("delete"));
        assert!(!b.store.delete(a.id, &[]).await.expect("delete again"));
        assert!(b.store.get(a.id).await.expect("get").is_none());
        b.store.ping().await.expect("ping");
    })
    .await;
}

#[tokio::test]
async fn data_survives_a_reconnect_and_migrations_run_once() {
    on_both_backends(|b| async move {
        let a = account(&tenant("r"), "x");
        b.store.create(&a, &[]).await.expect("create");
        let again = b.reconnect().await.expect("second start migrates cleanly");
        assert_eq!(again.get(a.id).await.expect("get"), Some(a));
    })
    .await;
}

#[tokio::test]
async fn raw_rows_never_hold_the_secret_in_clear() {
    on_both_backends(|b| async move {
        let secret = format!("clear-secret-{}", Uuid::new_v4().simple());
        let a = account(&tenant("raw"), &secret);
        b.store.create(&a, &[]).await.expect("create");
        let raw = raw_bytes(&b).await;
        assert!(
            contains(&raw, a.tenant_id.as_bytes()),
            "{}: control, rows read",
            b.name
        );
        assert!(
            !contains(&raw, secret.as_bytes()),
            "{}: secret in clear",
            b.name
        );
        assert!(
            !contains(&raw, hex::encode(&secret).as_bytes()),
            "{}: hex",
            b.name
        );
        let stored = b.store.get(a.id).await.expect("get").expect("exists");
        let opened = test_sealer().open(a.id, &stored.secret).expect("opens");
        assert_eq!(opened.expose_secret(), secret);
    })
    .await;
}

/// Everything the database holds: the SQLite files (main, WAL, shared memory) byte for byte, or
/// every PostgreSQL row as JSON text (bytea rendered as hex).
async fn raw_bytes(b: &Backend) -> Vec<u8> {
    match sqlite_file(&b.url) {
        Ok(Some(file)) if b.name == "sqlite" => {
            let mut bytes = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                let mut path = file.clone().into_os_string();
                path.push(suffix);
                bytes.extend(std::fs::read(path).unwrap_or_default());
            }
            assert!(!bytes.is_empty(), "database file exists");
            bytes
        }
        _ => {
            let mut conn = sqlx::PgConnection::connect(&b.url).await.expect("connect");
            let rows = sqlx::query("SELECT row_to_json(t)::text AS j FROM integrated_accounts t")
                .fetch_all(&mut conn)
                .await
                .expect("rows");
            assert!(!rows.is_empty());
            rows.iter()
                .flat_map(|r| r.get::<String, _>("j").into_bytes())
                .collect()
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn sqlite_file_and_parent_directory_are_created_in_wal_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("a/b/jd.db");
    let url = format!("sqlite://{}", file.display());
    let store = super::store::connect(&super::test_backends::settings_for(&url))
        .await
        .expect("connect");
    store.ping().await.expect("ping");
    assert!(file.exists());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open");
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .expect("pragma")
        .get(0);
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn sqlite_in_memory_works_across_pool_connections() {
    let settings = super::test_backends::settings_for("sqlite::memory:");
    let store = super::store::connect(&settings).await.expect("connect");
    let a = account(&tenant("mem"), "x");
    store.create(&a, &[]).await.expect("create");
    let reads = (0..4).map(|_| store.get(a.id));
    for got in futures::future::join_all(reads).await {
        assert_eq!(got.expect("get").map(|g| g.id), Some(a.id));
    }
}
