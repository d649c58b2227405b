//! The HTTP client over the engine's Unix socket. Only bytes move here; meaning is given to
//! them in `request.rs`.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use hyperlocal::UnixConnector;

use crate::error::{Error, Result};

/// A pooled HTTP/1.1 client bound to one engine socket. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Transport {
    socket: PathBuf,
    http: HyperClient<UnixConnector, Full<Bytes>>,
}

impl Transport {
    pub(crate) fn new(socket: &Path) -> Transport {
        let http = HyperClient::builder(TokioExecutor::new())
            // Engines close idle connections on their own schedule; keep ours short so a
            // pooled connection is rarely found dead.
            .pool_idle_timeout(std::time::Duration::from_secs(30))
            .build(UnixConnector);
        Transport {
            socket: socket.to_path_buf(),
            http,
        }
    }

    pub(crate) fn socket(&self) -> &Path {
        &self.socket
    }

    /// Builds the URI of `path_and_query` on this socket.
    pub(crate) fn uri(&self, path_and_query: &str) -> hyper::Uri {
        hyperlocal::Uri::new(&self.socket, path_and_query).into()
    }

    pub(crate) async fn send(&self, req: Request<Full<Bytes>>) -> Result<Response<Incoming>> {
        self.http.request(req).await.map_err(|e| {
            Error::Io(std::io::Error::other(format!(
                "request to {} failed: {}",
                self.socket.display(),
                with_causes(&e)
            )))
        })
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
