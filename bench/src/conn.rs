//! A minimal HTTP/1.1 keep-alive client connection over a raw socket (see `load`), and the
//! bytes of the requests it sends.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// The bytes of one request: `headers` are `(name, value)`; a body gets its `content-length`.
pub fn request_bytes(
    method: &str,
    addr: SocketAddr,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Box<[u8]> {
    let mut head = format!("{method} {path_and_query} HTTP/1.1\r\nhost: {addr}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes.into_boxed_slice()
}

/// A keep-alive HTTP/1.1 connection that reads `content-length` bodies and discards them.
pub struct Conn {
    stream: TcpStream,
    head: Vec<u8>,
    chunk: Box<[u8]>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            head: Vec::with_capacity(4096),
            chunk: vec![0; 256 * 1024].into_boxed_slice(),
        })
    }

    /// Sends `request`, reads the whole response, returns its status.
    pub async fn exchange(&mut self, request: &[u8]) -> io::Result<u16> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_and_length_case_insensitively() {
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: x\r\nCONTENT-LENGTH: 42\r\n\r\n";
        assert_eq!(parse_head(head).unwrap(), (200, 42));
        assert!(parse_head(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").is_err());
    }

    #[test]
    fn posts_carry_a_length() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let bytes = request_bytes("POST", addr, "/t", &[("a", "b")], b"x=1");
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.starts_with("POST /t HTTP/1.1\r\nhost: 127.0.0.1:9\r\na: b\r\n"));
        assert!(text.ends_with("content-length: 3\r\n\r\nx=1"));
    }
}
