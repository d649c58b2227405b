//! Streaming runs: output as it happens, then the result. Timeouts and the output cap apply
//! as in blocking runs. A driver task owns the run; the `RunStream` only receives, so
//! dropping or cancelling it part-way never hangs: the driver kills the run and closes its
//! connection (engine exec) or request (agent) on its own.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::sync::Notify;

use crate::agent::wire::Msg;
use crate::container::Container;
use crate::engine::frames::StreamKind;
use crate::error::{Error, Result};
use crate::exec::agent_run::{self, SAFETY_MARGIN};
use crate::exec::engine_exec::{exec_stream, Ending, Exec};
use crate::exec::{kill, ExecResult, RunOptions};

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
pub struct StreamCanceller(Arc<Notify>);

impl StreamCanceller {
    /// Kills the run; the stream then ends with its `Exit` (or an error). Idempotent.
    pub fn cancel(&self) {
        self.0.notify_one();
    }
}

/// A running command's output. Also a `futures::Stream`.
pub struct RunStream {
    rx: UnboundedReceiver<Result<StreamEvent>>,
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

type Events = UnboundedSender<Result<StreamEvent>>;

impl Container {
    /// Runs `command` (interpreted by `opts.lang`) and streams its output.
    pub async fn run_stream(&self, command: &str, opts: &RunOptions) -> Result<RunStream> {
        opts.validate()?;
        self.run_stream_argv(&opts.lang.argv(command), opts).await
    }

    /// Runs `argv` without a shell and streams its output.
    pub async fn run_stream_argv(&self, argv: &[String], opts: &RunOptions) -> Result<RunStream> {
        crate::exec::check_argv(argv, opts)?;
        let timeout = opts.timeout.unwrap_or(self.default_timeout());
        let (tx, rx) = unbounded_channel();
        let canceller = StreamCanceller::default();
        let cancelled = canceller.0.clone();
        let started = Instant::now();
        match self.agent() {
            Some(link) => {
                let conn = link.get(self).await?;
                let (id, replies) = conn.register();
                let spawn = agent_run::spawn_request(self, argv, opts, Some(timeout));
                conn.send(id, &Msg::Spawn(spawn)).await?;
                let c = self.clone();
                tokio::spawn(async move {
                    drive_agent(&c, &conn, id, replies, tx, cancelled, started, timeout).await;
                    conn.forget(id);
                });
            }
            None => {
                if opts.stdin.is_some() {
                    return Err(Error::invalid(
                        "stdin data needs the agent (this container runs without it)",
                    ));
                }
                let (c, argv, opts) = (self.clone(), argv.to_vec(), opts.clone());
                tokio::spawn(async move {
                    if let Err(e) =
                        drive_engine(&c, &argv, &opts, &tx, cancelled, started, timeout).await
                    {
                        let _ = tx.send(Err(e));
                    }
                });
            }
        }
        let rx = crate::hooks::tee_stream(self.observer(), argv, rx);
        Ok(RunStream {
            rx,
            canceller,
            ended: false,
        })
    }
}

#[allow(clippy::too_many_arguments)]
async fn drive_agent(
    c: &Container,
    conn: &crate::agent::conn::AgentConn,
    id: u32,
    mut replies: UnboundedReceiver<Msg>,
    tx: Events,
    cancelled: Arc<Notify>,
    started: Instant,
    timeout: Duration,
) {
    let give_up = tokio::time::Instant::from_std(started + timeout + SAFETY_MARGIN);
    let mut killing = false;
    loop {
        let msg = tokio::select! {
            m = replies.recv() => m,
            () = cancelled.notified(), if !killing => {
                killing = true;
                let _ = conn.send(id, &Msg::Kill { signal: 9 }).await;
                continue;
            }
            () = tokio::time::sleep_until(give_up) => {
                let _ = conn.send(id, &Msg::Kill { signal: 9 }).await;
                let _ = tx.send(Err(agent_run::silent(c)));
                return;
            }
        };
        match msg {
            Some(Msg::Output { stream, data, .. }) => {
                let chunk = Chunk {
                    stream: agent_run::stream_kind(stream),
                    data,
                };
                // Nobody reads any more: end the run.
                if tx.send(Ok(StreamEvent::Output(chunk))).is_err() && !killing {
                    killing = true;
                    let _ = conn.send(id, &Msg::Kill { signal: 9 }).await;
                }
            }
            Some(Msg::Exit(e)) => {
                let _ = tx.send(Ok(StreamEvent::Exit(agent_run::exit_result(&e, started))));
                return;
            }
            Some(Msg::Failed { message }) => {
                let _ = tx.send(Err(Error::internal(format!("agent: {message}"))));
                return;
            }
            Some(_) => {}
            None => {
                let _ = tx.send(Err(agent_run::lost(c).await));
                return;
            }
        }
    }
}

async fn drive_engine(
    c: &Container,
    argv: &[String],
    opts: &RunOptions,
    tx: &Events,
    cancelled: Arc<Notify>,
    started: Instant,
    timeout: Duration,
) -> Result<()> {
    let run_id = crate::container::labels::random_name();
    let mut env = opts.env_entries();
    env.push(kill::marker(&run_id));
    let user = opts.user.as_deref().or(c.default_user());
    let mut room = opts.max_output;
    let mut truncated = false;
    let exec = Exec {
        argv,
        env: &env,
        workdir: opts.workdir.as_deref(),
        user,
        deadline: started + timeout,
    };
    let sink = |stream, bytes: &[u8]| {
        let keep = bytes.len().min(room);
        room -= keep;
        truncated |= keep < bytes.len();
        let chunk = Chunk {
            stream,
            data: bytes[..keep].to_vec(),
        };
        // A reader that went away is the same as a cancel.
        (keep == 0 || tx.send(Ok(StreamEvent::Output(chunk))).is_ok()) && !truncated
    };
    let (ending, exec_id) = exec_stream(c, exec, sink, cancelled.notified()).await?;
    let exit_code = match ending {
        Ending::Finished => crate::exec::engine_exec::exit_code(c, &exec_id)
            .await?
            .unwrap_or(-1),
        Ending::TimedOut | Ending::OverCap | Ending::Cancelled => {
            kill::kill_run(c, &run_id, user).await?;
            -1
        }
    };
    let result = ExecResult {
        exit_code,
        duration_ms: started.elapsed().as_millis() as u64,
        timed_out: ending == Ending::TimedOut,
        truncated,
        ..ExecResult::default()
    };
    let _ = tx.send(Ok(StreamEvent::Exit(result)));
    Ok(())
}
