//! Slow readers and slow bodies against a real `serve` process: connections that pipeline
//! large GETs and read their answers one byte at a time, and a body sent a byte at a time.
//! Liveness answers throughout, every slow connection is closed by the server, and SIGTERM
//! exits within `server.shutdown_grace_secs` whatever the peers do.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinHandle;

use crate::support::serve::{Serve, write_config};
use crate::support::{ADMIN_ID, ADMIN_SECRET};

/// Connections the attacker opens from 127.0.0.1, as many as the whole server allows.
const FLOOD: usize = 64;
/// A large answer that costs the server little to make: Swagger UI's script (~1 MB, embedded).
const LARGE: &str = "/swagger-ui/swagger-ui-bundle.js";
/// Large answers asked for at once on each connection: more than the kernel's socket buffers
/// hold (a few MB), so the rest waits in the server.
const PIPELINED: usize = 16;
/// The bound for `/health/live` during the flood.
const LIVE_BOUND: Duration = Duration::from_secs(1);

/// A `serve` process with a connection cap of [`FLOOD`], of which one address may hold 48,
/// and `server_extra` TOML lines.
async fn serve(dir: &tempfile::TempDir, server_extra: &str) -> Serve {
    let database = format!("sqlite://{}/jd.db", dir.path().display());
    let extra = format!(
        "[server]\nmax_connections = {FLOOD}\nmax_connections_per_ip = 48\n{server_extra}\n"
    );
    let config = write_config(dir.path(), &database, (ADMIN_ID, ADMIN_SECRET), &extra);
    Serve::start(&config).await
}

/// How one attacking connection ended.
#[derive(Debug)]
struct Ended {
    /// Answer bytes it received in all.
    received: usize,
    /// The server reset it (rather than finishing the answers and closing).
    reset: bool,
}

