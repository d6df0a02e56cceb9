//! The `jamf-directory` binary as an operator runs it: configuration errors, `serve` with a
//! file plus environment overrides, probes, and SIGTERM.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use crate::support::{SIGNING_KEY, signal_and_wait};

/// The binary with a clean environment (no inherited `JAMF_DIRECTORY__*`) in `dir`.
pub fn jamf_directory(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jamf-directory"));
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

#[test]
fn serve_refuses_to_start_without_a_signing_key_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = jamf_directory(dir.path()).arg("serve").output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("auth.signing_key"), "{stderr}");
}

#[test]
fn an_unknown_key_in_the_config_file_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[server]\nlisten_adress = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let out = jamf_directory(dir.path())
        .args(["serve", "--config", "bad.toml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("listen_adress"), "{stderr}");
}

/// `hash-secret` with `secret` and a newline on stdin.
fn hash_secret(secret: &str) -> std::process::Output {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let mut child = jamf_directory(dir.path())
        .arg("hash-secret")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{secret}\n").as_bytes()).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

#[test]
fn hash_secret_refuses_secrets_shorter_than_32_characters() {
    // 31 characters; and 16 two-byte characters, 32 bytes: characters count, not bytes.
    for short in ["s".repeat(31), "é".repeat(16)] {
        let out = hash_secret(&short);
        assert!(!out.status.success(), "{short:?} was accepted");
        assert!(out.stdout.is_empty(), "no hash printed for {short:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("minimum is 32"), "{stderr}");
        assert!(
            !stderr.contains(&short),
            "the secret is never echoed: {stderr}"
        );
    }
    for long in ["s".repeat(32), "é".repeat(32)] {
        let out = hash_secret(&long);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout).unwrap().trim_end(),
            jamf_directory::auth::hash_secret(&long)
        );
    }
}

#[tokio::test]
async fn serve_layers_file_and_environment_answers_probes_and_drains_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    // The file's cache TTL is invalid; the environment's valid one must win for start-up to pass.
    std::fs::write(
        dir.path().join("jamf-directory.toml"),
        "[server]\nlisten = \"127.0.0.1:0\"\n[cache]\nttl_secs = 0\n[log]\nformat = \"json\"\n",
    )
    .unwrap();
    let mut child = jamf_directory(dir.path())
        .arg("serve")
        .env("JAMF_DIRECTORY__AUTH__SIGNING_KEY", SIGNING_KEY)
        .env("JAMF_DIRECTORY__CACHE__TTL_SECS", "5")
        .env(
            "JAMF_DIRECTORY__STORAGE__DATABASE_URL",
            "sqlite://data/test.db",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        for line in lines.by_ref() {
            let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if event["message"] == "listening" {
                let _ = tx.send(event["address"].as_str().unwrap_or_default().to_string());
                break;
            }
        }
        lines.for_each(drop);
    });
    let address = rx
        .await
        .expect("a JSON 'listening' log line with the address");
    let live = reqwest::get(format!("http://{address}/health/live"))
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let ready: serde_json::Value = reqwest::get(format!("http://{address}/health/ready"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ok", "{ready}");

    let status = signal_and_wait(child, "-TERM").await;
    assert!(status.success(), "SIGTERM drains and exits 0: {status}");
    assert!(
        dir.path().join("data/test.db").exists(),
        "SQLite created on first start"
    );
}
