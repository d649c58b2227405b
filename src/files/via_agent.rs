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

/// Writes into the sandbox: `Put`, then the tar from `body` as `Data` frames, then
/// `DataEnd`. Stops sending as soon as the agent answers early (a refusal). The sending runs
/// in a task of its own: a caller that gives up (a dropped future) must not cut a frame in
/// half on the shared channel; the task then sees the data end short, and the agent refuses
/// the incomplete tar and leaves the destination as it was.
pub(super) async fn put(
    c: &Container,
    conn: &Arc<AgentConn>,
    dest: &str,
    how: PutHow,
    body: BodyChunks,
) -> Via<()> {
    let put = Put {
        dest: dest.to_owned(),
        owner: c.default_user().map(str::to_owned),
        how,
    };
    let answer = tokio::spawn(send_put(conn.clone(), put, body)).await;
    match answer {
        Ok(Some(m)) if note_unsupported(c, &m) => Via::Unavailable,
        Ok(Some(m)) => Via::Done(
            ending(m).unwrap_or_else(|| Err(Error::internal("unexpected answer to a file write"))),
        ),
        Ok(None) => Via::Unavailable,
        Err(e) => Via::Done(Err(Error::internal(format!("file write task: {e}")))),
    }
}

/// The frames of a `Put`; the agent's answer, or `None` if the channel closed first. A
/// failure of the data's producer is answered with a `Refused` of its own.
async fn send_put(conn: Arc<AgentConn>, put: Put, mut body: BodyChunks) -> Option<Msg> {
    let (id, mut rx) = conn.register();
    let sent = async {
        conn.send(id, &Msg::Put(put)).await.ok()?;
        let mut pending: Vec<u8> = Vec::new();
        loop {
            if let Ok(m) = rx.try_recv() {
                // An answer before the data is all sent is a refusal: stop sending.
                let _ = conn.send(id, &Msg::Cancel).await;
                return Some(Some(m));
            }
            let next = body.recv().await;
            let last = next.is_none();
            match next {
                Some(Ok(chunk)) => pending.extend_from_slice(&chunk),
                Some(Err(e)) => {
                    let _ = conn.send(id, &Msg::Cancel).await;
                    let message = e.to_string();
                    return Some(Some(Msg::Refused {
                        code: refusal::IO,
                        message,
                    }));
                }
                None => {}
            }
            while pending.len() >= DATA_CHUNK || (last && !pending.is_empty()) {
                let rest = pending.split_off(pending.len().min(DATA_CHUNK));
                let data = std::mem::replace(&mut pending, rest);
                conn.send(id, &Msg::Data { data }).await.ok()?;
            }
            if last {
                break;
            }
        }
        conn.send(id, &Msg::DataEnd).await.ok()?;
        Some(None)
    };
    let answer = match sent.await {
        Some(Some(early)) => Some(early),
        Some(None) => rx.recv().await,
        None => None,
    };
    conn.forget(id);
    answer
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
pub(super) struct Download {
    conn: Arc<AgentConn>,
    id: u32,
    rx: UnboundedReceiver<Msg>,
    over: bool,
}

impl Drop for Download {
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

/// Starts reading `path`; the agent has checked it is what `want` needs.
pub(super) async fn get(
    c: &Container,
    conn: Arc<AgentConn>,
    path: &str,
    want: Want,
) -> Via<(Found, Download)> {
    let (id, rx) = conn.register();
    let mut d = Download {
        conn,
        id,
        rx,
        over: false,
    };
    let msg = Msg::Get {
        path: path.to_owned(),
        want,
    };
    // `send` writes the frame whole even if this future is dropped meanwhile (then the
    // dropped `Download` cancels the request).
    if d.conn.send(id, &msg).await.is_err() {
        d.over = true;
        d.conn.forget(id);
        return Via::Unavailable;
    }
    match d.rx.recv().await {
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
            d.over = true;
            Via::Unavailable
        }
        Some(m) => {
            d.over = true;
            Via::Done(Err(ending(m).and_then(Result::err).unwrap_or_else(|| {
                Error::internal("unexpected answer to a file read")
            })))
        }
        None => {
            d.over = true;
            Via::Unavailable
        }
    }
}

impl Download {
    /// The next piece of data, `None` at the end; grants the agent more credit as it goes.
    async fn next(&mut self, c: &Container, taken: &mut u32) -> Result<Option<Vec<u8>>> {
        match self.rx.recv().await {
            Some(Msg::Data { data }) => {
                *taken += 1;
                if *taken == WINDOW / 2 {
                    *taken = 0;
                    // In a task: a dropped reader must not leave half a frame behind.
                    let (conn, id) = (self.conn.clone(), self.id);
                    let credit = Msg::Credit { chunks: WINDOW / 2 };
                    let _ = tokio::spawn(async move { conn.send(id, &credit).await }).await;
                }
                Ok(Some(data))
            }
            Some(m) => {
                self.over = true;
                match ending(m) {
                    Some(r) => r.map(|()| None),
                    None => Err(Error::internal("unexpected frame in a file read")),
                }
            }
            None => {
                self.over = true;
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
