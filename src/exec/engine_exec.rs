//! Runs a command through the engine's exec API: create, start with the output multiplexed on
//! the response, read it under a deadline and a cap, then ask for the exit code. The engine
//! cannot kill an exec, so a run that is cut short is killed by `kill.rs`. [`start`] is the
//! driver of every run on this path; `exec_collect` serves `kill_all`, and `exec_stream`
//! the kill of a run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::Method;
use tokio::sync::Notify;

use super::result::{CappedOutput, ExecResult};
use super::{kill, RunOptions};
use crate::container::Container;
use crate::engine::frames::{FrameDecoder, StreamKind};
use crate::engine::hijack::StreamBody;
use crate::engine::models::{ExecCreate, ExecInspect, ExecStart};
use crate::engine::request::Subject;
use crate::error::{Error, Result};
use crate::stream::{Chunk, Events, StreamEvent};

/// How reading an exec's output ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The command closed its output: it has exited.
    Finished,
    /// The deadline passed first.
    TimedOut,
    /// More output arrived than the cap allows.
    OverCap,
    /// The caller cancelled (a dropped or cancelled stream).
    Cancelled,
}

pub(crate) struct Exec<'a> {
    pub(crate) argv: &'a [String],
    pub(crate) env: &'a [String],
    pub(crate) workdir: Option<&'a str>,
    pub(crate) user: Option<&'a str>,
    pub(crate) deadline: Instant,
}

/// Runs `exec` to its ending, collecting at most `max_output` bytes; returns the ending,
/// the output, and the exec id.
pub(crate) async fn exec_collect(
    c: &Container,
    exec: Exec<'_>,
    max_output: usize,
) -> Result<(Ending, CappedOutput, String)> {
    let mut out = CappedOutput::new(max_output);
    let (ending, id) = exec_stream(
        c,
        exec,
        &mut Sink::Collect(&mut out),
        std::future::pending(),
    )
    .await?;
    Ok((ending, out, id))
}

/// Where an exec's output goes.
pub(crate) enum Sink<'a> {
    /// Kept under its cap, at once.
    Collect(&'a mut CappedOutput),
    /// Kept under its cap until stdout ends with `done`, a script's last words: the script
    /// has done its work, and what follows (the stream's end, the exit code) is engine
    /// bookkeeping that Docker can hold up for seconds (see `kill.rs`).
    Until {
        out: &'a mut CappedOutput,
        done: &'a [u8],
    },
    /// Sent to a stream's reader (at most `room` more bytes). The channel is bounded: while
    /// the reader is behind, the send waits, this connection is not read, and the engine
    /// (then the command, on its full pipe) waits too: backpressure end to end.
    Send {
        tx: &'a Events,
        room: usize,
        truncated: bool,
    },
}

impl Sink<'_> {
    /// Takes a piece of output; false: no more is wanted (the cap, or no reader).
    async fn take(&mut self, stream: StreamKind, bytes: &[u8]) -> bool {
        match self {
            Sink::Collect(out) => {
                out.push(stream, bytes);
                !out.truncated
            }
            Sink::Until { out, done } => {
                out.push(stream, bytes);
                !out.truncated && !out.stdout.ends_with(done)
            }
            Sink::Send {
                tx,
                room,
                truncated,
            } => {
                let keep = bytes.len().min(*room);
                *room -= keep;
                *truncated |= keep < bytes.len();
                let chunk = Chunk {
                    stream,
                    data: bytes[..keep].to_vec(),
                };
                // A reader that went away is the same as a cancel.
                let sent = keep == 0 || tx.send(Ok(StreamEvent::Output(chunk))).await.is_ok();
                sent && !*truncated
            }
        }
    }
}

