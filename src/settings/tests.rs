//! Settings: defaults, layering, validation messages, secrets.
// figment's own error type is large; it is not ours to shrink.
#![allow(clippy::result_large_err)]

use super::*;
use figment::providers::{Format, Toml};

const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes

fn load(toml: &str) -> Result<Settings, SettingsError> {
    Settings::from_figment(Figment::new().merge(Toml::string(toml)))
}

#[test]
fn defaults_need_only_a_signing_key() {
    let s = load(&format!("[auth]\nsigning_key = \"{KEY}\"")).unwrap();
    assert_eq!(s.upstream.max_concurrency, 5);
    assert_eq!(s.upstream.health_status_interval_secs, 60);
    assert_eq!(s.cache.ttl_secs, 60);
    assert_eq!(s.auth.token_ttl_secs, 900);
    assert_eq!(s.server.listen.port(), 8080);
    assert_eq!(s.server.header_timeout_secs, 10);
    assert_eq!(s.server.fetch_wait_secs, 20);
    assert_eq!(s.upstream.deadline_secs, 1800);
    assert_eq!(s.server.max_connections, 1024);
    assert_eq!(s.server.write_timeout_secs, 30);
    assert_eq!(s.server.body_timeout_secs, 30);
    assert_eq!(s.server.max_connections_per_ip, 64);
    assert_eq!(s.server.shutdown_grace_secs, 30);
    assert_eq!(s.signing_key().unwrap().expose_secret().len(), 32);
}

#[test]
fn invalid_inputs_name_their_key() {
    let cases = [
        ("", "auth.signing_key"),
        ("[auth]\nsigning_key = \"c2hvcnQ=\"", "auth.signing_key"),
        ("[auth]\nsigning_key = \"!!\"", "auth.signing_key"),
        (
            &format!("[auth]\nsigning_key = \"{KEY}\"\n[upstream]\nmax_concurrency = 0"),
            "upstream.max_concurrency",
        ),
        (
            &format!(
                "[auth]\nsigning_key = \"{KEY}\"\n[upstream]\nhealth_status_interval_secs = 0"
            ),
            "upstream.health_status_interval_secs",
        ),
        (
            &format!("[auth]\nsigning_key = \"{KEY}\"\n[server]\nheader_timeout_secs = 0"),
            "server.header_timeout_secs",
        ),
        (
            // A caller must hear about a running fetch before its request is cut.
            &format!("[auth]\nsigning_key = \"{KEY}\"\n[server]\nfetch_wait_secs = 90"),
            "server.fetch_wait_secs",
        ),
        (
            &format!("[auth]\nsigning_key = \"{KEY}\"\n[server]\nfetch_wait_secs = 0"),
            "server.fetch_wait_secs",
        ),
        (
            &format!("[auth]\nsigning_key = \"{KEY}\"\n[server]\nmax_connections = 0"),
            "server.max_connections",
        ),
        (
            &format!("[auth]\nsigning_key = \"{KEY}\"\n[server]\nmax_connections = 1000001"),
            "server.max_connections",
        ),
        (
            &format!("[auth]\nsigning_key = \"{KEY}\"\n[server]\nwrite_timeout_secs = 0"),
            "server.write_timeout_secs",
        ),
        (
            &format!("[auth]\nsigning_key = \"{KEY}\"\n[server]\nbody_timeout_secs = 3601"),
            "server.body_timeout_secs",
        ),
        (
            &format!("[auth]\nsigning_key = \"{KEY}\"\n[server]\nshutdown_grace_secs = 0"),
            "server.shutdown_grace_secs",
        ),
        (
            &format!("[auth]\nsigning_key = \"{KEY}\"\n[server]\nmax_connections_per_ip = 0"),
            "server.max_connections_per_ip",
        ),
        (
            &format!("[auth]\nsigning_key = \"{KEY}\"\n[storage]\ndatabase_url = \"mysql://x\""),
            "storage.database_url",
        ),
        (
            &format!("[auth]\nsigning_key = \"{KEY}\"\n[storage]\nencryption_key = \"c2hvcnQ=\""),
            "storage.encryption_key",
        ),
        (
            &format!(
                "[auth]\nsigning_key = \"{KEY}\"\n[[auth.clients]]\nclient_id = \"a\"\nclient_secret_sha256 = \"xyz\"\nscopes = []\ntenants = [\"*\"]"
            ),
            "auth.clients.client_secret_sha256",
        ),
        (
            &format!(
                "[auth]\nsigning_key = \"{KEY}\"\n[[auth.clients]]\nclient_id = \"a\"\nclient_secret_sha256 = \"{}\"\nscopes = [\"admin\"]\ntenants = [\"*\"]",
                "0".repeat(64)
            ),
            "auth.clients.scopes",
        ),
    ];
    for (toml, key) in cases {
        let err = load(toml).unwrap_err().to_string();
        assert!(err.contains(key), "{toml:?} gave {err:?}, expected {key}");
    }
}

