//! The HTTP client to the engine, over a Unix socket, plain TCP (loopback only) or TLS. Only
//! bytes move here; meaning is given to them in `request.rs`. Every connection, pooled or
//! raw (upgrades, streamed uploads), is made by [`Transport::dial`], so each failure names
//! its step: connect, TLS handshake or certificate.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, Uri};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

use super::ssh::Forward;
use super::tls::{self, TlsFiles};
use crate::error::{Error, Result};

/// Where connections go.
pub(crate) enum Endpoint {
    Unix(PathBuf),
    Tcp {
        host: String,
        port: u16,
        tls: Option<Tls>,
    },
}

/// A TLS client for one engine.
pub(crate) struct Tls {
    pub(crate) connector: tokio_rustls::TlsConnector,
    pub(crate) name: rustls::pki_types::ServerName<'static>,
    pub(crate) files: TlsFiles,
}

struct Dialer {
    endpoint: Endpoint,
    /// The address as the user wrote it, for messages and `EngineInfo`.
    label: String,
    /// The ssh process behind an `ssh://` address's local socket: it lives as long as any
    /// clone of this transport, and is killed when the last one goes.
    _forward: Option<Forward>,
}

/// A pooled HTTP/1.1 client bound to one engine. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Transport {
    dialer: Arc<Dialer>,
    http: HyperClient<Connector, Full<Bytes>>,
}

/// Any connection to an engine.
pub(crate) struct Conn(Box<dyn Io>);

pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

impl Transport {
    pub(crate) fn new(endpoint: Endpoint, label: String, forward: Option<Forward>) -> Transport {
        let dialer = Arc::new(Dialer {
            endpoint,
            label,
            _forward: forward,
        });
        let http = pool(&dialer);
        Transport { dialer, http }
    }

    /// The same engine on a new connection pool (a retry must not reuse a stuck connection).
    pub(crate) fn fresh(&self) -> Transport {
        Transport {
            dialer: self.dialer.clone(),
            http: pool(&self.dialer),
        }
    }

    /// A Unix socket, as the user named it.
    pub(crate) fn unix(socket: PathBuf) -> Transport {
        let label = socket.display().to_string();
        Transport::new(Endpoint::Unix(socket), label, None)
    }

    /// The engine's address as the user wrote it (a socket path, `tcp://..`, `ssh://..`).
    pub(crate) fn label(&self) -> &str {
        &self.dialer.label
    }

    /// Whether the engine is reached on a Unix socket of this machine (not through an ssh
    /// forward, not over TCP): the one case where its containers may be local processes.
    pub(crate) fn is_local_socket(&self) -> bool {
        matches!(self.dialer.endpoint, Endpoint::Unix(_)) && self.dialer._forward.is_none()
    }

    /// The URI of `path_and_query`; the connector, not the host part, picks the engine.
    pub(crate) fn uri(&self, path_and_query: &str) -> Uri {
        let uri = format!("http://pocketdock{path_and_query}");
        uri.parse()
            .unwrap_or_else(|_| Uri::from_static("http://pocketdock/"))
    }

    /// A new raw connection (for upgrades and streamed bodies).
    pub(crate) async fn dial(&self) -> std::io::Result<Conn> {
        self.dialer.dial().await
    }

    pub(crate) async fn send(&self, req: Request<Full<Bytes>>) -> Result<Response<Incoming>> {
        self.http
            .request(req)
            .await
            .map_err(|e| self.dialer.failure("request to", &e))
    }