/// Runs `exec`, handing each piece of output to `sink` as it arrives until `sink` says
/// "enough" (false), the deadline passes, `cancel` completes or the command ends.
pub(crate) async fn exec_stream(
    c: &Container,
    exec: Exec<'_>,
    sink: &mut Sink<'_>,
    cancel: impl std::future::Future<Output = ()>,
) -> Result<(Ending, String)> {
    let engine = c.engine();
    let body = ExecCreate {
        attach_stdout: true,
        attach_stderr: true,
        cmd: exec.argv,
        env: exec.env,
        working_dir: exec.workdir,
        user: exec.user,
        ..ExecCreate::default()
    };
    let exec_id = c.create_exec(&body).await?;
    let resp = engine
        .call_with(
            Method::POST,
            &format!("/exec/{exec_id}/start"),
            &ExecStart::default(),
            Subject::Exec(&exec_id),
        )
        .await?;
    let mut body = StreamBody::of(resp).await?;
    let mut decoder = FrameDecoder::new();
    let deadline = tokio::time::Instant::from_std(exec.deadline);
    let mut enough = false;
    tokio::pin!(cancel);
    let ending = 'reading: loop {
        let frame = tokio::select! {
            f = tokio::time::timeout_at(deadline, body.chunk()) => f,
            () = &mut cancel => break Ending::Cancelled,
        };
        match frame {
            Err(_) => break Ending::TimedOut,
            Ok(None) => break Ending::Finished,
            Ok(Some(Err(e))) => {
                return Err(Error::Io(std::io::Error::other(format!(
                    "reading exec output: {e}"
                ))))
            }
            Ok(Some(Ok(data))) => {
                let mut pieces = Vec::new();
                decoder.feed(&data, |kind, bytes| pieces.push((kind, bytes.to_vec())));
                for (kind, bytes) in pieces {
                    // A reader that is behind holds this loop (and the connection) here;
                    // the deadline and a cancel still end the run.
                    let more = tokio::select! {
                        more = sink.take(kind, &bytes) => more,
                        () = &mut cancel => break 'reading Ending::Cancelled,
                        () = tokio::time::sleep_until(deadline) => break 'reading Ending::TimedOut,
                    };
                    if !more {
                        enough = true;
                        break;
                    }
                }
                if enough {
                    break Ending::OverCap;
                }
            }
        }
    };
    // Dropping the body closes this connection; the engine never reuses a hijacked stream.
    drop(body);
    Ok((ending, exec_id))
}

/// The one driver of a run through the engine exec, on a task of its own: passes the output
/// on as events (at most `max_output` bytes; past that the run is cut), then the result.
/// A run that times out, overflows, is cancelled or loses its reader is killed whole by
/// `kill.rs` before its `Exit` is sent.
pub(crate) fn start(
    c: &Container,
    argv: &[String],
    opts: &RunOptions,
    tx: Events,
    cancelled: Arc<Notify>,
    started: Instant,
    timeout: Duration,
) {
    let (c, argv, opts) = (c.clone(), argv.to_vec(), opts.clone());
    tokio::spawn(async move {
        if let Err(e) = drive(&c, &argv, &opts, &tx, cancelled, started, timeout).await {
            let _ = tx.send(Err(e)).await;
        }
    });
}

async fn drive(
    c: &Container,
    argv: &[String],
    opts: &RunOptions,
    tx: &Events,
    cancelled: Arc<Notify>,
    started: Instant,
    timeout: Duration,
) -> Result<()> {
    // Marks every process of the run carries, for the kill (kill.rs): no extra round trip.
    let mark = kill::RunMark::new();
    let mut env = opts.env_entries();
    env.push(mark.env_entry());
    let argv = mark.wrap(argv, &env);
    let user = opts.user.as_deref().or(c.default_user());
    let exec = Exec {
        argv: &argv,
        env: &env,
        workdir: opts.workdir.as_deref(),
        user,
        deadline: started + timeout,
    };
    let mut sink = Sink::Send {
        tx,
        room: opts.max_output,
        truncated: false,
    };
    let (ending, exec_id) = match exec_stream(c, exec, &mut sink, cancelled.notified()).await {
        Ok(done) => done,
        // A container removed or stopped mid-run fails the exec in engine- and timing-
        // dependent ways (an I/O error, a 404 for the exec): name what happened.
        Err(e) => return Err(c.down_reason().await.unwrap_or(e)),
    };
    let truncated = matches!(
        sink,
        Sink::Send {
            truncated: true,
            ..
        }
    );
    let exit_code = match ending {
        Ending::Finished => match exit_code(c, &exec_id).await {
            // A removal or stop from outside ends the command with SIGKILL or SIGTERM; only
            // a container that stays up makes such an end the command's own.
            Ok(Some(code)) if code != 137 && code != 143 => code,
            Ok(code) => match c.down_reason().await {
                Some(e) => return Err(e),
                None => code.unwrap_or(-1),
            },
            Err(e) => return Err(c.down_reason().await.unwrap_or(e)),
        },
        Ending::TimedOut | Ending::OverCap | Ending::Cancelled => {
            kill::kill_run(c, &mark, user).await?;
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
    let _ = tx.send(Ok(StreamEvent::Exit(result))).await;
    Ok(())
}

/// The exit code of a finished exec. The stream can close a moment before the engine records
/// the code, so wait briefly for `Running` to clear.
async fn exit_code(c: &Container, exec_id: &str) -> Result<Option<i32>> {
    let give_up = Instant::now() + Duration::from_secs(5);
    let mut pause = Duration::from_millis(1);
    loop {
        let state: ExecInspect = c
            .engine()
            .call_json(
                Method::GET,
                &format!("/exec/{exec_id}/json"),
                None,
                Subject::Exec(exec_id),
            )
            .await?;
        if !state.running || Instant::now() >= give_up {
            return Ok(state.exit_code.filter(|_| !state.running));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}
