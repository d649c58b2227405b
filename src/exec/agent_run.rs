//! Runs through the in-sandbox agent: one Spawn request on the container's channel; output
//! and the exit arrive as frames and leave through the one driver, [`AgentRun::drive`]. The
//! agent enforces the timeout and the cap at the source; the client keeps a cap too (when it
//! collects) and a safety deadline in case the agent itself goes quiet.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::Notify;

use super::result::{CappedOutput, ExecResult, ResourceUsage};
use super::RunOptions;
use crate::agent::conn::AgentConn;
use crate::agent::wire::{Exit, Msg, Spawn};
use crate::container::Container;
use crate::engine::frames::StreamKind;
use crate::error::{Error, Result};
use crate::stream::{Chunk, Events, StreamEvent};

/// How long past its own timeout a run may stay silent before the client gives up on it.
pub(crate) const SAFETY_MARGIN: Duration = Duration::from_secs(10);

/// The Spawn request for `argv` under `opts` (the image's user unless the run names one).
pub(crate) fn spawn_request(
    c: &Container,
    argv: &[String],
    opts: &RunOptions,
    timeout: Option<Duration>,
) -> Spawn {
    Spawn {
        argv: argv.to_vec(),
        env: opts.env_entries(),
        workdir: opts.workdir.clone(),
        user: opts
            .user
            .clone()
            .or_else(|| c.default_user().map(str::to_owned)),
        stdin: opts.stdin.clone().unwrap_or_default(),
        timeout_ms: timeout.map_or(0, |t| t.as_millis().min(u128::from(u64::MAX)) as u64),
        max_output: opts.max_output as u64,
        detached: false,
        buffer_size: 0,
        keep_stdin: false,
        window: RUN_WINDOW,
    }
}

/// `Output` frames the agent sends ahead of our `Credit` (each at most 64 KiB): what one run
/// may have in flight while its reader is behind.
const RUN_WINDOW: u32 = 16;
/// Credit is granted in batches of this many frames (one `Credit` frame per batch).
const CREDIT_BATCH: u32 = RUN_WINDOW / 2;

