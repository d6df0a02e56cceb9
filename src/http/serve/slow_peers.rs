//! What keeps slow or greedy peers from holding the server: a deadline on taking answers
//! ([`TimedIo`], [`AnswerGuard`]) and a cap on connections per client address
//! ([`PerAddress`]).

use std::collections::HashMap;
use std::future::Future as _;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use hyper::body::Frame;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

/// A connection's socket with a write deadline: once an answer starts going out, everything
/// owed to the peer (that answer and any pipelined behind it) must be handed to the network
/// within `limit`, or writing fails with `TimedOut` and hyper drops the connection (reset, so
/// the kernel drops its buffered bytes too) with whatever it buffered.
///
/// The deadline is set by the first write after the connection owed nothing, and cleared when
/// hyper flushes with its own buffer empty (it calls `poll_flush` on the socket only then)
/// while no answer is still being produced ([`AnswerGuard`]). A peer that reads one byte at a
/// time therefore cannot stretch an answer by reading just enough to keep writes moving.
pub struct TimedIo {
    inner: TcpStream,
    limit: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
    answers: Arc<AtomicUsize>,
}

impl TimedIo {
    pub fn new(inner: TcpStream, limit: Duration) -> Self {
        Self {
            inner,
            limit,
            deadline: None,
            answers: Arc::default(),
        }
    }

    /// The count of answers being produced, for [`AnswerGuard::start`].
    pub fn answers(&self) -> Arc<AtomicUsize> {
        self.answers.clone()
    }

    /// Arms the deadline if needed; `Err` once it has passed. Polling the timer also wakes
    /// the connection at the deadline when the write is left pending.
    fn check_deadline(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let limit = self.limit;
        let deadline = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                metrics::counter!("http_slow_readers_closed_total").increment(1);
                // Reset rather than close: a close would leave what the kernel buffered to be
                // trickled out to the same slow reader.
                let _ = self.inner.set_zero_linger();
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the peer did not take its answer within server.write_timeout_secs",
                ))
            }
            Poll::Pending => Ok(()),
        }
    }
}

impl AsyncRead for TimedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for TimedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check_deadline(cx)?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check_deadline(cx)?;
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.answers.load(Ordering::Acquire) == 0 {
            self.deadline = None;
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Counts one answer of a connection as being produced, from its request's arrival until
/// hyper has taken the last of its body (or dropped it).
pub struct AnswerGuard(Arc<AtomicUsize>);

impl AnswerGuard {
    pub fn start(answers: &Arc<AtomicUsize>) -> Self {
        answers.fetch_add(1, Ordering::AcqRel);
        Self(answers.clone())
    }

    /// `body`, holding this guard until hyper drops it.
    pub fn hold_until_sent(self, body: Body) -> Body {
        Body::new(Guarded { body, _guard: self })
    }
}

impl Drop for AnswerGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

struct Guarded {
    body: Body,
    _guard: AnswerGuard,
}

impl HttpBody for Guarded {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// Open connections per client address.
#[derive(Default)]
pub struct PerAddress {
    open: Mutex<HashMap<IpAddr, u32>>,
}

impl PerAddress {
    /// A slot for one more connection from `ip`, unless it holds `cap` already.
    pub fn try_open(self: &Arc<Self>, ip: IpAddr, cap: u32) -> Option<AddressSlot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(ip).or_insert(0);
        if *count >= cap {
            return None;
        }
        *count += 1;
        Some(AddressSlot {
            table: self.clone(),
            ip,
        })
    }
}

/// One open connection of an address; the count drops with it.
pub struct AddressSlot {
    table: Arc<PerAddress>,
    ip: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self
            .table
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_gets_its_cap_and_slots_come_back() {
        let table = Arc::new(PerAddress::default());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = table.try_open(a, 2).expect("first");
        let second = table.try_open(a, 2).expect("second");
        assert!(table.try_open(a, 2).is_none(), "a third from one address");
        let other = table
            .try_open(b, 2)
            .expect("another address is not affected");
        drop(second);
        let again = table.try_open(a, 2).expect("a slot came back");
        drop((first, again, other));
        assert!(
            table.open.lock().unwrap().is_empty(),
            "no entry left behind"
        );
    }
}
