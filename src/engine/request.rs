//! The one request funnel: every call to the engine is built, sent and judged here, so the
//! mapping from HTTP status to [`Error`] lives in exactly one place.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;

use super::deadline::{Activity, Deadline};
use super::models::ErrorResponse;
use super::Engine;
use crate::error::{Error, Result};

/// The API version both engines speak; every path is pinned to it.
pub(crate) const API_PREFIX: &str = "/v1.41";

/// What a request is about, so that a 404 or 409 can be named precisely.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Subject<'a> {
    /// Nothing in particular (ping, version).
    Engine,
    /// Creating a container with this name from this image.
    Create { name: &'a str, image: &'a str },
    /// An existing container, by name or id.
    Container(&'a str),
    /// An exec instance.
    Exec(&'a str),
    /// Creating an exec in a container: a 404 is kept as the engine said it (with its
    /// message), since compatible engines answer 404 for more than a missing container and
    /// only an inspect can tell (`Container::create_exec`).
    ExecIn(&'a str),
    /// An image, by name.
    Image(&'a str),
    /// A path in a container's filesystem (the archive API): a 404 may be either.
    ContainerPath { container: &'a str, path: &'a str },
}

pub(crate) use super::deadline::DEFAULT_REQUEST_TIMEOUT;

/// Chunks of a request body produced elsewhere (an `Err` aborts the request).
pub(crate) type BodyChunks = mpsc::Receiver<std::io::Result<Bytes>>;

/// A request body fed through a bounded channel, so uploads stream in constant memory.
/// Each time the connection asks for more, the engine has taken what came before: that is
/// the upload's progress, which keeps its deadline away.
struct ChannelBody(BodyChunks, Activity);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.1.stamp();
        let polled = self.0.poll_recv(cx).map(|c| c.map(|r| r.map(Frame::data)));
        if polled.is_ready() {
            self.1.stamp();
        }
        polled
    }
}

impl Engine {
    /// The deadline of a request to `path` (docs/engines.md, "Request deadline").
    pub(crate) fn deadline(&self, method: &Method, path: &str) -> Deadline {
        Deadline::new(self.label(), method.as_str(), path, self.request_timeout)
    }

    /// Sends a request and returns the response if the engine accepted it (2xx or 304);
    /// otherwise reads the engine's message and maps it to an [`Error`].
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        subject: Subject<'_>,
    ) -> Result<Response<Incoming>> {
        let payload = body.map(json_body).transpose()?;
        self.call_bytes(method, path, payload, subject).await
    }

    /// [`Engine::call`] with a typed body (one of `engine::models`).
    pub(crate) async fn call_with<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: &B,
        subject: Subject<'_>,
    ) -> Result<Response<Incoming>> {
        self.call_bytes(method, path, Some(json_body(body)?), subject)
            .await
    }

    /// [`Engine::call_with`] and decode the JSON answer.
    pub(crate) async fn call_json_with<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
        subject: Subject<'_>,
    ) -> Result<T> {
        let resp = self.call_with(method, path, body, subject).await?;
        decode(path, &read_body(resp).await?)
    }

    /// [`Engine::call`] with a body of any content type.
    pub(crate) async fn call_bytes(
        &self,
        method: Method,
        path: &str,
        body: Option<(&str, Bytes)>,
        subject: Subject<'_>,
    ) -> Result<Response<Incoming>> {
        let deadline = self.deadline(&method, path);
        let uri = self.transport.uri(&format!("{API_PREFIX}{path}"));
        let mut req = Request::builder().method(method).uri(uri);
        let payload = match body {
            Some((content_type, bytes)) => {
                req = req.header("content-type", content_type);
                bytes
            }
            None => Bytes::new(),
        };
        let req = req.body(Full::new(payload)).map_err(Error::internal)?;
        let resp = deadline.head(self.transport.send(req)).await?;
        judge(with_deadline(resp, deadline), subject).await
    }

    /// [`Engine::call_bytes`] with a body streamed from `chunks` (chunked transfer encoding),
    /// for uploads of any size in constant memory. It runs on a connection of its own (the
    /// pooled client is typed for whole bodies); the answer is judged like every other.
    pub(crate) async fn call_stream(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        chunks: BodyChunks,
        subject: Subject<'_>,
    ) -> Result<Response<Incoming>> {
        let deadline = self.deadline(&method, path);
        let activity = Activity::new();
        let body = ChannelBody(chunks, activity.clone());
        let send = async {
            let stream = self.transport.dial().await?;
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| self.transport.failure("handshake with", &e))?;
            tokio::spawn(async move {
                if let Err(e) = conn.await {
                    tracing::debug!(error = %e, "streaming engine connection ended with an error");
                }
            });
            let req = Request::builder()
                .method(method)
                .uri(format!("{API_PREFIX}{path}"))
                .header("host", "pocketdock")
                .header("content-type", content_type)
                .body(body)
                .map_err(Error::internal)?;
            sender
                .send_request(req)
                .await
                .map_err(|e| self.transport.failure("streaming request to", &e))
        };
        let resp = deadline.head_after(&activity, send).await?;
        judge(with_deadline(resp, deadline), subject).await
    }

    /// [`Engine::call`] and decode the JSON answer.
    pub(crate) async fn call_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        subject: Subject<'_>,
    ) -> Result<T> {
        let resp = self.call(method, path, body, subject).await?;
        decode(path, &read_body(resp).await?)
    }

    /// [`Engine::call`] and discard the answer's body.
    pub(crate) async fn call_unit(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        subject: Subject<'_>,
    ) -> Result<()> {
        let resp = self.call(method, path, body, subject).await?;
        read_body(resp).await.map(drop)
    }
}

