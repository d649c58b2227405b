//! Runs as events: output as it happens, then the result. The driver of the run's
//! execution path (`exec/agent_run.rs` or `exec/engine_exec.rs`, one per path) runs on a
//! task of its own and sends its events; the `RunStream` only receives, so dropping or
//! cancelling it part-way never hangs: the driver kills the run's whole command tree and
//! closes its connection (engine exec) or request (agent) on its own. A blocking run
//! collects the same driver's events under the output cap (`exec/mod.rs`).

use std::borrow::Borrow;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::sync::mpsc::{channel, Receiver, Sender};
use tokio::sync::Notify;

use crate::container::Container;
use crate::engine::frames::StreamKind;
use crate::error::{Error, Result};
use crate::exec::result::CappedOutput;
use crate::exec::{agent_run, engine_exec, ExecResult, RunOptions};

/// One piece of output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub stream: StreamKind,
    pub data: Vec<u8>,
}

/// What a stream yields: chunks in arrival order, then exactly one `Exit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    Output(Chunk),
    /// The result (its `stdout`/`stderr` are empty: the output came as chunks).
    Exit(ExecResult),
}

/// Cancels a stream from any thread; cheap to clone.
#[derive(Clone, Default)]
pub struct StreamCanceller(pub(crate) Arc<Notify>);

impl StreamCanceller {
    /// Kills the run; the stream then ends with its `Exit` (or an error). Idempotent.
    pub fn cancel(&self) {
        self.0.notify_one();
    }
}

/// A running command's output. Also a `futures::Stream`.
pub struct RunStream {
    rx: Receiver<Result<StreamEvent>>,
    canceller: StreamCanceller,
    ended: bool,
}

impl RunStream {
    /// The next event; `None` after the `Exit` (or an error).
    pub async fn next(&mut self) -> Option<Result<StreamEvent>> {
        if self.ended {
            return None;
        }
        let ev = self.rx.recv().await;
        self.note(&ev);
        ev
    }

    fn note(&mut self, ev: &Option<Result<StreamEvent>>) {
        if !matches!(ev, Some(Ok(StreamEvent::Output(_)))) {
            self.ended = true;
        }
    }

    /// A handle that cancels this stream from elsewhere.
    pub fn canceller(&self) -> StreamCanceller {
        self.canceller.clone()
    }

    /// Kills the run; keep reading to get its `Exit`.
    pub fn cancel(&self) {
        self.canceller.cancel();
    }
}

impl Drop for RunStream {
    fn drop(&mut self) {
        if !self.ended {
            self.canceller.cancel();
        }
    }
}

impl futures_util::Stream for RunStream {
    type Item = Result<StreamEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let ev = futures_util::ready!(self.rx.poll_recv(cx));
        self.note(&ev);
        Poll::Ready(ev)
    }
}

/// Where a driver sends a run's events: a bounded channel, so a reader that is behind holds
/// the driver back (and, through it, the command: docs/processes.md, "Backpressure").
pub(crate) type Events = Sender<Result<StreamEvent>>;

/// Events a stream holds for a reader that is behind (each chunk at most 64 KiB).
pub(crate) const STREAM_DEPTH: usize = 16;

impl RunStream {
    /// Reads the stream to its end, keeping at most `cap` bytes of output: the blocking
    /// result. Dropping this future part-way drops the stream, which kills the run.
    pub(crate) async fn collect(mut self, cap: usize) -> Result<ExecResult> {
        let mut out = CappedOutput::new(cap);
        while let Some(ev) = self.next().await {
            match ev? {
                StreamEvent::Output(c) => out.push(c.stream, &c.data),
                StreamEvent::Exit(mut r) => {
                    r.truncated |= out.truncated;
                    r.stdout = out.stdout;
                    r.stderr = out.stderr;
                    return Ok(r);
                }
            }
        }
        Err(Error::internal("a run ended without its result"))
    }
}

impl Container {
    /// Runs `command` (interpreted by `opts.lang`) and streams its output. `opts` may be
    /// given by value or by reference.
    pub async fn run_stream(
        &self,
        command: impl AsRef<str>,
        opts: impl Borrow<RunOptions>,
    ) -> Result<RunStream> {
        let opts = opts.borrow();
        opts.validate()?;
        self.run_stream_argv(opts.lang.argv(command.as_ref()), opts)
            .await
    }

    /// Runs `argv` without a shell and streams its output.
    pub async fn run_stream_argv(
        &self,
        argv: impl AsRef<[String]>,
        opts: impl Borrow<RunOptions>,
    ) -> Result<RunStream> {
        let (argv, opts) = (argv.as_ref(), opts.borrow());
        self.start_run(argv, opts, true).await
    }

    /// Starts `argv` on this container's execution path: its driver task runs from here on.
    /// `observed`: the observer (if any) records it as a stream.
    pub(crate) async fn start_run(
        &self,
        argv: &[String],
        opts: &RunOptions,
        observed: bool,
    ) -> Result<RunStream> {
        crate::exec::check_argv(argv, opts)?;
        let timeout = opts.timeout.unwrap_or(self.default_timeout());
        let (tx, rx) = channel(STREAM_DEPTH);
        let canceller = StreamCanceller::default();
        let cancelled = canceller.0.clone();
        let started = Instant::now();
        match self.agent() {
            Some(link) => {
                let conn = link.get(self).await?;
                let spawn = agent_run::spawn_request(self, argv, opts, Some(timeout));
                let run = agent_run::AgentRun::start(self, conn, spawn).await?;
                agent_run::stream(run, tx, cancelled, started, timeout);
            }
            None => {
                if opts.stdin.is_some() {
                    return Err(Error::invalid(
                        "stdin data needs the agent (this container runs without it)",
                    ));
                }
                engine_exec::start(self, argv, opts, tx, cancelled, started, timeout);
            }
        }
        let rx = match observed {
            true => crate::hooks::tee_stream(self.observer(), argv, rx),
            false => rx,
        };
        Ok(RunStream {
            rx,
            canceller,
            ended: false,
        })
    }
}
