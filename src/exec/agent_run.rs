//! Runs through the in-sandbox agent: one Spawn request on the container's channel; output
//! and the exit arrive as frames. The agent enforces the timeout and the cap at the source;
//! the client keeps a cap too and a safety deadline in case the agent itself goes quiet.

use std::time::{Duration, Instant};

use hyper::Method;

use super::result::{CappedOutput, ExecResult, ResourceUsage};
use super::RunOptions;
use crate::agent::wire::{Exit, Msg, Spawn};
use crate::container::Container;
use crate::engine::frames::StreamKind;
use crate::engine::models::ContainerInspect;
use crate::engine::request::Subject;
use crate::error::{Error, Result};

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
    let (id, mut rx) = conn.register();
    conn.send(id, &Msg::Spawn(spawn_request(c, argv, opts, Some(timeout))))
        .await?;
    let mut out = CappedOutput::new(opts.max_output);
    let give_up = tokio::time::Instant::from_std(started + timeout + SAFETY_MARGIN);
    loop {
        match tokio::time::timeout_at(give_up, rx.recv()).await {
            Ok(Some(Msg::Output { stream, data, .. })) => out.push(stream_kind(stream), &data),
            Ok(Some(Msg::Exit(e))) => {
                let mut r = exit_result(&e, started);
                r.truncated |= out.truncated;
                r.stdout = out.stdout;
                r.stderr = out.stderr;
                return Ok(r);
            }
            Ok(Some(Msg::Failed { message })) => {
                return Err(Error::internal(format!("agent: {message}")))
            }
            Ok(Some(_)) => {}
            Ok(None) => return Err(lost(c).await),
            Err(_) => {
                let _ = conn.send(id, &Msg::Kill { signal: 9 }).await;
                conn.forget(id);
                return Err(silent(c));
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
