//! The client's channel to the agent, carrying many concurrent requests, each under its own
//! id. Two kinds of channel feed the same reader, router and writer: the agent's socket
//! reached directly (`direct.rs`, local engines) and one engine exec of `pocketdock-agent
//! relay` over a hijacked connection (everywhere else); `channel.rs` picks one. A reader task
//! routes every frame to the request that waits for it; writers take turns whole frames at a
//! time. When the channel dies, every waiting request sees its receiver close.

use std::collections::HashMap;
use std::io::IoSlice;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use super::wire::{self, FrameBuf, Msg};
use super::AGENT_PATH;
use crate::container::Container;
use crate::engine::frames::{FrameDecoder, StreamKind};
use crate::engine::request::Subject;
use crate::engine::transport::{write_now, Io};
use crate::error::{Error, Result};

/// Either kind of channel, as one byte stream.
pub(crate) type Stream = Box<dyn Io>;

/// How the agent's frames arrive on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Inside the engine's multiplexed stdout frames (an exec's output); its stderr is the
    /// relay's own complaints.
    Multiplexed,
    /// As the agent wrote them (its socket, reached directly).
    Plain,
}

/// What a channel that ended before the agent's greeting says: on the relay, most often an
/// agent that does not listen yet (a sandbox just started or restarted).
pub(crate) const CLOSED_BEFORE_GREETING: &str = "the agent channel closed before greeting";

pub(crate) type Pending = Arc<Mutex<HashMap<u32, UnboundedSender<Msg>>>>;

pub(crate) struct AgentConn {
    writer: Arc<tokio::sync::Mutex<WriteHalf<Stream>>>,
    pending: Pending,
    next_id: AtomicU32,
    alive: Arc<AtomicBool>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for AgentConn {
    fn drop(&mut self) {
        // The connection closes once the writer and the aborted reader's half are both
        // gone; that ends the relay, and the agent then ends this client's blocking runs.
        self.reader.abort();
    }
}

fn lock(p: &Pending) -> std::sync::MutexGuard<'_, HashMap<u32, UnboundedSender<Msg>>> {
    p.lock().unwrap_or_else(|e| e.into_inner())
}

impl AgentConn {
    /// Starts a relay in `c`: one engine exec of `pocketdock-agent relay`, its stdin and
    /// stdout joined to the agent's socket. Returns the stream and the bytes that came with
    /// the upgrade's answer.
    pub(crate) async fn relay(c: &Container) -> Result<(Stream, Vec<u8>)> {
        let body = json!({
            "AttachStdin": true,
            "AttachStdout": true,
            "AttachStderr": true,
            "Tty": false,
            "User": "0",
            "Cmd": [AGENT_PATH, "relay"],
        });
        let exec_id = c.create_exec(&body).await?;
        let hijacked = c
            .engine()
            .hijack(
                &format!("/exec/{exec_id}/start"),
                &json!({"Detach": false, "Tty": false}),
                Subject::Exec(&exec_id),
            )
            .await?;
        Ok((Box::new(hijacked.stream), hijacked.early))
    }

    /// Serves the channel `stream` (`early`: bytes already read from it) and greets the
    /// agent.
    pub(crate) async fn start(
        stream: Stream,
        early: Vec<u8>,
        framing: Framing,
    ) -> Result<Arc<AgentConn>> {
        let (rd, wr) = tokio::io::split(stream);
        let pending: Pending = Arc::default();
        let alive = Arc::new(AtomicBool::new(true));
        let reader = tokio::spawn(read_loop(
            rd,
            early,
            framing,
            pending.clone(),
            alive.clone(),
        ));
        let conn = Arc::new(AgentConn {
            writer: Arc::new(tokio::sync::Mutex::new(wr)),
            pending,
            next_id: AtomicU32::new(1),
            alive,
            reader,
        });
        conn.hello().await?;
        Ok(conn)
    }

