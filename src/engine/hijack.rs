//! Upgraded ("hijacked") connections: an exec started with `Upgrade: tcp` turns its HTTP
//! connection into a raw two-way stream (stdin up, multiplexed stdout/stderr down). hyper's
//! pooled client cannot hand a connection over like this, so the request is written by hand
//! on a fresh socket; the engine's refusal still goes through the funnel's `map_status`.
//! [`StreamBody`] reads a stream an engine sent either as a response body or, after an
//! unasked-for `101 UPGRADED`, on the upgraded connection.

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::request::{engine_message, map_status, Subject, API_PREFIX};
use super::transport::Conn;
use super::Engine;
use crate::error::{Error, Result};

const MAX_HEAD: usize = 64 * 1024;

/// A raw stream to the engine after the HTTP response head.
pub(crate) struct Hijacked {
    pub(crate) stream: Conn,
    /// Stream bytes that arrived together with the response head.
    pub(crate) early: Vec<u8>,
}

impl Engine {
    /// POSTs `body` to `path` asking for an upgrade; returns the raw stream. The answer's
    /// head must come within the request deadline; the stream after it has none (it is a
    /// command's output, bounded by the run's own timeout).
    pub(crate) async fn hijack(
        &self,
        path: &str,
        body: &Value,
        subject: Subject<'_>,
    ) -> Result<Hijacked> {
        self.deadline(&hyper::Method::POST, path)
            .head(self.upgrade(path, body, subject))
            .await
    }

    async fn upgrade(&self, path: &str, body: &Value, subject: Subject<'_>) -> Result<Hijacked> {
        let mut stream = self.transport.dial().await?;
        let body = serde_json::to_vec(body).map_err(Error::internal)?;
        let head = format!(
            "POST {API_PREFIX}{path} HTTP/1.1\r\nHost: pocketdock\r\nContent-Type: application/json\r\n\
             Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&body).await?;
        stream.flush().await?;
        let mut buf = Vec::with_capacity(1024);
        let end = loop {
            if let Some(end) = head_end(&buf) {
                break end;
            }
            if buf.len() > MAX_HEAD {
                return Err(Error::internal("engine sent an oversized response head"));
            }
            let mut chunk = [0u8; 4096];
            let n = stream
                .read(&mut chunk)
                .await
                .map_err(|e| self.transport.failure("upgrade on", &e))?;
            if n == 0 {
                return Err(Error::Io(std::io::Error::other(
                    "engine closed the connection during upgrade",
                )));
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let status = head_status(&buf[..end]);
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
        Err(map_status(status, engine_message(status, &rest), subject))
    }
}

/// Where the response head in `buf` ends (just after its blank line), once all of it came.
pub(crate) fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// The status code of a response head (`HTTP/1.1 101 UPGRADED`); 0 when it has none.
pub(crate) fn head_status(head: &[u8]) -> u16 {
    String::from_utf8_lossy(head)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A streamed answer (an exec's multiplexed output): the response body, or the raw
/// connection when the engine answered `101 UPGRADED` to a request that did not ask for an
/// upgrade (the Docker API allows it for exec start; Docker-API front-ends send it).
pub(crate) enum StreamBody {
    Body(Incoming),
    Upgraded(Box<TokioIo<hyper::upgrade::Upgraded>>),
}

impl StreamBody {
    pub(crate) async fn of(resp: Response<Incoming>) -> Result<StreamBody> {
        if resp.status() != StatusCode::SWITCHING_PROTOCOLS {
            return Ok(StreamBody::Body(resp.into_body()));
        }
        let upgraded = hyper::upgrade::on(resp).await.map_err(|e| {
            Error::Io(std::io::Error::other(format!(
                "the engine answered 101 UPGRADED but the connection could not be taken over: {e}"
            )))
        })?;
        Ok(StreamBody::Upgraded(Box::new(TokioIo::new(upgraded))))
    }

    /// The next bytes of the stream; `None` at its end.
    pub(crate) async fn chunk(&mut self) -> Option<std::io::Result<Bytes>> {
        match self {
            StreamBody::Body(body) => loop {
                match body.frame().await? {
                    Err(e) => return Some(Err(std::io::Error::other(e))),
                    Ok(frame) => match frame.into_data() {
                        Ok(data) => return Some(Ok(data)),
                        // Trailers carry nothing of the stream.
                        Err(_) => continue,
                    },
                }
            },
            StreamBody::Upgraded(io) => {
                let mut buf = vec![0u8; 64 * 1024];
                match io.read(&mut buf).await {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        Some(Ok(Bytes::from(buf)))
                    }
                    Err(e) => Some(Err(e)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::frames::{FrameDecoder, StreamKind};
    use crate::engine::transport::Transport;
    use tokio::net::UnixListener;

    /// An engine that answers a plain request with `101 UPGRADED` and then the raw
    /// multiplexed stream, as Sockerless does: the stream must be read, not refused.
    #[tokio::test]
    async fn an_unasked_for_101_is_read_as_the_stream() {
        let dir = std::env::temp_dir().join(format!("pd-101-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("e.sock");
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).unwrap();
        let server = tokio::spawn(async move {
            let (mut c, _) = listener.accept().await.unwrap();
            let mut req = vec![0u8; 4096];
            let _ = c.read(&mut req).await.unwrap();
            let mut out = b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n".to_vec();
            out.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 3]);
            out.extend_from_slice(b"hi\n");
            c.write_all(&out).await.unwrap();
        });
        let t = Transport::unix(path);
        let req = hyper::Request::post(t.uri("/exec/x/start"))
            .body(http_body_util::Full::new(Bytes::new()))
            .unwrap();
        let resp = t.send(req).await.unwrap();
        assert_eq!(resp.status(), 101);
        let mut body = StreamBody::of(resp).await.unwrap();
        let mut out = Vec::new();
        let mut dec = FrameDecoder::new();
        while let Some(chunk) = body.chunk().await {
            dec.feed(&chunk.unwrap(), |k, b| {
                assert_eq!(k, StreamKind::Stdout);
                out.extend_from_slice(b)
            });
        }
        server.await.unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(out, b"hi\n");
    }
}
