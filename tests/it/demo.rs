//! `jamf-directory demo` as a newcomer runs it: the real binary, its printed curl command,
//! and Ctrl-C.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::signal_and_wait;

#[tokio::test]
async fn the_printed_curl_lists_users_and_ctrl_c_cleans_up() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jamf-directory"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    // Read the banner, then keep draining stdout until the child exits, as a terminal would.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        let mut curl = None;
        for line in lines.by_ref() {
            if line.starts_with("curl ") {
                curl = Some(line.clone());
            }
            if let Some(rest) = line.split("keys in ").nth(1) {
                let dir = rest.trim_end_matches(" are removed.").to_string();
                let _ = tx.send((curl.take(), dir));
                break;
            }
        }
        lines.for_each(drop);
    });
    let (curl, data_dir) = rx.await.expect("the banner");
    let curl = curl.expect("a line starting with curl");
    assert!(std::path::Path::new(&data_dir).exists());

    // Run exactly what the banner says: header and URL from the curl line.
    let token = curl
        .split("Bearer ")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    let url = curl.rsplit(' ').next().unwrap().trim_matches('\'');
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["result_count"], 5);
    assert!(body["result"][0]["username"].is_string());

    // Ctrl-C: graceful stop, exit 0, temporary directory gone.
    let status = signal_and_wait(child, "-INT").await;
    assert!(status.success(), "{status}");
    assert!(
        !std::path::Path::new(&data_dir).exists(),
        "{data_dir} removed"
    );
}

/// What the README's examples look for, the demo has: admins without enforced MFA, an enabled
/// API client that can write, and its own API role reading no more than the service needs.
#[tokio::test]
async fn the_demo_shows_what_an_access_review_looks_for() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (ready, info) = tokio::sync::oneshot::channel();
    let demo = tokio::spawn(jamf_directory::demo::run(
        listener,
        async move {
            let _ = stopped.await;
        },
        move |info| {
            let _ = ready.send(info.clone());
        },
    ));
    let info = info.await.expect("the demo set up");
    let client = reqwest::Client::new();
    let get = |path: &str| {
        client
            .get(format!(
                "{}{path}integrated_account_id={}",
                info.base_url, info.integrated_account_id
            ))
            .bearer_auth(&info.access_token)
            .send()
    };
    let count = |body: &Value| body["result"].as_array().map_or(0, Vec::len);

    let not_enforced: Value =
        get("/unified/user-directory/users?status=active&is_2fa_enabled=false&")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert!(count(&not_enforced) > 0, "{not_enforced}");
    for kind in ["mfa_not_enforced", "privileged_api_client"] {
        let findings: Value = get(&format!("/access-review/findings?kind={kind}&"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(count(&findings) > 0, "{kind}: {findings}");
    }
    let role: Value = get("/unified/user-directory/roles/api-role-1?")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let privileges = role.to_string();
    assert!(privileges.contains("Read Accounts"), "{role}");
    assert!(!privileges.contains("Read LDAP Servers"), "{role}");

    stop.send(()).unwrap();
    demo.await.unwrap().unwrap();
}
