//! Upgraded ("hijacked") connections: an exec started with `Upgrade: tcp` turns its HTTP
//! connection into a raw two-way stream (stdin up, multiplexed stdout/stderr down). hyper's
//! pooled client cannot hand a connection over like this, so the request is written by hand
//! on a fresh socket; the engine's refusal still goes through the funnel's `map_status`.

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use super::request::{engine_message, map_status, Subject, API_PREFIX};
use super::Engine;
use crate::error::{Error, Result};

const MAX_HEAD: usize = 64 * 1024;

/// A raw stream to the engine after the HTTP response head.
pub(crate) struct Hijacked {
    pub(crate) stream: UnixStream,
    /// Stream bytes that arrived together with the response head.
    pub(crate) early: Vec<u8>,
}

impl Engine {
    /// POSTs `body` to `path` asking for an upgrade; returns the raw stream.
    pub(crate) async fn hijack(
        &self,
        path: &str,
        body: &Value,
        subject: Subject<'_>,
    ) -> Result<Hijacked> {
        let mut stream = UnixStream::connect(self.socket()).await?;
        let body = serde_json::to_vec(body).map_err(Error::internal)?;
        let head = format!(
            "POST {API_PREFIX}{path} HTTP/1.1\r\nHost: pocketdock\r\nContent-Type: application/json\r\n\
             Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&body).await?;
        let mut buf = Vec::with_capacity(1024);
        let end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            if buf.len() > MAX_HEAD {
                return Err(Error::internal("engine sent an oversized response head"));
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(Error::Io(std::io::Error::other(
                    "engine closed the connection during upgrade",
                )));
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if status == 101 || status == 200 {
            return Ok(Hijacked {
                stream,
                early: buf[end..].to_vec(),
            });
        }
        // A refusal: the rest is a short JSON error body.
        let mut rest = buf[end..].to_vec();
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            stream.read_to_end(&mut rest),
        )
        .await;
        Err(map_status(status, engine_message(&rest), subject))
    }
}
