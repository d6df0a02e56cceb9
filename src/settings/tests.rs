//! Settings: defaults, layering, validation messages, secrets.
// figment's own error type is large; it is not ours to shrink.
#![allow(clippy::result_large_err)]

use super::*;
use figment::providers::Format;

const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes

fn load(toml: &str) -> Result<Settings, SettingsError> {
    Settings::from_figment(Figment::new().merge(Toml::string(toml)))
}

#[test]
fn defaults_need_only_a_signing_key() {
    let s = load(&format!("[auth]\nsigning_key = \"{KEY}\"")).unwrap();
    assert_eq!(s.upstream.max_concurrency, 5);
    assert_eq!(s.cache.ttl_secs, 60);
    assert_eq!(s.auth.token_ttl_secs, 900);
    assert_eq!(s.server.listen.port(), 8080);
    assert_eq!(s.server.header_timeout_secs, 10);
    assert_eq!(s.server.max_connections, 1024);
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
            &format!("[auth]\nsigning_key = \"{KEY}\"\n[server]\nheader_timeout_secs = 0"),
            "server.header_timeout_secs",
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
        "[auth]\nsigning_key = \"{KEY}\"\n[server]\nheader_timeout_secs = 3\nmax_connections = 7"
    ))
    .unwrap();
    assert_eq!(s.server.header_timeout_secs, 3);
    assert_eq!(s.server.max_connections, 7);
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
    let s = load(&format!("[auth]\nsigning_key = \"{KEY}\"")).unwrap();
    assert!(!format!("{s:?}").contains(KEY));
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
            err.contains("missing field `tenants`") && err.contains("auth.clients.1"),
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
        // figment names environment keys in capitals: `AUTH.CLIENTS.0`.
        let err = Settings::load(None).unwrap_err().to_string().to_lowercase();
        assert!(
            err.contains("missing field `tenants`") && err.contains("auth.clients.0"),
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