    /// Names a failed exchange on a connection: a TLS failure by its step and file (with
    /// TLS 1.3 the engine refuses a client certificate only after the handshake, so its
    /// alert arrives with the first answer), anything else with its causes.
    pub(crate) fn failure(&self, what: &str, e: &(dyn std::error::Error + 'static)) -> Error {
        self.dialer.failure(what, e)
    }
}

fn pool(dialer: &Arc<Dialer>) -> HyperClient<Connector, Full<Bytes>> {
    HyperClient::builder(TokioExecutor::new())
        // Engines close idle connections on their own schedule; keep ours short so a pooled
        // connection is rarely found dead.
        .pool_idle_timeout(std::time::Duration::from_secs(30))
        .build(Connector(dialer.clone()))
}

impl Dialer {
    async fn dial(&self) -> std::io::Result<Conn> {
        let (host, port, tls) = match &self.endpoint {
            Endpoint::Unix(path) => {
                return UnixStream::connect(path)
                    .await
                    .map(|s| Conn(Box::new(s)))
                    .map_err(|e| step(e.kind(), format!("connect to {} failed: {e}", self.label)))
            }
            Endpoint::Tcp { host, port, tls } => (host, *port, tls),
        };
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| step(e.kind(), format!("connect to {} failed: {e}", self.label)))?;
        let _ = tcp.set_nodelay(true);
        let Some(tls) = tls else {
            return Ok(Conn(Box::new(tcp)));
        };
        match tls.connector.connect(tls.name.clone(), tcp).await {
            Ok(s) => Ok(Conn(Box::new(s))),
            Err(e) => {
                let text = match tls::find_rustls_error(&e) {
                    Some(r) => format!("{}: {}", self.label, tls::explain(r, &tls.files, host)),
                    None => format!("{}: TLS handshake failed: {e}", self.label),
                };
                Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    TlsFailure(text),
                ))
            }
        }
    }

    fn failure(&self, what: &str, e: &(dyn std::error::Error + 'static)) -> Error {
        // A handshake failure, already named by `dial`, wrapped by hyper on its way here.
        if let Some(named) = find_tls_failure(e) {
            return Error::Io(step(std::io::ErrorKind::InvalidData, named.0.clone()));
        }
        if let (
            Some(r),
            Endpoint::Tcp {
                host,
                tls: Some(tls),
                ..
            },
        ) = (tls::find_rustls_error(e), &self.endpoint)
        {
            let text = format!("{}: {}", self.label, tls::explain(r, &tls.files, host));
            return Error::Io(step(std::io::ErrorKind::InvalidData, text));
        }
        Error::Io(std::io::Error::other(format!(
            "{what} {} failed: {}",
            self.label,
            with_causes(e)
        )))
    }
}

/// A TLS failure as `dial` named it, kept as a type so it can be found again under hyper's
/// wrapping.
#[derive(Debug)]
struct TlsFailure(String);

impl std::fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsFailure {}

fn find_tls_failure<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a TlsFailure> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<TlsFailure>() {
            return Some(t);
        }
        let inner = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref());
        if let Some(t) = inner.and_then(|i| i.downcast_ref::<TlsFailure>()) {
            return Some(t);
        }
        cur = err.source();
    }
    None
}

/// An I/O error of `kind` saying which step failed. `InvalidData` marks TLS and certificate
/// failures, which no retry fixes.
fn step(kind: std::io::ErrorKind, text: String) -> std::io::Error {
    std::io::Error::new(kind, text)
}

/// The connector the pooled client uses: every connection comes from [`Dialer::dial`].
#[derive(Clone)]
struct Connector(Arc<Dialer>);

impl tower_service::Service<Uri> for Connector {
    type Response = TokioIo<Conn>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<TokioIo<Conn>>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let dialer = self.0.clone();
        Box::pin(async move { dialer.dial().await.map(TokioIo::new) })
    }
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

/// Writes as much of `buf` as goes out without waiting, then flushes (a TLS stream holds
/// written bytes until flushed). Returns how much was written and whether it is all out;
/// the caller awaits the rest (`write_all` of what is left, then `flush`). Lets a small
/// frame go out with no task hop in the usual case.
pub(crate) fn write_now<W: AsyncWrite + Unpin>(
    w: &mut W,
    buf: &[u8],
) -> std::io::Result<(usize, bool)> {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut sent = 0;
    while sent < buf.len() {
        match Pin::new(&mut *w).poll_write(&mut cx, &buf[sent..]) {
            Poll::Ready(Ok(0)) => return Err(std::io::ErrorKind::WriteZero.into()),
            Poll::Ready(Ok(n)) => sent += n,
            Poll::Ready(Err(e)) => return Err(e),
            Poll::Pending => return Ok((sent, false)),
        }
    }
    match Pin::new(&mut *w).poll_flush(&mut cx) {
        Poll::Ready(Ok(())) => Ok((sent, true)),
        Poll::Ready(Err(e)) => Err(e),
        Poll::Pending => Ok((sent, false)),
    }
}

/// An error and what caused it, innermost last: hyper's own text ("client error (Connect)")
/// says which step failed, the cause says why ("No such file or directory").
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
