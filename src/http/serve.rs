//! The accept loop: serves the router over HTTP/1 with a header-read timeout, a write
//! timeout, caps on open connections (in all and per client address) and a graceful shutdown
//! bounded in time. `axum::serve` has none of the timeouts, so a client that never finishes
//! its request head, or never reads its answer, would hold its connection (and task, and the
//! answer's memory) forever.

mod slow_peers;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

use self::slow_peers::{AddressSlot, AnswerGuard, PerAddress, TimedIo};
use crate::settings::ServerSettings;

/// At most one "connection cap reached" warning per this long: under a flood the cap is hit
/// on every accept.
const CAP_WARNING_EVERY: Duration = Duration::from_secs(60);

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting, lets requests
/// in flight finish, closes idle and header-pending connections at once, and returns when
/// every connection is closed, or after `server.shutdown_grace_secs`, closing what is left.
///
/// A client address holding `server.max_connections_per_ip` connections has further ones
/// closed at once, so one client cannot take every slot.
///
/// At `server.max_connections` open connections the loop stops calling `accept`, so further
/// connections wait in the kernel's listen backlog (and beyond it are refused by the kernel)
/// instead of being accepted and closed: a waiting client is served as soon as a slot frees,
/// which the header timeout guarantees within `server.header_timeout_secs` of a slot's last
/// answer, and a flood costs no work per attempt.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    settings: &ServerSettings,
    shutdown: impl Future<Output = ()>,
) {
    let max = settings.max_connections;
    let slots = Arc::new(Semaphore::new(max as usize));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(settings.header_timeout_secs));
    let (stop, stopping) = watch::channel(false);
    let mut last_cap_warning: Option<Instant> = None;
    let mut last_per_ip_warning: Option<Instant> = None;
    let per_address = Arc::new(PerAddress::default());
    let write_timeout = Duration::from_secs(settings.write_timeout_secs);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Reap finished connection tasks, so the set holds only open ones.
        while connections.try_join_next().is_some() {}
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                if last_cap_warning.is_none_or(|at| at.elapsed() >= CAP_WARNING_EVERY) {
                    tracing::warn!(
                        max_connections = max,
                        "connection cap reached; new connections wait in the listen backlog"
                    );
                    last_cap_warning = Some(Instant::now());
                }
                tokio::select! {
                    () = &mut shutdown => break,
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break, // never closed
                    },
                }
            }
        };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let cap = settings.max_connections_per_ip;
                let Some(address_slot) = per_address.try_open(peer.ip(), cap) else {
                    metrics::counter!("http_connections_refused_total", "reason" => "per_ip")
                        .increment(1);
                    if last_per_ip_warning.is_none_or(|at| at.elapsed() >= CAP_WARNING_EVERY) {
                        tracing::warn!(
                            max_connections_per_ip = cap,
                            "an address reached its connection cap; its further connections are closed"
                        );
                        last_per_ip_warning = Some(Instant::now());
                    }
                    continue; // drops the stream: closed
                };
                let io = TimedIo::new(stream, write_timeout);
                connections.spawn(connection(
                    &http,
                    io,
                    peer,
                    app.clone(),
                    (slot, address_slot),
                    stopping.clone(),
                ));
            }
            Err(err) if is_connection_error(&err) => {}
            // E.g. out of file descriptors: retrying at once would spin; connections closing
            // meanwhile may free some.
            Err(err) => {
                tracing::error!(error = %err, "accept failed; retrying in 1 s");
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
    }
    // Closing the listener refuses connections still in the backlog instead of leaving them
    // to wait for the drain.
    drop(listener);
    stop.send_replace(true);
    // Every connection holds a slot until it is closed: all of them back means none is open.
    let grace = Duration::from_secs(settings.shutdown_grace_secs);
    if tokio::time::timeout(grace, slots.acquire_many(max))
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            "connections still open after server.shutdown_grace_secs; closing them"
        );
        connections.shutdown().await;
    }
}

/// One connection's task, holding its slots while it lives.
fn connection(
    http: &http1::Builder,
    io: TimedIo,
    peer: SocketAddr,
    app: Router,
    slots: (OwnedSemaphorePermit, AddressSlot),
    mut stopping: watch::Receiver<bool>,
) -> impl Future<Output = ()> + Send + 'static {
    // Set while hyper hands the service a request, which happens inside `conn`'s own poll, so
    // between polls it tells whether a complete head ever arrived on this connection.
    let had_request = Arc::new(AtomicBool::new(false));
    let answers = io.answers();
    let service = {
        let had_request = had_request.clone();
        hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            had_request.store(true, Ordering::Relaxed);
            let answer = AnswerGuard::start(&answers);
            // What `into_make_service_with_connect_info` gave handlers (the token endpoint's
            // per-address limit reads it).
            request.extensions_mut().insert(ConnectInfo(peer));
            let response = app.clone().oneshot(request.map(Body::new));
            async move {
                let response = response.await?;
                Ok::<_, std::convert::Infallible>(response.map(|body| answer.hold_until_sent(body)))
            }
        })
    };
    let conn = http.serve_connection(TokioIo::new(io), service);
    async move {
        let _slots = slots;
        let mut conn = std::pin::pin!(conn);
        tokio::select! {
            result = conn.as_mut() => return log_end(peer, result),
            _ = stopping.wait_for(|stop| *stop) => {}
        }
        // Finishes a request in flight, then closes; closes an idle kept-alive connection at
        // once. hyper would wait on a first request head still arriving until the header
        // timeout, but no request has reached the service there, so nothing is lost by
        // dropping the connection now.
        conn.as_mut().graceful_shutdown();
        if had_request.load(Ordering::Relaxed) {
            log_end(peer, conn.await);
        }
    }
}

fn log_end(peer: SocketAddr, result: Result<(), hyper::Error>) {
    // Header timeouts and clients going away are routine: debug, not warn.
    if let Err(err) = result {
        tracing::debug!(%peer, error = %err, "connection ended with an error");
    }
}

/// Errors of one incoming connection, not of the listener: skip it and accept the next.
fn is_connection_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
