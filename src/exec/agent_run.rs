//! Runs through the in-sandbox agent: one Spawn request on the container's channel; output
//! and the exit arrive as frames and leave as stream events. The agent enforces the timeout
//! and the cap at the source; the client keeps a cap too (when it collects) and a safety
//! deadline in case the agent itself goes quiet.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::Method;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::Notify;

use super::result::{ExecResult, ResourceUsage};
use super::RunOptions;
use crate::agent::conn::AgentConn;
use crate::agent::wire::{Exit, Msg, Spawn};
use crate::container::Container;
use crate::engine::frames::StreamKind;
use crate::engine::models::ContainerInspect;
use crate::engine::request::Subject;
use crate::error::Error;
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
    }
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

/// The one driver of a run through the agent, on a task of its own: sends the Spawn, passes
/// the output on as events and ends with the `Exit` (or an error). When cancelled, or when
/// nobody reads any more, it has the agent kill the run's whole command tree (the agent's
/// `Kill` signals every process marked as the run's) and still waits for the `Exit`.
pub(crate) fn start(
    c: &Container,
    conn: Arc<AgentConn>,
    spawn: Spawn,
    tx: Events,
    cancelled: Arc<Notify>,
    started: Instant,
    timeout: Duration,
) {
    let c = c.clone();
    let (id, replies) = conn.register();
    tokio::spawn(async move {
        let run = Run {
            c: &c,
            conn: &conn,
            id,
            tx: &tx,
        };
        if let Err(e) = conn.send(id, &Msg::Spawn(spawn)).await {
            let _ = tx.send(Err(e));
        } else {
            run.drive(replies, cancelled, started, timeout).await;
        }
        conn.forget(id);
    });
}

struct Run<'a> {
    c: &'a Container,
    conn: &'a AgentConn,
    id: u32,
    tx: &'a Events,
}

impl Run<'_> {
    async fn kill(&self) {
        let _ = self.conn.send(self.id, &Msg::Kill { signal: 9 }).await;
    }

    async fn drive(
        &self,
        mut replies: UnboundedReceiver<Msg>,
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
                    self.kill().await;
                    continue;
                }
                () = tokio::time::sleep_until(give_up) => {
                    self.kill().await;
                    let _ = self.tx.send(Err(silent(self.c)));
                    return;
                }
            };
            match msg {
                Some(Msg::Output { stream, data, .. }) => {
                    let chunk = Chunk {
                        stream: stream_kind(stream),
                        data,
                    };
                    // Nobody reads any more: end the run.
                    if self.tx.send(Ok(StreamEvent::Output(chunk))).is_err() && !killing {
                        killing = true;
                        self.kill().await;
                    }
                }
                Some(Msg::Exit(e)) => {
                    let _ = self
                        .tx
                        .send(Ok(StreamEvent::Exit(exit_result(&e, started))));
                    return;
                }
                Some(Msg::Failed { message }) => {
                    let message = format!("agent: {message}");
                    let _ = self.tx.send(Err(Error::internal(message)));
                    return;
                }
                Some(_) => {}
                None => {
                    let _ = self.tx.send(Err(lost(self.c).await));
                    return;
                }
            }
        }
    }
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
    let state = c
        .engine()
        .call_json::<ContainerInspect>(
            Method::GET,
            &format!("/containers/{}/json", c.id()),
            None,
            Subject::Container(c.name()),
        )
        .await;
    match state {
        Err(e) => c.explain(e),
        Ok(v) if !v.state.running => Error::ContainerNotRunning(c.name().to_owned()),
        Ok(_) => Error::Io(std::io::Error::other(
            "the agent channel closed during the run",
        )),
    }
}
