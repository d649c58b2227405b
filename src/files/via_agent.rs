//! Files through the in-sandbox agent, when the sandbox has one: one request per operation
//! on the container's agent channel, data streamed in bounded chunks both ways (see
//! `pocketdock_wire::files`), instead of the archive API's lookups (a `HEAD` per path
//! component, a `GET` of `/etc/passwd`) before every transfer. The agent applies the same
//! rules (landing, owner, refusals), so both paths behave alike; when no channel can be had
//! (a stopped container, no agent) the caller falls back to the archive API.

use std::io;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use hyper::Method;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::mpsc::UnboundedReceiver;

use super::pipe::{self, ChannelReader};
use crate::agent::conn::AgentConn;
use crate::agent::wire::files::{refusal, DATA_CHUNK, WINDOW};
use crate::agent::wire::{Msg, Put, PutHow, Want};
use crate::container::Container;
use crate::engine::request::{BodyChunks, Subject};
use crate::error::{Error, Result};

/// The top component of the tars sent in a `Put` (the agent lands it by the request).
pub(super) const TOP: &str = "t";

/// What an attempt through the agent came to.
pub(super) enum Via<T> {
    Done(Result<T>),
    /// No channel, or it closed before the answer: use the archive API instead.
    Unavailable,
}

/// Containers whose agent said it cannot do file requests (no capabilities), so they are
/// not asked again.
static UNSUPPORTED: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn unsupported(c: &Container) -> bool {
    let ids = UNSUPPORTED.lock().unwrap_or_else(|e| e.into_inner());
    ids.iter().any(|id| id == c.id())
}

/// Remembers that `c`'s agent refused as unsupported; true if `m` was that refusal.
fn note_unsupported(c: &Container, m: &Msg) -> bool {
    let is = matches!(m, Msg::Refused { code, .. } if *code == refusal::UNSUPPORTED);
    if is {
        tracing::debug!(
            container = c.name(),
            "the agent cannot do file requests here"
        );
        let mut ids = UNSUPPORTED.lock().unwrap_or_else(|e| e.into_inner());
        ids.push(c.id().to_owned());
    }
    is
}

/// The container's live agent channel, if it has an agent that answers and can do file
/// requests.
pub(super) async fn channel(c: &Container) -> Option<Arc<AgentConn>> {
    if unsupported(c) {
        return None;
    }
    match c.agent()?.get(c).await {
        Ok(conn) => Some(conn),
        Err(e) => {
            tracing::debug!(error = %e, "files go through the archive API: no agent channel");
            None
        }
    }
}

fn refused(code: u8, message: String) -> Error {
    match code {
        refusal::NOT_FOUND => Error::FileNotFound(message),
        refusal::INVALID => Error::InvalidArgument(message),
        refusal::DENIED => Error::Io(io::Error::new(io::ErrorKind::PermissionDenied, message)),
        _ => Error::Io(io::Error::other(message)),
    }
}

/// The answer that ends a request, as a result; `None` for an unexpected frame.
fn ending(m: Msg) -> Option<Result<()>> {
    match m {
        Msg::Done | Msg::DataEnd => Some(Ok(())),
        Msg::Refused { code, message } => Some(Err(refused(code, message))),
        Msg::Failed { message } => Some(Err(Error::internal(format!("agent: {message}")))),
        _ => None,
    }
}

/// Where a `Put`'s tar comes from.
pub(super) enum Body<'a> {
    /// Pieces in memory, sent in frames straight from where they are (`write_file`: the
    /// tar's head, the caller's bytes, the tar's end): no copy, no producer task.
    Slices(&'a [&'a [u8]]),
    /// Chunks from a producer (a host tree packed on a blocking thread).
    Chunks(BodyChunks),
}

/// Writes into the sandbox: `Put`, then the tar from `body` as `Data` frames, then
/// `DataEnd`. Stops sending as soon as the agent answers early (a refusal). Frames are
/// written whole even if this future is dropped; the write is then cancelled (`Cancel`),
/// and the agent leaves the destination as it was.
pub(super) async fn put(
    c: &Container,
    conn: &Arc<AgentConn>,
    dest: &str,
    how: PutHow,
    body: Body<'_>,
) -> Via<()> {
    let put = Put {
        dest: dest.to_owned(),
        owner: c.default_user().map(str::to_owned),
        how,
    };
    let (id, rx) = conn.register();
    let mut req = Request {
        conn: conn.clone(),
        id,
        rx,
        over: true,
    };
    if conn.send(id, &Msg::Put(put)).await.is_err() {
        conn.forget(id);
        return Via::Unavailable;
    }
    req.over = false;
    let answer = match send_put(&mut req, body).await {
        Ok(Some(early)) => Some(early),
        Ok(None) => req.rx.recv().await,
        Err(()) => None,
    };
    req.over = true;
    conn.forget(id);
    match answer {
        Some(m) if note_unsupported(c, &m) => Via::Unavailable,
        Some(m) => Via::Done(
            ending(m).unwrap_or_else(|| Err(Error::internal("unexpected answer to a file write"))),
        ),
        None => Via::Unavailable,
    }
}

