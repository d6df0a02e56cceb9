//! The load generator and the bare axum handler it is compared with.
//!
//! Both targets are driven by this same code, in the same process, with the same request bytes,
//! so their ratio is fair. The client is a minimal HTTP/1.1 keep-alive loop over a raw socket
//! rather than reqwest: on 2 shared cores every microsecond the generator spends is taken from
//! the server under test, and reqwest's per-request work would narrow the very gap we measure.
//! It runs on its own thread and single-threaded runtime, as a separate client process would.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// Where to send load and the exact bytes of the one request repeated.
#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub request: Arc<[u8]>,
}

impl Target {
    pub fn new(addr: SocketAddr, path_and_query: &str, bearer: &str) -> Self {
        let request = format!(
            "GET {path_and_query} HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {bearer}\r\n\r\n"
        );
        Self {
            addr,
            request: request.into_bytes().into(),
        }
    }
}

/// What one measurement window saw. Latencies are sorted, in microseconds.
pub struct Load {
    pub completed: usize,
    pub errors: usize,
    pub window: Duration,
    latencies_us: Vec<u32>,
}

impl Load {
    pub fn throughput(&self) -> f64 {
        self.completed as f64 / self.window.as_secs_f64().max(1e-9)
    }

    /// Nearest-rank percentile (`p` in 0..=100).
    pub fn percentile(&self, p: f64) -> Duration {
        let Some(last) = self.latencies_us.len().checked_sub(1) else {
            return Duration::ZERO;
        };
        let rank = ((p / 100.0) * last as f64).round() as usize;
        Duration::from_micros(u64::from(self.latencies_us[rank.min(last)]))
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
        tasks.push(tokio::spawn(connection(target, schedule, from, end)));
    }
    let mut load = Load {
        completed: 0,
        errors: 0,
        window: duration,
        latencies_us: Vec::new(),
    };
    for task in tasks {
        let (latencies, errors) = task.await??;
        load.completed += latencies.len();
        load.errors += errors;
        load.latencies_us.extend(latencies);
    }
    load.latencies_us.sort_unstable();
    Ok(load)
}

/// One connection's loop; returns latencies (µs) of 200s answered inside the window, and errors.
async fn connection(
    target: Target,
    schedule: Option<(Instant, Duration)>,
    from: Instant,
    end: Instant,
) -> io::Result<(Vec<u32>, usize)> {
    let mut conn = Conn::open(target.addr).await?;
    let (mut latencies, mut errors) = (Vec::new(), 0);
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
        let status = conn.exchange(&target.request).await?;
        let took = began.elapsed();
        // Everything answered inside the window counts, including a backlog of requests that
        // fell due during the warm-up: their long latencies are the point.
        if Instant::now() >= from {
            if status == 200 {
                latencies.push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
            } else {
                errors += 1;
            }
        }
    }
    Ok((latencies, errors))
}

/// A keep-alive HTTP/1.1 connection that reads `content-length` bodies and discards them.
struct Conn {
    stream: TcpStream,
    head: Vec<u8>,
    chunk: Box<[u8]>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            head: Vec::with_capacity(4096),
            chunk: vec![0; 256 * 1024].into_boxed_slice(),
        })
    }

    /// Sends `request`, reads the whole response, returns its status.
    async fn exchange(&mut self, request: &[u8]) -> io::Result<u16> {
        self.stream.write_all(request).await?;
        self.head.clear();
        let head_end = loop {
            let n = self.read().await?;
            self.head.extend_from_slice(&self.chunk[..n]);
            if let Some(i) = self.head.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let (status, length) = parse_head(&self.head[..head_end])?;
        let mut body = self.head.len() - head_end;
        while body < length {
            body += self.read().await?;
        }
        if body > length {
            return Err(invalid(
                "more bytes than content-length (pipelining is not used)",
            ));
        }
        Ok(status)
    }

    async fn read(&mut self) -> io::Result<usize> {
        match self.stream.read(&mut self.chunk).await? {
            0 => Err(io::ErrorKind::UnexpectedEof.into()),
            n => Ok(n),
        }
    }
}

fn parse_head(head: &[u8]) -> io::Result<(u16, usize)> {
    let head = std::str::from_utf8(head).map_err(|_| invalid("non-UTF-8 head"))?;
    let status = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid("status line"))?;
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        // Chunked bodies would need a decoder; both targets send a length.
        .ok_or_else(|| invalid("no content-length"))?;
    Ok((status, length))
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
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

    #[test]
    fn parses_status_and_length_case_insensitively() {
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: x\r\nCONTENT-LENGTH: 42\r\n\r\n";
        assert_eq!(parse_head(head).unwrap(), (200, 42));
        assert!(parse_head(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").is_err());
    }

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
