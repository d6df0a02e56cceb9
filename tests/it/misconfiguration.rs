//! What an operator reads when start-up fails: each message names the key (and the file or
//! environment variable it came from) and says what is expected, in one readable line.

use std::process::Stdio;

use crate::cli::jamf_directory;
use crate::support::SIGNING_KEY;

/// `serve --config jamf-directory.toml` with `toml` after a valid signing key; must fail.
/// Returns stderr.
fn serve_fails(dir: &std::path::Path, toml: &str) -> String {
    let config = format!("[auth]\nsigning_key = \"{SIGNING_KEY}\"\n{toml}");
    std::fs::write(dir.join("jamf-directory.toml"), config).unwrap();
    let out = jamf_directory(dir)
        .args(["serve", "--config", "jamf-directory.toml"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "started: {stderr}");
    stderr
}

#[test]
fn an_unknown_key_is_named_with_its_section_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = serve_fails(dir.path(), "[server]\nlistn = \"127.0.0.1:0\"\n");
    let file = dir.path().join("jamf-directory.toml");
    assert!(
        stderr.contains(&format!("`server.listn` in {}", file.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains("listen, metrics_listen, public_url"),
        "{stderr}"
    );
    assert!(!stderr.contains("default."), "no figment profile: {stderr}");
    assert!(!stderr.contains("``"), "no nested backticks: {stderr}");
}

#[test]
fn an_unknown_key_from_the_environment_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = jamf_directory(dir.path())
        .arg("serve")
        .env("JAMF_DIRECTORY__AUTH__SIGNING_KEY", SIGNING_KEY)
        .env("JAMF_DIRECTORY__CACHE__TTL", "5")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("`cache.ttl` from the environment variable JAMF_DIRECTORY__CACHE__TTL"),
        "{stderr}"
    );
}

#[test]
fn a_log_level_that_sets_no_level_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = serve_fails(dir.path(), "[log]\nlevel = \"verbose\"\n");
    assert!(stderr.contains("`log.level`"), "{stderr}");
    assert!(stderr.contains("\"verbose\" sets no level"), "{stderr}");
}

#[test]
fn a_host_name_as_listen_address_says_ip_port_is_expected() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = serve_fails(dir.path(), "[server]\nlisten = \"localhost:8080\"\n");
    assert!(stderr.contains("`server.listen`"), "{stderr}");
    assert!(stderr.contains("is not an IP:PORT address"), "{stderr}");
    assert!(stderr.contains("0.0.0.0:8080"), "{stderr}");
}

#[test]
fn a_bind_error_names_the_address_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let stderr = serve_fails(
        dir.path(),
        &format!(
            "[server]\nlisten = \"{address}\"\n[storage]\ndatabase_url = \"sqlite://data/t.db\"\n"
        ),
    );
    assert!(
        stderr.contains(&format!("cannot listen on {address} (server.listen)")),
        "{stderr}"
    );
    assert!(stderr.contains("in use"), "{stderr}");
}

#[test]
fn an_unreachable_postgresql_fails_with_its_cause_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let stderr = serve_fails(
        dir.path(),
        &format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\ndatabase_url = \"postgres://postgres@{closed}/db\"\nencryption_key = \"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\"\n"
        ),
    );
    assert!(
        stderr.contains(&format!(
            "(storage.database_url): cannot connect to PostgreSQL at {closed}"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("Connection refused"), "{stderr}");
    assert!(!stderr.contains("pool timed out"), "{stderr}");
    assert_eq!(stderr.matches("Connection refused").count(), 1, "{stderr}");
}

#[test]
fn healthcheck_needs_only_the_listen_address() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    // No signing key anywhere: the probe must still run (and fail on the closed port).
    let out = jamf_directory(dir.path())
        .arg("healthcheck")
        .env("JAMF_DIRECTORY__SERVER__LISTEN", closed.to_string())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(!stderr.contains("signing_key"), "{stderr}");
    assert!(
        stderr.contains(&format!("http://{closed}/health/ready")),
        "{stderr}"
    );
}