    async fn hello(&self) -> Result<()> {
        let (id, mut rx) = self.register();
        self.send(
            id,
            &Msg::Hello {
                version: wire::VERSION,
            },
        )
        .await?;
        let answer = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv()).await;
        self.forget(id);
        match answer {
            Ok(Some(Msg::HelloOk { .. })) => Ok(()),
            Ok(Some(Msg::Failed { message })) => {
                Err(Error::internal(format!("agent refused: {message}")))
            }
            Ok(_) => Err(Error::internal(CLOSED_BEFORE_GREETING)),
            Err(_) => Err(Error::Timeout(
                "the agent did not answer its greeting".into(),
            )),
        }
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Acquire)
    }

    /// A fresh request id and the receiver its frames will arrive on.
    pub(crate) fn register(&self) -> (u32, UnboundedReceiver<Msg>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = unbounded_channel();
        lock(&self.pending).insert(id, tx);
        (id, rx)
    }

    pub(crate) fn forget(&self, id: u32) {
        lock(&self.pending).remove(&id);
    }

    /// Sends a request and collects its frames up to the terminal one.
    pub(crate) async fn ask(&self, msg: &Msg) -> Result<Vec<Msg>> {
        let (id, mut rx) = self.register();
        if let Err(e) = self.send(id, msg).await {
            self.forget(id);
            return Err(e);
        }
        let mut frames = Vec::new();
        while let Some(m) = rx.recv().await {
            let last = m.ends_request();
            frames.push(m);
            if last {
                return Ok(frames);
            }
        }
        Err(Error::Io(std::io::Error::other("the agent channel closed")))
    }

    pub(crate) async fn send(&self, id: u32, msg: &Msg) -> Result<()> {
        let frame = wire::encode(id, msg);
        // A frame is always written whole, even if the caller is dropped mid-send (a run under
        // `tokio::time::timeout`, a cancelled transfer): half a frame on the shared channel
        // would stall every later request on it. Waiting for the lock writes nothing; then
        // the frame goes out without an await point when the socket takes it at once (the
        // usual case, and no extra task hop), else a task of its own finishes it.
        let mut w = self.writer.clone().lock_owned().await;
        let sent = match write_now(&mut *w, &frame) {
            Ok((_, true)) => return Ok(()),
            Ok((n, false)) => n,
            Err(e) => return Err(self.broken(e)),
        };
        let rest = tokio::spawn(async move {
            w.write_all(&frame[sent..]).await?;
            w.flush().await
        });
        match rest.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.broken(e)),
            Err(e) => Err(Error::internal(format!("agent channel writer: {e}"))),
        }
    }

    /// Sends one `Data` frame holding `parts` in order. The frame's head and the parts go out
    /// side by side in vectored writes, so the data is not copied into an encoded frame
    /// first. Like [`AgentConn::send`], the frame is written whole even if the caller is
    /// dropped mid-way: what is left of it is then copied and finished by a task.
    pub(crate) async fn send_data(&self, id: u32, parts: &[&[u8]]) -> Result<()> {
        let len = parts.iter().map(|p| p.len()).sum();
        let head = wire::data_head(id, len);
        let w = self.writer.clone().lock_owned().await;
        // A stream that writes one slice at a time would send the head on its own: it gets
        // the frame in one piece.
        let joined = (!w.is_write_vectored()).then(|| [&head[..], &parts.concat()].concat());
        let mut out = FrameOut {
            w: Some(w),
            rest: Vec::with_capacity(parts.len() + 1),
            begun: false,
            alive: self.alive.clone(),
        };
        match &joined {
            Some(frame) => out.rest.push(frame),
            None => {
                out.rest.push(&head);
                out.rest
                    .extend(parts.iter().copied().filter(|p| !p.is_empty()));
            }
        }
        std::future::poll_fn(|cx| out.poll_out(cx))
            .await
            .map_err(|e| self.broken(e))
    }

    /// Marks the channel dead (the next request reopens it) and says why.
    fn broken(&self, e: std::io::Error) -> Error {
        self.alive.store(false, Ordering::Release);
        Error::Io(std::io::Error::other(format!("agent channel: {e}")))
    }
}

/// A frame being written from borrowed slices, under the writer's lock.
struct FrameOut<'a> {
    /// Held until the frame is all out (or failed).
    w: Option<tokio::sync::OwnedMutexGuard<WriteHalf<Stream>>>,
    /// What is left to write, in order.
    rest: Vec<&'a [u8]>,
    /// Whether any of the frame went out: from then on it must be finished.
    begun: bool,
    alive: Arc<AtomicBool>,
}