/// A JSON request body.
fn json_body<B: Serialize + ?Sized>(body: &B) -> Result<(&'static str, Bytes)> {
    let bytes = serde_json::to_vec(body).map_err(Error::internal)?;
    Ok(("application/json", Bytes::from(bytes)))
}

/// An answer's JSON as `T` (one of `engine::models`, usually).
fn decode<T: DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::internal(format!("engine sent unexpected JSON for {path}: {e}")))
}

/// Passes an accepted answer through; turns any other into an [`Error`]. Accepted: 2xx,
/// 304, and 101: the Docker API documents `101 UPGRADED` as a success of exec start and
/// attach, and compatible engines answer a plain (non-upgrade) exec start with it; the
/// caller reads the stream from the upgraded connection (`engine_exec`).
pub(crate) async fn judge(
    resp: Response<Incoming>,
    subject: Subject<'_>,
) -> Result<Response<Incoming>> {
    let status = resp.status();
    if status.is_success()
        || status == StatusCode::NOT_MODIFIED
        || status == StatusCode::SWITCHING_PROTOCOLS
    {
        return Ok(resp);
    }
    let message = engine_message(status.as_u16(), &read_body(resp).await.unwrap_or_default());
    Err(map_status(status.as_u16(), message, subject))
}

/// Marks `resp` with its request's deadline, which [`read_body`] and [`body_deadline`]
/// readers keep; a caller that reads the body as a command's output ignores it.
fn with_deadline(mut resp: Response<Incoming>, deadline: Deadline) -> Response<Incoming> {
    resp.extensions_mut().insert(deadline);
    resp
}

/// The deadline a funnel answer carries, for a caller that streams its body as data (an
/// archive): each piece must come within it. Every answer from the funnel carries one; the
/// fallback (the default limit) is for a response made elsewhere (unit tests).
pub(crate) fn body_deadline(resp: &Response<Incoming>) -> Deadline {
    resp.extensions()
        .get::<Deadline>()
        .cloned()
        .unwrap_or_else(|| {
            Deadline::new(
                "the engine",
                "reading",
                "an answer",
                DEFAULT_REQUEST_TIMEOUT,
            )
        })
}

/// The whole body of an answer, each piece within the request's deadline.
pub(crate) async fn read_body(resp: Response<Incoming>) -> Result<Bytes> {
    let deadline = body_deadline(&resp);
    let mut body = resp.into_body();
    let mut out = bytes::BytesMut::new();
    while let Some(data) = deadline.next_data(&mut body).await? {
        out.extend_from_slice(&data);
    }
    Ok(out.freeze())
}

/// Escapes a value for a query string (RFC 3986 unreserved characters and `/` pass).
pub(crate) fn query_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Engines answer errors as `{"message": "..."}` (Podman adds `cause`); fall back to the
/// text, then to the status itself: an error never has an empty message.
pub(crate) fn engine_message(status: u16, body: &[u8]) -> String {
    let said = match serde_json::from_slice::<ErrorResponse>(body) {
        // A JSON document without a message (`{}`) says nothing either.
        Ok(doc) => doc.message.unwrap_or_default().trim().to_owned(),
        Err(_) => String::from_utf8_lossy(body).trim().to_owned(),
    };
    if !said.is_empty() {
        return said;
    }
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("unknown status");
    format!("the engine answered HTTP {status} ({reason}){NO_MESSAGE}")
}

const NO_MESSAGE: &str = " with no message";

/// Whether the engine's answer carried no message of its own (some refusals are told apart
/// by that alone, e.g. Docker's bare 500 on a path below a file).
pub(crate) fn said_nothing(message: &str) -> bool {
    message.is_empty() || message.ends_with(NO_MESSAGE)
}

