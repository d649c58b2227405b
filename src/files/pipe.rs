//! Bridges between the async HTTP bodies and the synchronous tar code: bounded channels of
//! chunks, so at most a few chunks of a transfer are in memory, whatever its size.

use std::io::{self, Read, Write};

use bytes::{Bytes, BytesMut};
use hyper::body::Incoming;
use hyper::Response;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::engine::request::{body_deadline, BodyChunks};
use crate::error::{Error, Result};

/// Chunks in flight per transfer (each up to [`CHUNK`] bytes).
pub(crate) const DEPTH: usize = 8;
/// Size of the chunks a writer sends.
pub(crate) const CHUNK: usize = 64 * 1024;

pub(crate) type Chunks = mpsc::Sender<io::Result<Bytes>>;

/// A fresh channel: the sender for a producer, the receiver for a request body.
pub(crate) fn channel() -> (Chunks, BodyChunks) {
    mpsc::channel(DEPTH)
}

/// A synchronous writer (for a blocking thread) that sends what it is given as chunks.
pub(crate) struct ChannelWriter {
    tx: Chunks,
    buf: Vec<u8>,
    /// Size of the chunks sent.
    size: usize,
}

impl ChannelWriter {
    pub(crate) fn new(tx: Chunks, size: usize) -> ChannelWriter {
        ChannelWriter {
            tx,
            buf: Vec::with_capacity(size),
            size,
        }
    }

    fn send_buf(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let fresh = Vec::with_capacity(self.size);
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, fresh));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| closed())
    }
}

/// The receiving side went away: the request ended (its own error says why).
pub(crate) fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the transfer was closed")
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(self.size - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == self.size {
            self.send_buf()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_buf()
    }
}

/// A synchronous reader (for a blocking thread) over chunks from an async task.
pub(crate) struct ChannelReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    cur: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.cur.is_empty() {
            match self.rx.blocking_recv() {
                Some(chunk) => self.cur = chunk?,
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.cur.len());
        out[..n].copy_from_slice(&self.cur.split_to(n));
        Ok(n)
    }
}

/// Runs `consume` on a blocking thread over what is sent into the returned channel (at most
/// [`DEPTH`] chunks wait); the handle gives its result once the sender is dropped.
pub(crate) fn spawn_consumer<T, F>(consume: F) -> (Chunks, JoinHandle<Result<T>>)
where
    T: Send + 'static,
    F: FnOnce(ChannelReader) -> Result<T> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(DEPTH);
    let reader = ChannelReader {
        rx,
        cur: Bytes::new(),
    };
    (tx, tokio::task::spawn_blocking(move || consume(reader)))
}

/// The result of a blocking consumer or producer (its panic goes on).
pub(crate) async fn joined<T>(h: JoinHandle<Result<T>>) -> Result<T> {
    h.await.unwrap_or_else(|e| match e.try_into_panic() {
        Ok(panic) => std::panic::resume_unwind(panic),
        Err(e) => Err(Error::internal(format!("transfer task stopped: {e}"))),
    })
}

/// Reads `resp`'s body (a tar) with `consume` on a blocking thread while this task feeds
/// it, chunk by chunk. `consume` may stop early; the rest of the body is then dropped.
pub(crate) async fn read_tar<T, F>(resp: Response<Incoming>, consume: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(ChannelReader) -> Result<T> + Send + 'static,
{
    let (tx, consumer) = spawn_consumer(consume);
    let deadline = body_deadline(&resp);
    let mut body = resp.into_body();
    let feed = async move {
        // Engines send small frames (Podman 8 KiB); they are gathered into chunks so the
        // reader thread is woken once per chunk, not once per frame.
        let mut pending = BytesMut::new();
        loop {
            // An engine that stops sending mid-archive is a timeout (the request deadline
            // between two pieces), not a hang.
            let chunk = match deadline.next_data(&mut body).await {
                Ok(Some(data)) => {
                    pending.extend_from_slice(&data);
                    if pending.len() < CHUNK {
                        continue;
                    }
                    Ok(pending.split().freeze())
                }
                Err(e) => Err(io::Error::other(format!(
                    "reading the engine's archive: {e}"
                ))),
                Ok(None) if pending.is_empty() => break,
                Ok(None) => Ok(pending.split().freeze()),
            };
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                break;
            }
        }
    };
    let ((), result) = tokio::join!(feed, joined(consumer));
    result
}

/// Runs the blocking `produce` (which writes a tar into the writer it is given) so that its
/// output streams into `tx`. A failure is also sent down the channel, so the upload is
/// aborted rather than ended early with what looks like a complete archive.
pub(crate) async fn produce_blocking<F>(tx: Chunks, produce: F) -> Result<()>
where
    F: FnOnce(&mut ChannelWriter) -> io::Result<()> + Send + 'static,
{
    produce_chunks(tx, CHUNK, produce).await
}

/// [`produce_blocking`] in chunks of `size` bytes.
pub(crate) async fn produce_chunks<F>(tx: Chunks, size: usize, produce: F) -> Result<()>
where
    F: FnOnce(&mut ChannelWriter) -> io::Result<()> + Send + 'static,
{
    let job = tokio::task::spawn_blocking(move || {
        let mut w = ChannelWriter::new(tx.clone(), size);
        let r = produce(&mut w).and_then(|()| w.flush());
        finish(&tx, r)
    });
    joined(job).await
}

/// Ends a producer: a closed channel is not its error (the request's error tells the story);
/// any other failure aborts the body.
pub(crate) fn finish(tx: &Chunks, r: io::Result<()>) -> Result<()> {
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe && tx.is_closed() => Ok(()),
        Err(e) => {
            let _ = tx.blocking_send(Err(io::Error::new(e.kind(), e.to_string())));
            Err(Error::Io(e))
        }
    }
}
