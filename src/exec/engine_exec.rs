//! Runs a command through the engine's exec API: create, start with the output multiplexed on
//! the response, read it under a deadline and a cap, then ask for the exit code. The engine
//! cannot kill an exec, so a run that is cut short is killed by `kill.rs`.

use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use hyper::Method;

use super::result::CappedOutput;
use crate::container::Container;
use crate::engine::frames::{FrameDecoder, StreamKind};
use crate::engine::models::{ExecCreate, ExecInspect, ExecStart};
use crate::engine::request::Subject;
use crate::error::{Error, Result};

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
        |kind, bytes| {
            out.push(kind, bytes);
            !out.truncated
        },
        std::future::pending(),
    )
    .await?;
    Ok((ending, out, id))
}

/// Runs `exec`, handing each piece of output to `sink` as it arrives until `sink` says
/// "enough" (false), the deadline passes, `cancel` completes or the command ends.
pub(crate) async fn exec_stream(
    c: &Container,
    exec: Exec<'_>,
    mut sink: impl FnMut(StreamKind, &[u8]) -> bool,
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
    let mut body = resp.into_body();
    let mut decoder = FrameDecoder::new();
    let deadline = tokio::time::Instant::from_std(exec.deadline);
    let mut enough = false;
    tokio::pin!(cancel);
    let ending = loop {
        let frame = tokio::select! {
            f = tokio::time::timeout_at(deadline, body.frame()) => f,
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
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    decoder.feed(data, |kind, bytes| enough |= !sink(kind, bytes));
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

/// The exit code of a finished exec. The stream can close a moment before the engine records
/// the code, so wait briefly for `Running` to clear.
pub(crate) async fn exit_code(c: &Container, exec_id: &str) -> Result<Option<i32>> {
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