/// The single place where an engine's refusal becomes an [`Error`].
pub(crate) fn map_status(status: u16, message: String, subject: Subject<'_>) -> Error {
    let not_running = message.contains("is not running")
        || message.contains("container state improper")
        || message.contains("is paused");
    match (subject, status) {
        (Subject::Create { image, .. }, 404) => Error::ImageNotFound(image.to_owned()),
        (Subject::Create { name, .. }, 409) => Error::NameConflict(name.to_owned()),
        // Podman 4 answers a name clash with a 500 "... is already in use".
        (Subject::Create { name, .. }, 500) if message.contains("already in use") => {
            Error::NameConflict(name.to_owned())
        }
        (Subject::Container(c), 404) => Error::ContainerNotFound(c.to_owned()),
        // Podman 4, asked about a container in the middle of its removal: a 500 "... does
        // not exist in database: no such container".
        (Subject::Container(c), 500) if message.contains("no such container") => {
            Error::ContainerNotFound(c.to_owned())
        }
        // The archive API answers 404 for a missing container and for a missing path alike;
        // only the message tells them apart (a HEAD has none: the caller checks).
        (Subject::ContainerPath { container, .. }, 404)
            if message.to_ascii_lowercase().contains("no such container") =>
        {
            Error::ContainerNotFound(container.to_owned())
        }
        (Subject::ContainerPath { path, .. }, 404) => Error::FileNotFound(path.to_owned()),
        (Subject::ContainerPath { container, .. }, 409 | 500) if not_running => {
            Error::ContainerNotRunning(container.to_owned())
        }
        (Subject::Image(i), 404) => Error::ImageNotFound(i.to_owned()),
        (Subject::Container(c), 409) => Error::ContainerNotRunning(c.to_owned()),
        // Podman reports a stopped container's exec as a 500 "container state improper".
        (Subject::Container(c), 500) if not_running => Error::ContainerNotRunning(c.to_owned()),
        (Subject::ExecIn(_), 404) => Error::Engine { status, message },
        (Subject::ExecIn(c), 409) => Error::ContainerNotRunning(c.to_owned()),
        (Subject::ExecIn(c), 500) if not_running => Error::ContainerNotRunning(c.to_owned()),
        (Subject::Exec(_), 409) if not_running => Error::ContainerNotRunning(message),
        (Subject::Exec(_), 500) if not_running => Error::ContainerNotRunning(message),
        (Subject::Exec(id), _) => Error::Engine {
            status,
            message: format!("exec {id}: {message}"),
        },
        _ => Error::Engine { status, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn create_404_is_missing_image_and_409_is_name_clash() {
        let s = Subject::Create {
            name: "pd-1",
            image: "img",
        };
        assert_eq!(
            map_status(404, "no such image".into(), s).kind(),
            ErrorKind::ImageNotFound
        );
        assert_eq!(
            map_status(409, "conflict".into(), s).kind(),
            ErrorKind::NameConflict
        );
        let podman = "creating container storage: the container name \"pd-1\" is already in use";
        assert_eq!(
            map_status(500, podman.into(), s).kind(),
            ErrorKind::NameConflict
        );
    }

    #[test]
    fn podman_state_improper_is_not_running() {
        let e = map_status(
            500,
            "container state improper".into(),
            Subject::Container("c"),
        );
        assert_eq!(e.kind(), ErrorKind::ContainerNotRunning);
        let e = map_status(500, "boom".into(), Subject::Container("c"));
        assert_eq!(e.engine_status(), Some(500));
    }

    #[test]
    fn podman_mid_removal_500_is_not_found() {
        let m = "container 0b4a does not exist in database: no such container";
        let e = map_status(500, m.into(), Subject::Container("c"));
        assert_eq!(e.kind(), ErrorKind::ContainerNotFound);
    }

    #[test]
    fn archive_404_names_the_container_or_the_path() {
        let s = Subject::ContainerPath {
            container: "pd-1",
            path: "/x",
        };
        let docker = "No such container: pd-1";
        let podman = "no container with name or ID \"pd-1\" found: no such container";
        for m in [docker, podman] {
            assert_eq!(
                map_status(404, m.into(), s).kind(),
                ErrorKind::ContainerNotFound
            );
        }
        let docker = "Could not find the file /x in container 0123";
        for m in [docker, "no such file or directory", ""] {
            let e = map_status(404, m.into(), s);
            assert!(matches!(&e, Error::FileNotFound(p) if p == "/x"), "{e}");
        }
        assert_eq!(
            map_status(500, "container state improper".into(), s).kind(),
            ErrorKind::ContainerNotRunning
        );
    }

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(
            query_escape("/home/a b/ü&x=1"),
            "/home/a%20b/%C3%BC%26x%3D1"
        );
    }

    #[test]
    fn message_is_taken_from_json_or_text_and_never_empty() {
        assert_eq!(engine_message(500, br#"{"message":"m","cause":"c"}"#), "m");
        assert_eq!(engine_message(500, b" plain \n"), "plain");
        for body in [&b""[..], b"{}", br#"{"message":""}"#, b"  "] {
            let m = engine_message(404, body);
            assert!(
                m.contains("HTTP 404 (Not Found)") && said_nothing(&m),
                "{m}"
            );
        }
        let e = map_status(101, engine_message(101, b""), Subject::Exec("x"));
        assert!(e.to_string().contains("Switching Protocols"), "{e}");
    }

    #[test]
    fn an_exec_create_404_keeps_the_engines_message() {
        let e = map_status(404, "no such exec driver".into(), Subject::ExecIn("c"));
        assert_eq!(e.engine_status(), Some(404));
        assert!(e.to_string().contains("no such exec driver"), "{e}");
        let e = map_status(409, "is not running".into(), Subject::ExecIn("c"));
        assert_eq!(e.kind(), ErrorKind::ContainerNotRunning);
    }
}