#[test]
fn limits_have_defaults_load_from_toml_and_name_bad_keys() {
    let s = load(&format!("[auth]\nsigning_key = \"{KEY}\"")).unwrap();
    let l = &s.limits;
    assert_eq!((l.client_requests, l.client_window_secs), (500, 10));
    assert_eq!((l.account_requests, l.account_window_secs), (50, 10));
    assert_eq!((l.token_attempts, l.token_window_secs), (20, 60));
    let s = load(&format!(
        "[auth]\nsigning_key = \"{KEY}\"\n[limits]\nclient_requests = 7\naccount_window_secs = 2"
    ))
    .unwrap();
    assert_eq!(s.limits.client_requests, 7);
    assert_eq!(s.limits.account_window_secs, 2);
    assert_eq!(s.limits.account_requests, 50);
    for (line, key) in [
        ("client_requests = 0", "limits.client_requests"),
        ("account_requests = 2000000", "limits.account_requests"),
        ("token_attempts = 0", "limits.token_attempts"),
        ("client_window_secs = 0", "limits.client_window_secs"),
        ("account_window_secs = 0", "limits.account_window_secs"),
        ("token_window_secs = 100000", "limits.token_window_secs"),
        ("requests = 5", "requests"),
    ] {
        let err = load(&format!(
            "[auth]\nsigning_key = \"{KEY}\"\n[limits]\n{line}"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains(key), "{line:?} gave {err:?}, expected {key}");
    }
}

#[test]
fn password_max_age_has_a_default_loads_and_is_bounded() {
    let s = load(&format!("[auth]\nsigning_key = \"{KEY}\"")).unwrap();
    assert_eq!(s.access_review.password_max_age_days, 365);
    let with = |days: &str| {
        load(&format!(
            "[auth]\nsigning_key = \"{KEY}\"\n[access_review]\npassword_max_age_days = {days}"
        ))
    };
    assert_eq!(with("90").unwrap().access_review.password_max_age_days, 90);
    for bad in ["0", "36501"] {
        let err = with(bad).unwrap_err().to_string();
        assert!(
            err.contains("access_review.password_max_age_days"),
            "{bad} gave {err:?}"
        );
    }
}

#[test]
fn connection_limits_load_from_toml() {
    let s = load(&format!(
        "[auth]\nsigning_key = \"{KEY}\"\n[server]\nheader_timeout_secs = 3\nmax_connections = 7\nwrite_timeout_secs = 4\nbody_timeout_secs = 5\nmax_connections_per_ip = 6\nshutdown_grace_secs = 8"
    ))
    .unwrap();
    assert_eq!(s.server.header_timeout_secs, 3);
    assert_eq!(s.server.max_connections, 7);
    assert_eq!(
        (
            s.server.write_timeout_secs,
            s.server.body_timeout_secs,
            s.server.max_connections_per_ip,
            s.server.shutdown_grace_secs
        ),
        (4, 5, 6, 8)
    );
}

#[test]
fn unknown_keys_are_refused_with_their_name() {
    let err = load(&format!(
        "[auth]\nsigning_key = \"{KEY}\"\n[server]\nlisten_port = 1"
    ))
    .unwrap_err()
    .to_string();
    assert!(err.contains("listen_port"), "{err}");
    let err = load("[srever]\nx = 1").unwrap_err().to_string();
    assert!(err.contains("srever"), "{err}");
}

#[test]
fn secrets_never_print() {
    let s = load(&format!(
        "[auth]\nsigning_key = \"{KEY}\"\n[storage]\ndatabase_url = \"postgres://app:pg-pw-123@db/app\"\nencryption_key = \"{KEY}\""
    ))
    .unwrap();
    let printed = format!("{s:?}");
    assert!(!printed.contains(KEY), "{printed}");
    assert!(!printed.contains("pg-pw-123"), "{printed}");
    assert!(
        printed.contains("postgres://app:redacted@db/app"),
        "{printed}"
    );
}

#[test]
fn file_env_and_secret_files_layer_in_order() {
    figment::Jail::expect_with(|jail| {
        jail.create_file("key.b64", &format!("{KEY}\n"))?;
        jail.create_file(
            "jamf-directory.toml",
            "[cache]\nttl_secs = 5\n[upstream]\nmax_concurrency = 2\n[auth]\nsigning_key_file = \"key.b64\"",
        )?;
        jail.set_env("JAMF_DIRECTORY__UPSTREAM__MAX_CONCURRENCY", "3");
        let s = Settings::load(None).map_err(|e| e.to_string())?;
        assert_eq!(s.cache.ttl_secs, 5);
        assert_eq!(s.upstream.max_concurrency, 3);
        assert_eq!(s.signing_key().unwrap().expose_secret().len(), 32);
        Ok(())
    });
}

#[test]
fn key_and_key_file_together_are_refused() {
    figment::Jail::expect_with(|jail| {
        jail.create_file("key.b64", KEY)?;
        let err = load(&format!(
            "[auth]\nsigning_key = \"{KEY}\"\nsigning_key_file = \"key.b64\""
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("auth.signing_key_file"), "{err}");
        Ok(())
    });
}

/// A `[[auth.clients]]` entry as TOML; `tenants` is the whole line, or empty to leave it out.
fn client_toml(id: &str, tenants: &str) -> String {
    format!(
        "[[auth.clients]]\nclient_id = \"{id}\"\nclient_secret_sha256 = \"{}\"\nscopes = [\"directory:read\"]\n{tenants}\n",
        "0".repeat(64)
    )
}

#[test]
fn every_client_must_list_its_tenants() {
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "jamf-directory.toml",
            &format!(
                "[auth]\nsigning_key = \"{KEY}\"\n{}{}",
                client_toml("all", "tenants = [\"*\"]"),
                client_toml("forgetful", "")
            ),
        )?;
        let err = Settings::load(None).unwrap_err().to_string();
        assert!(
            err.contains("`auth.clients.1.tenants` in ") && err.contains(": is required"),
            "{err}"
        );

        // The form deployments use: the clients as one environment variable.
        jail.create_file(
            "jamf-directory.toml",
            &format!("[auth]\nsigning_key = \"{KEY}\""),
        )?;
        jail.set_env(
            "JAMF_DIRECTORY__AUTH__CLIENTS",
            format!(
                "[{{client_id=\"a\", client_secret_sha256=\"{}\", scopes=[]}}]",
                "0".repeat(64)
            ),
        );
        let err = Settings::load(None).unwrap_err().to_string();
        assert!(
            err.contains(
                "`auth.clients.0.tenants` from the environment variable JAMF_DIRECTORY__AUTH__CLIENTS: is required"
            ),
            "{err}"
        );
        Ok(())
    });
    let s = load(&format!(
        "[auth]\nsigning_key = \"{KEY}\"\n{}{}",
        client_toml("all", "tenants = [\"*\"]"),
        client_toml("acme-only", "tenants = [\"acme\"]")
    ))
    .unwrap();
    assert_eq!(s.auth.clients[0].tenants, ["*"]);
    assert_eq!(s.auth.clients[1].tenants, ["acme"]);
    let err = load(&format!(
        "[auth]\nsigning_key = \"{KEY}\"\n{}",
        client_toml("none", "tenants = []")
    ))
    .unwrap_err()
    .to_string();
    assert!(err.contains("auth.clients.tenants"), "{err}");
}