/// A request on the channel; dropped before it is over, it is cancelled.
struct Request {
    conn: Arc<AgentConn>,
    id: u32,
    rx: UnboundedReceiver<Msg>,
    over: bool,
}

impl Drop for Request {
    fn drop(&mut self) {
        if !self.over {
            let (conn, id) = (self.conn.clone(), self.id);
            tokio::spawn(async move {
                let _ = conn.send(id, &Msg::Cancel).await;
                conn.forget(id);
            });
        }
    }
}

/// The data frames of a `Put` and its `DataEnd`: `Ok(Some(answer))` when the agent answered
/// before the end (a refusal; the rest is not sent), or the producer failed (answered with
/// a `Refused` of its own); `Err` when the channel failed.
async fn send_put(req: &mut Request, body: Body<'_>) -> Result<Option<Msg>, ()> {
    let (conn, id) = (req.conn.clone(), req.id);
    match body {
        Body::Slices(pieces) => {
            for frame in frames(pieces, DATA_CHUNK) {
                if let Some(m) = early(req).await {
                    return Ok(Some(m));
                }
                conn.send_data(id, &frame).await.map_err(|_| ())?;
            }
        }
        Body::Chunks(mut chunks) => {
            let mut carry = None;
            loop {
                if let Some(m) = early(req).await {
                    return Ok(Some(m));
                }
                let (parts, last) = match gather(&mut chunks, &mut carry).await {
                    Ok(got) => got,
                    Err(e) => {
                        let _ = conn.send(id, &Msg::Cancel).await;
                        let message = e.to_string();
                        return Ok(Some(Msg::Refused {
                            code: refusal::IO,
                            message,
                        }));
                    }
                };
                if !parts.is_empty() {
                    let slices: Vec<&[u8]> = parts.iter().map(|b| &b[..]).collect();
                    conn.send_data(id, &slices).await.map_err(|_| ())?;
                }
                if last {
                    break;
                }
            }
        }
    }
    conn.send(id, &Msg::DataEnd).await.map_err(|_| ())?;
    Ok(None)
}

/// An answer that came before the data was all sent (a refusal): the write is cancelled.
async fn early(req: &mut Request) -> Option<Msg> {
    let m = req.rx.try_recv().ok()?;
    let _ = req.conn.send(req.id, &Msg::Cancel).await;
    Some(m)
}

/// `pieces` cut into frames of at most `max` bytes, each a list of slices of them.
fn frames<'a>(pieces: &[&'a [u8]], max: usize) -> Vec<Vec<&'a [u8]>> {
    let mut out = vec![Vec::new()];
    let mut room = max;
    for mut p in pieces.iter().copied() {
        while !p.is_empty() {
            if room == 0 {
                out.push(Vec::new());
                room = max;
            }
            let (now, later) = p.split_at(p.len().min(room));
            out.last_mut().expect("one frame at least").push(now);
            room -= now.len();
            p = later;
        }
    }
    out.retain(|f| !f.is_empty());
    out
}

/// The next frame's worth of a producer's chunks: at least one chunk (waiting for it), then
/// those ready now, up to [`DATA_CHUNK`] bytes; a chunk that does not fit is cut and its
/// rest kept in `carry` (no bytes are copied). True when the producer is done.
async fn gather(
    chunks: &mut BodyChunks,
    carry: &mut Option<Bytes>,
) -> io::Result<(Vec<Bytes>, bool)> {
    let (mut parts, mut size) = (Vec::new(), 0);
    while size < DATA_CHUNK {
        let next = match carry.take() {
            Some(c) => Some(Ok(c)),
            None if parts.is_empty() => chunks.recv().await,
            None => match chunks.try_recv() {
                Ok(c) => Some(c),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => None,
            },
        };
        let mut chunk = match next {
            Some(c) => c?,
            None => return Ok((parts, true)),
        };
        if size + chunk.len() > DATA_CHUNK {
            *carry = Some(chunk.split_off(DATA_CHUNK - size));
        }
        size += chunk.len();
        if !chunk.is_empty() {
            parts.push(chunk);
        }
    }
    Ok((parts, false))
}

