//! The load generator and the bare axum handler it is compared with.
//!
//! Both targets are driven by this same code, in the same process, with the same request bytes,
//! so their ratio is fair. The client is a minimal HTTP/1.1 keep-alive loop over a raw socket
//! rather than reqwest: on 2 shared cores every microsecond the generator spends is taken from
//! the server under test, and reqwest's per-request work would narrow the very gap we measure.
//! It runs on its own thread and single-threaded runtime, as a separate client process would.
//!
//! A target is a list of requests sent in turn (one for the benchmark rows, a shuffled mix for
//! the soak); each request has a kind, and answers are tallied per kind.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tokio::net::TcpListener;

use crate::conn::{Conn, request_bytes};
pub use crate::tally::Load;
use crate::tally::{NO_ANSWER, Tally};

/// One request of a target and the kind it is tallied under (an index chosen by the caller).
pub struct Request {
    pub kind: usize,
    pub bytes: Box<[u8]>,
}

/// Where to send load and the requests to send. The `n`-th request a run issues (counting
/// across connections: connection `i` sends numbers `i`, `i + connections`, ...) is
/// `requests[n % len]`, so a paced run follows the list's order and mix exactly.
#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub requests: Arc<[Request]>,
}

impl Target {
    /// One authenticated GET, repeated.
    pub fn new(addr: SocketAddr, path_and_query: &str, bearer: &str) -> Self {
        let auth = format!("Bearer {bearer}");
        let bytes = request_bytes(
            "GET",
            addr,
            path_and_query,
            &[("authorization", &auth)],
            b"",
        );
        Self::mixed(addr, vec![Request { kind: 0, bytes }])
    }

    /// `requests` in turn; must not be empty.
    pub fn mixed(addr: SocketAddr, requests: Vec<Request>) -> Self {
        assert!(!requests.is_empty(), "a target needs a request");
        Self {
            addr,
            requests: requests.into(),
        }
    }

    fn kinds(&self) -> usize {
        self.requests.iter().map(|r| r.kind + 1).max().unwrap_or(1)
    }
}

/// How requests are issued.
#[derive(Clone, Copy)]
pub enum Pacing {
    /// Each connection sends its next request as soon as the previous answer is read.
    Closed,
    /// The connections together send `rate` requests per second on a fixed schedule.
    Rate(f64),
}

/// Runs `connections` keep-alive connections against `target`: `warmup` unrecorded, then
/// `duration` recorded. Runs on a fresh thread so the generator is scheduled like a process.
pub async fn run(
    target: Target,
    connections: usize,
    pacing: Pacing,
    warmup: Duration,
    duration: Duration,
) -> anyhow::Result<Load> {
    let work = move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(drive(target, connections, pacing, warmup, duration))
    };
    tokio::task::spawn_blocking(work).await?
}

async fn drive(
    target: Target,
    connections: usize,
    pacing: Pacing,
    warmup: Duration,
    duration: Duration,
) -> anyhow::Result<Load> {
    let start = Instant::now();
    let from = start + warmup;
    let end = from + duration;
    let mut tasks = Vec::with_capacity(connections);
    for i in 0..connections {
        let target = target.clone();
        // Paced connections share the rate and are staggered across one period.
        let schedule = match pacing {
            Pacing::Closed => None,
            Pacing::Rate(rate) => {
                let period = Duration::from_secs_f64(connections as f64 / rate);
                Some((start + period * i as u32 / connections as u32, period))
            }
        };
        let turn = (i, connections);
        tasks.push(tokio::spawn(connection(target, turn, schedule, from, end)));
    }
    let mut kinds = vec![Tally::default(); target.kinds()];
    for task in tasks {
        for (all, one) in kinds.iter_mut().zip(task.await?) {
            all.merge(one);
        }
    }
    Ok(Load::new(duration, kinds))
}

/// One connection's loop: `turn` is (this connection, all connections). Tallies, per kind, the
/// answers read inside the window. A failed connection is tallied as [`NO_ANSWER`] and reopened
/// for the next request.
async fn connection(
    target: Target,
    (index, connections): (usize, usize),
    schedule: Option<(Instant, Duration)>,
    from: Instant,
    end: Instant,
) -> Vec<Tally> {
    let mut tallies = vec![Tally::default(); target.kinds()];
    let mut conn = None;
    for n in 0u32.. {
        let began = match schedule {
            None => Instant::now(),
            Some((first, period)) => {
                let due = first + period * n;
                if Instant::now() < due {
                    // On time: measure from the real send, so timer slack is not billed to
                    // the server.
                    tokio::time::sleep_until(due.into()).await;
                    Instant::now()
                } else {
                    // Behind schedule: measure from when the request was due, so waiting
                    // on a slow answer is counted (no coordinated omission).
                    due
                }
            }
        };
        // A backlog left at the end is abandoned, not drained: the window is over, and the
        // rate achieved shows the shortfall.
        if began >= end || Instant::now() >= end {
            break;
        }
        let request = &target.requests[(n as usize * connections + index) % target.requests.len()];
        let sent = Instant::now();
        let status = match exchange(&mut conn, target.addr, &request.bytes).await {
            Some(status) => status,
            None => {
                if schedule.is_none() {
                    // Closed loop against a dead server: do not spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                NO_ANSWER
            }
        };
        let (took, served) = (began.elapsed(), sent.elapsed());
        // Everything answered inside the window counts, including a backlog of requests that
        // fell due during the warm-up: their long latencies are the point.
        if Instant::now() >= from {
            tallies[request.kind].record(status, took, served);
        }
    }
    tallies
}

/// Sends on `conn` (opening it first if needed); on failure drops it and returns `None`.
async fn exchange(conn: &mut Option<Conn>, addr: SocketAddr, request: &[u8]) -> Option<u16> {
    if conn.is_none() {
        *conn = Conn::open(addr).await.ok();
    }
    let status = conn.as_mut()?.exchange(request).await.ok();
    if status.is_none() {
        *conn = None;
    }
    status
}

/// Serves `body` at `path` with `content_type` and nothing else: the ceiling a handler serving
/// the same bytes can reach on this machine.
pub async fn bare_handler(
    path: &str,
    body: Bytes,
    content_type: HeaderValue,
) -> io::Result<SocketAddr> {
    let app = Router::new().route(
        path,
        get(move || {
            let (body, content_type) = (body.clone(), content_type.clone());
            async move { ([(header::CONTENT_TYPE, content_type)], body) }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // Lives until the bench exits; nothing to report if it stops.
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drives_the_bare_handler_and_counts_every_answer() {
        let addr = bare_handler(
            "/x",
            Bytes::from_static(b"hello"),
            HeaderValue::from_static("text/plain"),
        )
        .await
        .unwrap();
        let ms = Duration::from_millis;
        let load = run(
            Target::new(addr, "/x?q=1", "t"),
            2,
            Pacing::Closed,
            ms(20),
            ms(100),
        )
        .await
        .unwrap();
        assert!(load.completed > 0 && load.errors == 0);
        assert!(load.percentile(50.0) <= load.percentile(99.0));
        let missing = run(
            Target::new(addr, "/nope", "t"),
            1,
            Pacing::Rate(200.0),
            ms(0),
            ms(50),
        )
        .await
        .unwrap();
        assert!(
            missing.completed == 0 && missing.errors > 0,
            "404s are errors"
        );
    }
}