impl FrameOut<'_> {
    /// Writes what is left; once done (or failed) the lock is let go.
    fn poll_out(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let r = self.poll_rest(cx);
        if r.is_ready() {
            self.w = None;
        }
        r
    }

    fn poll_rest(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let Some(w) = self.w.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let mut w = Pin::new(&mut **w);
        while !self.rest.is_empty() {
            let bufs: Vec<IoSlice<'_>> = self.rest.iter().map(|b| IoSlice::new(b)).collect();
            let mut n = std::task::ready!(w.as_mut().poll_write_vectored(cx, &bufs))?;
            if n == 0 {
                return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
            }
            self.begun = true;
            while n > 0 {
                let first = self.rest[0].len().min(n);
                self.rest[0] = &self.rest[0][first..];
                n -= first;
                if self.rest[0].is_empty() {
                    self.rest.remove(0);
                }
            }
        }
        w.as_mut().poll_flush(cx)
    }
}

impl Drop for FrameOut<'_> {
    fn drop(&mut self) {
        let Some(mut w) = self.w.take() else { return };
        if !self.begun {
            return; // nothing of the frame went out: the channel is as it was
        }
        let rest = self.rest.concat();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                let alive = self.alive.clone();
                rt.spawn(async move {
                    if w.write_all(&rest).await.is_err() || w.flush().await.is_err() {
                        alive.store(false, Ordering::Release);
                    }
                });
            }
            // No runtime to finish it on: half a frame is on the channel, so it is done.
            Err(_) => self.alive.store(false, Ordering::Release),
        }
    }
}

/// Reads the channel until it ends, routing frames; then marks it dead and closes every
/// waiting request's receiver.
async fn read_loop(
    mut rd: ReadHalf<Stream>,
    mut buf: Vec<u8>,
    framing: Framing,
    routes: Pending,
    live: Arc<AtomicBool>,
) {
    let mut demux = FrameDecoder::new();
    let mut frames = FrameBuf::default();
    let mut relay_errors = Vec::new();
    loop {
        match framing {
            Framing::Multiplexed => demux.feed(&buf, |kind, bytes| match kind {
                StreamKind::Stdout => frames.push(bytes),
                StreamKind::Stderr => relay_errors.extend_from_slice(bytes),
            }),
            Framing::Plain => frames.push(&buf),
        }
        if route(&routes, &mut frames).is_err() {
            break;
        }
        buf.resize(64 * 1024, 0);
        match rd.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.truncate(n),
        }
    }
    if !relay_errors.is_empty() {
        tracing::warn!(stderr = %String::from_utf8_lossy(&relay_errors), "agent relay said");
    }
    live.store(false, Ordering::Release);
    lock(&routes).clear();
}

/// Hands every complete frame to its request; a request's last frame unregisters it.
pub(crate) fn route(
    routes: &Pending,
    frames: &mut FrameBuf,
) -> std::result::Result<(), wire::WireError> {
    while let Some((id, msg)) = frames.next_frame()? {
        let last = msg.ends_request();
        let mut map = lock(routes);
        if let Some(tx) = map.get(&id) {
            let _ = tx.send(msg);
        }
        if last {
            map.remove(&id);
        }
    }
    Ok(())
}

/// A container's lazily opened agent channel, reopened if it died.
#[derive(Default)]
pub(crate) struct AgentLink {
    conn: tokio::sync::Mutex<Option<Arc<AgentConn>>>,
    /// The sandbox's init pid from the inspect that made the handle, for the first open.
    pid: std::sync::Mutex<Option<i64>>,
}

impl AgentLink {
    /// A link whose first open may use `pid`, the sandbox's init process from an inspect
    /// just made (the direct channel then needs no inspect of its own).
    pub(crate) fn with_pid(pid: i64) -> AgentLink {
        AgentLink {
            pid: std::sync::Mutex::new(Some(pid).filter(|p| *p > 0)),
            ..AgentLink::default()
        }
    }

    /// The live channel, opening one if needed. Concurrent first callers wait for one open.
    pub(crate) async fn get(&self, c: &Container) -> Result<Arc<AgentConn>> {
        let mut slot = self.conn.lock().await;
        if let Some(conn) = slot.as_ref().filter(|conn| conn.is_alive()) {
            return Ok(conn.clone());
        }
        let pid = self.pid.lock().unwrap_or_else(|e| e.into_inner()).take();
        let conn = super::channel::open(c, pid).await?;
        *slot = Some(conn.clone());
        Ok(conn)
    }

    /// Drops the channel (the relay, if that is what it was, exits with it).
    pub(crate) async fn close(&self) {
        self.conn.lock().await.take();
        self.pid.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}