#[test]
fn redis_is_off_by_default_loads_from_toml_and_env_and_names_bad_keys() {
    let s = load(&format!("[auth]\nsigning_key = \"{KEY}\"")).unwrap();
    let r = &s.redis;
    assert!(r.url.is_none());
    assert_eq!(r.key_prefix, "jamf-directory");
    assert_eq!((r.lease_secs, r.fallback_concurrency), (15, 1));
    let with_password = "redis://:hunter2-redis@127.0.0.1:6379/0";
    let s = load(&format!(
        "[auth]\nsigning_key = \"{KEY}\"\n[redis]\nurl = \"{with_password}\"\nkey_prefix = \"prod-eu\"\nlease_secs = 5\nfallback_concurrency = 2"
    ))
    .unwrap();
    assert_eq!(s.redis.url.as_ref().unwrap().expose_secret(), with_password);
    assert_eq!(
        (s.redis.key_prefix.as_str(), s.redis.lease_secs),
        ("prod-eu", 5)
    );
    assert!(
        !format!("{s:?}").contains("hunter2"),
        "the URL's password never prints"
    );
    for (line, key) in [
        ("url = \"http://cache:6379\"", "redis.url"),
        ("url = \"not a url\"", "redis.url"),
        ("key_prefix = \"\"", "redis.key_prefix"),
        ("key_prefix = \"a b\"", "redis.key_prefix"),
        ("lease_secs = 0", "redis.lease_secs"),
        ("fallback_concurrency = 0", "redis.fallback_concurrency"),
        ("fallback_concurrency = 6", "redis.fallback_concurrency"),
        ("lease = 3", "lease"),
    ] {
        let err = load(&format!("[auth]\nsigning_key = \"{KEY}\"\n[redis]\n{line}"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{line:?} gave {err:?}, expected {key}");
        assert!(!err.contains("cache:6379"), "{err}");
    }
    figment::Jail::expect_with(|jail| {
        jail.set_env("JAMF_DIRECTORY__AUTH__SIGNING_KEY", KEY);
        jail.set_env(
            "JAMF_DIRECTORY__REDIS__URL",
            "rediss://cache.example.com:6380",
        );
        jail.set_env("JAMF_DIRECTORY__REDIS__LEASE_SECS", "9");
        let s = Settings::load(None).map_err(|e| e.to_string())?;
        assert!(s.redis.url.is_some());
        assert_eq!(s.redis.lease_secs, 9);
        Ok(())
    });
}

#[test]
fn every_secret_can_be_read_from_its_file() {
    figment::Jail::expect_with(|jail| {
        jail.create_file("signing", KEY)?;
        jail.create_file("encryption", &format!("{KEY}\n"))?;
        jail.create_file("database", "postgres://app:pw-in-file@db.internal/app\n")?;
        jail.create_file("redis", "rediss://:redis-pw@cache.internal:6380/0")?;
        jail.create_file(
            "jamf-directory.toml",
            "[auth]\nsigning_key_file = \"signing\"\n[storage]\nencryption_key_file = \"encryption\"\ndatabase_url_file = \"database\"\n[redis]\nurl_file = \"redis\"\n",
        )?;
        let s = Settings::load(None).map_err(|e| e.to_string())?;
        assert_eq!(s.signing_key().unwrap().expose_secret().len(), 32);
        assert_eq!(
            s.encryption_key().unwrap().unwrap().expose_secret().len(),
            32
        );
        assert_eq!(
            s.storage.database_url,
            "postgres://app:pw-in-file@db.internal/app"
        );
        assert_eq!(
            s.redis.url.as_ref().unwrap().expose_secret(),
            "rediss://:redis-pw@cache.internal:6380/0"
        );
        Ok(())
    });
}

#[test]
fn a_missing_secret_file_names_the_key_and_the_path() {
    let err = load("[redis]\nurl_file = \"/nonexistent/redis-url\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("`redis.url`"), "{err}");
    assert!(
        err.contains("redis.url_file: cannot read /nonexistent/redis-url"),
        "{err}"
    );
}

#[test]
fn paths_in_the_config_file_are_relative_to_its_folder() {
    figment::Jail::expect_with(|jail| {
        let root = jail.directory().to_path_buf();
        std::fs::create_dir_all(root.join("etc/secrets")).unwrap();
        jail.create_file("etc/secrets/signing", KEY)?;
        jail.create_file(
            "etc/jamf-directory.toml",
            "[auth]\nsigning_key_file = \"secrets/signing\"\n[storage]\ndatabase_url = \"sqlite://data/jd.db?mode=rwc\"\n",
        )?;
        let s = Settings::load(Some(Path::new("etc/jamf-directory.toml")))
            .map_err(|e| e.to_string())?;
        assert_eq!(s.signing_key().unwrap().expose_secret().len(), 32);
        assert_eq!(
            s.storage.database_url,
            format!("sqlite://{}/etc/data/jd.db?mode=rwc", root.display())
        );
        // From the environment, a relative path stays relative to the working directory.
        jail.set_env(
            "JAMF_DIRECTORY__STORAGE__DATABASE_URL",
            "sqlite://data/jd.db",
        );
        let s = Settings::load(Some(Path::new("etc/jamf-directory.toml")))
            .map_err(|e| e.to_string())?;
        assert_eq!(s.storage.database_url, "sqlite://data/jd.db");
        Ok(())
    });
}

#[test]
fn a_log_level_must_set_a_level_in_every_directive() {
    for good in [
        "info",
        "WARN",
        "info,jamf_directory=debug",
        "tower_http=off",
    ] {
        let toml = format!("[auth]\nsigning_key = \"{KEY}\"\n[log]\nlevel = \"{good}\"");
        assert!(load(&toml).is_ok(), "{good} refused");
    }
    for bad in ["verbose", "info,jamf_directory", "jamf_directory=loud"] {
        let toml = format!("[auth]\nsigning_key = \"{KEY}\"\n[log]\nlevel = \"{bad}\"");
        let err = load(&toml).unwrap_err().to_string();
        assert!(err.contains("`log.level`"), "{bad}: {err}");
        assert!(err.contains("sets no level"), "{bad}: {err}");
    }
}

#[test]
fn listen_addresses_are_ip_port_and_metrics_listen_is_optional() {
    let s = load(&format!("[auth]\nsigning_key = \"{KEY}\"")).unwrap();
    assert!(s.server.metrics_listen.is_none());
    let s = load(&format!(
        "[auth]\nsigning_key = \"{KEY}\"\n[server]\nlisten = \"0.0.0.0:8080\"\nmetrics_listen = \"[::1]:9100\""
    ))
    .unwrap();
    assert_eq!(s.server.metrics_listen.unwrap().port(), 9100);
    for key in ["listen", "metrics_listen"] {
        let err = load(&format!(
            "[auth]\nsigning_key = \"{KEY}\"\n[server]\n{key} = \"localhost:8080\""
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains(&format!("`server.{key}`")), "{err}");
        assert!(
            err.contains("\"localhost:8080\" is not an IP:PORT address"),
            "{err}"
        );
    }
}

#[test]
fn webhooks_have_defaults_load_from_toml_and_name_bad_keys() {
    let s = load(&format!("[auth]\nsigning_key = \"{KEY}\"")).unwrap();
    let w = &s.webhooks;
    assert!(!w.allow_private_networks);
    assert_eq!(w.timeout_secs, 15);
    assert_eq!(w.retry_schedule_secs, DEFAULT_WEBHOOK_RETRIES_SECS);
    assert_eq!(w.poll_interval_ms, 1000);
    let s = load(&format!(
        "[auth]\nsigning_key = \"{KEY}\"\n[webhooks]\nallow_private_networks = true\ntimeout_secs = 3\nretry_schedule_secs = [1, 2]\npoll_interval_ms = 50"
    ))
    .unwrap();
    assert!(s.webhooks.allow_private_networks);
    assert_eq!(s.webhooks.retry_schedule_secs, [1, 2]);
    assert_eq!(
        (s.webhooks.timeout_secs, s.webhooks.poll_interval_ms),
        (3, 50)
    );
    for (line, key) in [
        ("timeout_secs = 0", "webhooks.timeout_secs"),
        ("timeout_secs = 61", "webhooks.timeout_secs"),
        (
            "retry_schedule_secs = [172801]",
            "webhooks.retry_schedule_secs",
        ),
        ("poll_interval_ms = 1", "webhooks.poll_interval_ms"),
        ("retries = 3", "retries"),
    ] {
        let err = load(&format!(
            "[auth]\nsigning_key = \"{KEY}\"\n[webhooks]\n{line}"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains(key), "{line:?} gave {err:?}, expected {key}");
    }
}

#[test]
fn healthcheck_reads_the_listen_address_without_the_rest() {
    figment::Jail::expect_with(|jail| {
        assert_eq!(
            Settings::listen_address(None).map_err(|e| e.to_string())?,
            ServerSettings::default().listen
        );
        jail.create_file(
            "jamf-directory.toml",
            "[server]\nlisten = \"0.0.0.0:9000\"\n",
        )?;
        assert_eq!(
            Settings::listen_address(None)
                .map_err(|e| e.to_string())?
                .port(),
            9000
        );
        Ok(())
    });
}

#[test]
fn evidence_has_defaults_loads_a_key_and_names_bad_keys() {
    let s = load(&format!("[auth]\nsigning_key = \"{KEY}\"")).unwrap();
    assert_eq!(s.evidence.schedule_secs, 86_400);
    assert_eq!(s.evidence.retention_days, 400);
    assert_eq!(s.server.fetch_wait_secs, 20);
    assert!(s.evidence_seed().unwrap().is_none(), "off without a key");
    let with = |extra: &str| load(&format!("[auth]\nsigning_key = \"{KEY}\"\n{extra}"));
    let on = with(&format!(
        "[evidence]\nsigning_key = \"{KEY}\"\nschedule_secs = 0"
    ))
    .unwrap();
    assert_eq!(
        on.evidence_seed().unwrap().unwrap().expose_secret().len(),
        32
    );
    assert_eq!(on.evidence.schedule_secs, 0);
    for (extra, key) in [
        ("[evidence]\nschedule_secs = 5", "evidence.schedule_secs"),
        ("[evidence]\nretention_days = 0", "evidence.retention_days"),
        (
            "[evidence]\nsigning_key = \"c2hvcnQ=\"",
            "evidence.signing_key",
        ),
        ("[server]\nfetch_wait_secs = 0", "server.fetch_wait_secs"),
    ] {
        let err = with(extra).unwrap_err().to_string();
        assert!(err.contains(key), "{extra:?} gave {err:?}");
    }
}