/// One attacking connection: pipelines [`PIPELINED`] GETs of [`LARGE`], reads one byte every
/// 50 ms for `slow_for` (counting in `first_bytes` once it got one), then reads as fast as it
/// can until the connection ends, and counts in `ended`. A server that kept serving it hands
/// over every answer; one that gave up on it resets it, and only what this kernel had already
/// received arrives.
fn slow_reader(
    base: &str,
    slow_for: Duration,
    first_bytes: Arc<AtomicUsize>,
    ended: Arc<AtomicUsize>,
) -> JoinHandle<Ended> {
    let address: SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    tokio::spawn(async move {
        let mut outcome = Ended {
            received: 0,
            reset: false,
        };
        // A small receive window, so the answers wait in the server, not in this kernel.
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        if let Ok(mut stream) = socket.connect(address).await {
            let request = format!("GET {LARGE} HTTP/1.1\r\nHost: test\r\n\r\n").repeat(PIPELINED);
            let _ = stream.write_all(request.as_bytes()).await;
            let slow_until = Instant::now() + slow_for;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let slow = Instant::now() < slow_until;
                let want = if slow { 1 } else { buf.len() };
                match stream.read(&mut buf[..want]).await {
                    Ok(0) => break,
                    Ok(n) => {
                        if outcome.received == 0 {
                            first_bytes.fetch_add(1, Ordering::SeqCst);
                        }
                        outcome.received += n;
                    }
                    Err(err) => {
                        outcome.reset = err.kind() == std::io::ErrorKind::ConnectionReset;
                        break;
                    }
                }
                if slow {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        ended.fetch_add(1, Ordering::SeqCst);
        outcome
    })
}

/// A client from another loopback address than the attacker's, with the bound.
fn probe_client() -> reqwest::Client {
    let source: IpAddr = "127.0.0.2".parse().unwrap();
    reqwest::Client::builder()
        .local_address(source)
        .pool_max_idle_per_host(0)
        .timeout(LIVE_BOUND)
        .build()
        .unwrap()
}

#[tokio::test]
async fn slow_readers_are_cut_off_and_liveness_answers_throughout() {
    let dir = tempfile::tempdir().unwrap();
    let serve = serve(&dir, "write_timeout_secs = 2").await;
    let probe = probe_client();
    let large = probe
        .get(format!("{}{LARGE}", serve.base))
        .send()
        .await
        .unwrap();
    assert_eq!(large.status().as_u16(), 200);
    let answer_size = large.bytes().await.unwrap().len();
    assert!(answer_size > 500_000, "a large answer: {answer_size} bytes");

    let (first_bytes, ended) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    // Slow for longer than the write timeout, then draining.
    let started = Instant::now();
    // A flood opened over a second, not one burst, and probed from its start.
    let (base, counts) = (
        serve.base.clone(),
        (first_bytes.clone(), Arc::clone(&ended)),
    );
    let flood = tokio::spawn(async move {
        let mut readers = Vec::new();
        for _ in 0..FLOOD {
            let slow_for = Duration::from_secs(5);
            let (first_bytes, ended) = (counts.0.clone(), counts.1.clone());
            readers.push(slow_reader(&base, slow_for, first_bytes, ended));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        readers
    });
    let (mut probes, mut slowest) = (0, Duration::ZERO);
    // Probe until every attacking connection has ended.
    while ended.load(Ordering::SeqCst) < FLOOD {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{} of {FLOOD} slow readers ended",
            ended.load(Ordering::SeqCst)
        );
        let asked = Instant::now();
        let live = probe
            .get(format!("{}/health/live", serve.base))
            .send()
            .await;
        let status = live
            .map(|r| r.status().as_u16())
            .map_err(|e| format!("{e:?}"));
        assert_eq!(
            status,
            Ok(200),
            "/health/live within {LIVE_BOUND:?}, after {:?}",
            asked.elapsed()
        );
        slowest = slowest.max(asked.elapsed());
        probes += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut outcomes = Vec::new();
    for reader in flood.await.unwrap() {
        outcomes.push(reader.await.unwrap());
    }
    let served: Vec<&Ended> = outcomes.iter().filter(|o| o.received > 0).collect();
    let most = served.iter().map(|o| o.received).max().unwrap_or(0);
    eprintln!(
        "{probes} liveness probes during the flood of {FLOOD} slow readers, slowest {slowest:?}; {} served, {} reset, at most {most} bytes each of {} asked for; all ended after {:?}",
        served.len(),
        served.iter().filter(|o| o.reset).count(),
        answer_size * PIPELINED,
        started.elapsed()
    );
    assert!(probes > 1);
    assert_eq!(
        served.len(),
        48,
        "one address holds 48 connections, the rest are refused"
    );
    for outcome in served {
        assert!(
            outcome.reset,
            "cut off by the server, not served to the end: {outcome:?}"
        );
        assert!(
            outcome.received < answer_size,
            "not even one answer was taken: {outcome:?}"
        );
    }
    serve.kill().await;
}

/// Slow readers holding answers when SIGTERM comes.
const IN_FLIGHT: usize = 4;

#[tokio::test]
async fn sigterm_exits_within_the_grace_while_slow_readers_hold_answers() {
    let dir = tempfile::tempdir().unwrap();
    // A write timeout far beyond the test: only the shutdown grace can end these connections.
    let serve = serve(&dir, "write_timeout_secs = 600\nshutdown_grace_secs = 2").await;
    let (first_bytes, ended) = (Arc::new(AtomicUsize::new(0)), Arc::default());
    let readers: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let slow_for = Duration::from_secs(600);
            slow_reader(
                &serve.base,
                slow_for,
                first_bytes.clone(),
                Arc::clone(&ended),
            )
        })
        .collect();
    let started = Instant::now();
    while first_bytes.load(Ordering::SeqCst) < IN_FLIGHT {
        assert!(started.elapsed() < Duration::from_secs(30), "answers begun");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let signalled = Instant::now();
    let exit = serve.terminate(Duration::from_secs(20)).await;
    let took = signalled.elapsed();
    eprintln!("SIGTERM with {IN_FLIGHT} answers in flight to slow readers: exited after {took:?}");
    let status = exit.expect("exited within 20 s of SIGTERM");
    assert!(status.success(), "{status}");
    assert!(
        took < Duration::from_secs(2 + 3),
        "exited after the 2 s grace, not when the peers let go: {took:?}"
    );
    for reader in readers {
        reader.abort();
    }
}

#[tokio::test]
async fn a_body_trickled_a_byte_at_a_time_is_refused_408() {
    let dir = tempfile::tempdir().unwrap();
    let serve = serve(&dir, "body_timeout_secs = 1").await;
    let token = serve.token(ADMIN_ID, ADMIN_SECRET).await;
    let address = serve.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /integrated-account HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // One byte every 300 ms (while the server still reads): 100 bytes would take 30 s.
    let mut answer = Vec::new();
    let trickled = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let mut buf = [0u8; 4096];
            tokio::select! {
                read = stream.read(&mut buf) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                },
                () = tokio::time::sleep(Duration::from_millis(300)) => {
                    let _ = stream.write_all(b" ").await;
                }
            }
        }
    })
    .await;
    assert!(trickled.is_ok(), "the server ended the connection");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"statusCode\":408"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    serve.kill().await;
}