/// Where a run's output goes.
pub(crate) enum Out<'a> {
    /// A blocking run: kept under its cap, at once.
    Collect(&'a mut CappedOutput),
    /// A stream: sent to its reader over a bounded channel; while the reader is behind the
    /// driver waits, grants the agent no credit, and the agent stops reading the command's
    /// pipes (backpressure end to end).
    Send(&'a Events),
}

pub(crate) fn stream_kind(stream: u8) -> StreamKind {
    if stream == 2 {
        StreamKind::Stderr
    } else {
        StreamKind::Stdout
    }
}

/// The result an `Exit` describes, without output.
pub(crate) fn exit_result(e: &Exit, started: Instant) -> ExecResult {
    ExecResult {
        exit_code: if e.timed_out { -1 } else { e.exit_code },
        signal: (e.signal != 0).then_some(e.signal),
        duration_ms: started.elapsed().as_millis() as u64,
        timed_out: e.timed_out,
        truncated: e.truncated,
        oom_killed: e.oom_killed,
        usage: Some(ResourceUsage {
            cpu_user: Duration::from_micros(e.user_us),
            cpu_sys: Duration::from_micros(e.sys_us),
            peak_rss_bytes: e.max_rss_kb.saturating_mul(1024),
        }),
        ..ExecResult::default()
    }
}

/// A run started through the agent: its one driver ([`AgentRun::drive`]) passes the output
/// on as it comes and returns the result. A stream drives it on a task of its own; a
/// blocking run drives it in place and collects (no task hop: each wake of another thread
/// costs a scheduler slice on a loaded machine). When cancelled, when nobody reads any more,
/// or when its future is dropped part-way, it has the agent kill the run's whole command
/// tree (the agent's `Kill` signals every process marked as the run's).
pub(crate) struct AgentRun {
    c: Container,
    conn: Arc<AgentConn>,
    id: u32,
    replies: UnboundedReceiver<Msg>,
    /// Until the run ends: a drop kills it.
    armed: bool,
}

impl AgentRun {
    /// Registers a request on `conn` and sends the Spawn.
    pub(crate) async fn start(
        c: &Container,
        conn: Arc<AgentConn>,
        spawn: Spawn,
    ) -> Result<AgentRun> {
        let (id, replies) = conn.register();
        let mut run = AgentRun {
            c: c.clone(),
            conn,
            id,
            replies,
            armed: true,
        };
        if let Err(e) = run.conn.send(id, &Msg::Spawn(spawn)).await {
            run.armed = false;
            return Err(e);
        }
        Ok(run)
    }

    async fn kill(&self) {
        let _ = self.conn.send(self.id, &Msg::Kill { signal: 9 }).await;
    }

    /// Runs to the end: every chunk goes to `out` (a stream whose reader went away kills
    /// the run), then the result (without output). `cancelled` kills the run too. Each
    /// chunk taken is credited back to the agent, in batches.
    pub(crate) async fn drive(
        mut self,
        mut out: Out<'_>,
        cancelled: &Notify,
        started: Instant,
        timeout: Duration,
    ) -> Result<ExecResult> {
        let mut give_up = tokio::time::Instant::from_std(started + timeout + SAFETY_MARGIN);
        let mut killing = false;
        let mut reader_gone = false;
        let mut taken = 0u32;
        let ended = loop {
            let msg = tokio::select! {
                m = self.replies.recv() => m,
                () = cancelled.notified(), if !killing => {
                    killing = true;
                    self.kill().await;
                    continue;
                }
                () = tokio::time::sleep_until(give_up) => {
                    self.kill().await;
                    break Err(silent(&self.c));
                }
            };
            match msg {
                Some(Msg::Output { stream, data, .. }) => {
                    let chunk = Chunk {
                        stream: stream_kind(stream),
                        data,
                    };
                    match &mut out {
                        Out::Collect(o) => o.push(chunk.stream, &chunk.data),
                        Out::Send(_) if reader_gone => {}
                        Out::Send(tx) => {
                            // Time spent waiting for the reader is the reader's, not the
                            // agent's: it does not count towards giving up on the agent.
                            let waited = Instant::now();
                            tokio::select! {
                                sent = tx.send(Ok(StreamEvent::Output(chunk))) => {
                                    reader_gone = sent.is_err();
                                }
                                () = cancelled.notified(), if !killing => {
                                    killing = true;
                                    self.kill().await;
                                }
                            }
                            give_up += waited.elapsed();
                        }
                    }
                    if reader_gone && !killing {
                        killing = true;
                        self.kill().await;
                    }
                    taken += 1;
                    if taken >= CREDIT_BATCH {
                        let credit = Msg::Credit { chunks: taken };
                        let _ = self.conn.send(self.id, &credit).await;
                        taken = 0;
                    }
                }
                Some(Msg::Exit(e)) => break Ok(exit_result(&e, started)),
                Some(Msg::Failed { message }) => {
                    break Err(Error::internal(format!("agent: {message}")))
                }
                Some(_) => {}
                None => break Err(lost(&self.c).await),
            }
        };
        self.armed = false;
        ended
    }
}

impl Drop for AgentRun {
    fn drop(&mut self) {
        if self.armed {
            // Dropped part-way (a blocking run's future): kill it from a task of its own.
            let (conn, id) = (self.conn.clone(), self.id);
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    let _ = conn.send(id, &Msg::Kill { signal: 9 }).await;
                    conn.forget(id);
                });
            }
        } else {
            self.conn.forget(self.id);
        }
    }
}

/// Streams a run through the agent: its driver on a task of its own, sending events.
pub(crate) fn stream(
    run: AgentRun,
    tx: Events,
    cancelled: Arc<Notify>,
    started: Instant,
    timeout: Duration,
) {
    tokio::spawn(async move {
        // A reader that went away is the same as a cancel.
        let ended = run
            .drive(Out::Send(&tx), &cancelled, started, timeout)
            .await;
        let _ = tx.send(ended.map(StreamEvent::Exit)).await;
    });
}

/// A blocking run through the agent: the same driver, in place, its output collected under
/// `max_output`. Dropping this future part-way kills the run.
pub(crate) async fn run(
    c: &Container,
    argv: &[String],
    opts: &RunOptions,
    timeout: Duration,
) -> Result<ExecResult> {
    let started = Instant::now();
    let link = c
        .agent()
        .ok_or_else(|| Error::internal("no agent in this container"))?;
    let conn = link.get(c).await?;
    let spawn = spawn_request(c, argv, opts, Some(timeout));
    let run = AgentRun::start(c, conn, spawn).await?;
    let mut out = CappedOutput::new(opts.max_output);
    let never = Notify::new();
    let mut r = run
        .drive(Out::Collect(&mut out), &never, started, timeout)
        .await?;
    r.truncated |= out.truncated;
    r.stdout = out.stdout;
    r.stderr = out.stderr;
    Ok(r)
}

pub(crate) fn silent(c: &Container) -> Error {
    Error::Timeout(format!(
        "the agent in {} did not finish the run within {:?} of its timeout",
        c.name(),
        SAFETY_MARGIN
    ))
}

/// The channel closed mid-run: say why, from what the engine knows of the container.
pub(crate) async fn lost(c: &Container) -> Error {
    c.down_reason().await.unwrap_or_else(|| {
        Error::Io(std::io::Error::other(
            "the agent channel closed during the run",
        ))
    })
}