/// What a `Get` found.
pub(super) struct Found {
    /// The absolute path asked for.
    pub(super) abs: String,
    /// The same with every symlink resolved.
    pub(super) resolved: String,
    pub(super) dir: bool,
}

/// A `Get` whose data has yet to be read; dropping it unread cancels it.
pub(super) struct Download(Request);

/// Starts reading `path`; the agent has checked it is what `want` needs.
pub(super) async fn get(
    c: &Container,
    conn: Arc<AgentConn>,
    path: &str,
    want: Want,
) -> Via<(Found, Download)> {
    let (id, rx) = conn.register();
    let mut d = Download(Request {
        conn,
        id,
        rx,
        over: false,
    });
    let msg = Msg::Get {
        path: path.to_owned(),
        want,
    };
    // `send` writes the frame whole even if this future is dropped meanwhile (then the
    // dropped `Download` cancels the request).
    if d.0.conn.send(id, &msg).await.is_err() {
        d.0.over = true;
        d.0.conn.forget(id);
        return Via::Unavailable;
    }
    match d.0.rx.recv().await {
        Some(Msg::Found {
            path,
            resolved,
            dir,
        }) => {
            let found = Found {
                abs: path,
                resolved,
                dir,
            };
            Via::Done(Ok((found, d)))
        }
        Some(m) if note_unsupported(c, &m) => {
            d.0.over = true;
            Via::Unavailable
        }
        Some(m) => {
            d.0.over = true;
            Via::Done(Err(ending(m).and_then(Result::err).unwrap_or_else(|| {
                Error::internal("unexpected answer to a file read")
            })))
        }
        None => {
            d.0.over = true;
            Via::Unavailable
        }
    }
}

impl Download {
    /// The next piece of data, `None` at the end; grants the agent more credit as it goes.
    async fn next(&mut self, c: &Container, taken: &mut u32) -> Result<Option<Vec<u8>>> {
        match self.0.rx.recv().await {
            Some(Msg::Data { data }) => {
                *taken += 1;
                if *taken == WINDOW / 2 {
                    *taken = 0;
                    // In a task: a dropped reader must not leave half a frame behind.
                    let (conn, id) = (self.0.conn.clone(), self.0.id);
                    let credit = Msg::Credit { chunks: WINDOW / 2 };
                    let _ = tokio::spawn(async move { conn.send(id, &credit).await }).await;
                }
                Ok(Some(data))
            }
            Some(m) => {
                self.0.over = true;
                match ending(m) {
                    Some(r) => r.map(|()| None),
                    None => Err(Error::internal("unexpected frame in a file read")),
                }
            }
            None => {
                self.0.over = true;
                Err(lost(c).await)
            }
        }
    }

    /// The whole data, in memory (`read_file`).
    pub(super) async fn collect(mut self, c: &Container) -> Result<Vec<u8>> {
        let (mut out, mut taken) = (Vec::new(), 0);
        while let Some(data) = self.next(c, &mut taken).await? {
            out.extend_from_slice(&data);
        }
        Ok(out)
    }

    /// Feeds the data to `consume` on a blocking thread, a few chunks at a time.
    pub(super) async fn consume<T, F>(mut self, c: &Container, consume: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(ChannelReader) -> Result<T> + Send + 'static,
    {
        let (tx, consumer) = pipe::spawn_consumer(consume);
        let feed = async move {
            let mut taken = 0;
            loop {
                match self.next(c, &mut taken).await {
                    Ok(Some(data)) => {
                        if tx.send(Ok(Bytes::from(data))).await.is_err() {
                            return Ok(()); // the consumer stopped; its result says why
                        }
                    }
                    Ok(None) => return Ok(()),
                    Err(e) => {
                        let _ = tx.send(Err(io::Error::other(e.to_string()))).await;
                        return Err(e);
                    }
                }
            }
        };
        let (fed, consumed) = tokio::join!(feed, pipe::joined(consumer));
        fed.and(consumed)
    }
}

/// The channel closed mid-transfer: the engine says why (the container is gone, most
/// likely), or the transfer is reported incomplete.
async fn lost(c: &Container) -> Error {
    let inspect = c
        .engine()
        .call_unit(
            Method::GET,
            &format!("/containers/{}/json", c.id()),
            None,
            Subject::Container(c.name()),
        )
        .await;
    match inspect {
        Err(e) => e,
        Ok(()) => Error::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the agent channel closed mid-transfer: the transfer is incomplete",
        )),
    }
}
