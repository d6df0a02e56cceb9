//! Hostile and slow connections against the real accept loop: request heads that never
//! finish, answers that take longer than the header timeout, the cap on open connections, and
//! shutdown with such connections open; slow readers and bodies in `readers`.

mod readers;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use jamf_directory::settings::ServerSettings;
use jamf_sim::{SimConfig, SimServer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::support::{
    ADMIN_ID, ADMIN_SECRET, TestApp, access_token, connect_sim, spawn_app, test_settings,
};

const SLOW_CLIENTS: usize = 200;
/// Bound on waits that should end at once, so a regression fails instead of hanging.
const GENEROUS: Duration = Duration::from_secs(5);
const LIVE: &[u8] = b"GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n";
/// A request head without its final blank line: the server keeps waiting for the rest.
const PARTIAL_HEAD: &[u8] = b"GET /health/live HTTP/1.1\r\nHost: test\r\nX-Slow: ";

fn address(app: &TestApp) -> String {
    app.base_url.trim_start_matches("http://").to_owned()
}

/// The service with these connection settings, once it answers, and a client that opens a
/// new connection for every request.
async fn start(header_timeout_secs: u64, max_connections: u32) -> (TestApp, reqwest::Client) {
    let mut settings = test_settings();
    settings.server.header_timeout_secs = header_timeout_secs;
    settings.server.max_connections = max_connections;
    let app = spawn_app(settings).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    assert_eq!(live_status(&client, &app).await, 200);
    (app, client)
}

async fn live_status(client: &reqwest::Client, app: &TestApp) -> reqwest::StatusCode {
    client
        .get(app.url("/health/live"))
        .send()
        .await
        .expect("/health/live answers")
        .status()
}

async fn connect(app: &TestApp, send: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(address(app)).await.unwrap();
    stream.write_all(send).await.unwrap();
    stream
}

/// Reads one HTTP/1.1 response with a `content-length` body; returns its status line.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let mut chunk = [0; 4096];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed mid-response");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("content-length");
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let mut chunk = [0; 4096];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed mid-body");
        body.extend_from_slice(&chunk[..n]);
    }
    head.lines().next().unwrap().to_owned()
}

/// Waits until the server closes `stream`, and asserts it sent nothing before: end of stream
/// or a reset.
async fn closed_by_server(mut stream: TcpStream) {
    let mut received = Vec::new();
    match stream.read_to_end(&mut received).await {
        Ok(_) => assert!(
            received.is_empty(),
            "unexpected bytes: {:?}",
            String::from_utf8_lossy(&received)
        ),
        Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}"),
    }
}

#[tokio::test]
async fn unfinished_request_heads_are_closed_after_the_header_timeout_while_others_are_served() {
    let (app, client) = start(1, ServerSettings::default().max_connections).await;

    let closed = Arc::new(AtomicUsize::new(0));
    let mut slow = Vec::new();
    for _ in 0..SLOW_CLIENTS {
        let stream = connect(&app, PARTIAL_HEAD).await;
        let closed = closed.clone();
        slow.push(tokio::spawn(async move {
            closed_by_server(stream).await;
            closed.fetch_add(1, Ordering::SeqCst);
        }));
    }
    // Poll while they hang, until the server has closed every one of them.
    let mut answered_while_all_hung = 0;
    let polled = timeout(Duration::from_secs(30), async {
        loop {
            let none_closed_before = closed.load(Ordering::SeqCst) == 0;
            assert_eq!(live_status(&client, &app).await, 200);
            if none_closed_before && closed.load(Ordering::SeqCst) == 0 {
                answered_while_all_hung += 1;
            }
            if closed.load(Ordering::SeqCst) == SLOW_CLIENTS {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(
        polled.is_ok(),
        "{} of {SLOW_CLIENTS} slow connections closed",
        closed.load(Ordering::SeqCst)
    );
    for reader in slow {
        reader
            .await
            .expect("each slow connection read EOF or a reset");
    }
    assert!(
        answered_while_all_hung > 0,
        "/health/live was answered while all {SLOW_CLIENTS} slow connections were open"
    );
    assert_eq!(live_status(&client, &app).await, 200);
}

#[tokio::test]
async fn shutdown_closes_slow_and_idle_connections_at_once() {
    // A header timeout far beyond the test's bound: only the shutdown can close them in time.
    let (app, client) = start(600, ServerSettings::default().max_connections).await;

    let mut open = Vec::new();
    for _ in 0..SLOW_CLIENTS {
        open.push(connect(&app, PARTIAL_HEAD).await);
    }
    open.push(connect(&app, b"").await);
    let mut kept_alive = connect(&app, LIVE).await;
    assert_eq!(read_response(&mut kept_alive).await, "HTTP/1.1 200 OK");
    open.push(kept_alive);
    let mut second_head_pending = connect(&app, LIVE).await;
    assert_eq!(
        read_response(&mut second_head_pending).await,
        "HTTP/1.1 200 OK"
    );
    second_head_pending.write_all(PARTIAL_HEAD).await.unwrap();
    open.push(second_head_pending);
    // Accepted in order: this answer means every connection above is being served.
    assert_eq!(live_status(&client, &app).await, 200);

    let stopped = timeout(GENEROUS, app.stop()).await;
    assert!(
        matches!(stopped, Ok(Ok(()))),
        "launch returned promptly: {stopped:?}"
    );
    let count = open.len();
    let all_closed = timeout(
        GENEROUS,
        futures::future::join_all(open.into_iter().map(closed_by_server)),
    )
    .await;
    assert!(all_closed.is_ok(), "all {count} connections closed");
}

#[tokio::test]
async fn connections_beyond_max_connections_wait_for_a_free_slot() {
    let (app, _) = start(600, 5).await;

    let mut served = Vec::new();
    for _ in 0..5 {
        let mut stream = connect(&app, LIVE).await;
        assert_eq!(read_response(&mut stream).await, "HTTP/1.1 200 OK");
        served.push(stream);
    }
    // The kernel completes the sixth connection (it waits in the listen backlog), but the
    // service does not read it while five are open.
    let mut sixth = connect(&app, LIVE).await;
    let mut byte = [0; 1];
    assert!(
        timeout(Duration::from_millis(500), sixth.read(&mut byte))
            .await
            .is_err(),
        "the sixth connection was answered while five were open"
    );
    drop(served.pop());
    let answer = timeout(GENEROUS, read_response(&mut sixth)).await;
    assert_eq!(
        answer.as_deref(),
        Ok("HTTP/1.1 200 OK"),
        "answered once a slot freed"
    );
}

/// The header timeout bounds the wait for a request head, not for the answer: creating an
/// integrated account makes three Jamf calls, 700 ms each here, and is answered.
#[tokio::test]
async fn answers_slower_than_the_header_timeout_are_not_cut() {
    let sim = SimServer::start(SimConfig {
        latency: Duration::from_millis(700),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let (app, _) = start(1, ServerSettings::default().max_connections).await;
    let token = access_token(&app, ADMIN_ID, ADMIN_SECRET).await;
    let started = Instant::now();
    connect_sim(&app, &token, &sim, "acme").await;
    assert!(
        started.elapsed() > Duration::from_secs(1),
        "the request outlived the header timeout"
    );
}
