//! Persistent shell sessions: one long-lived shell (bash, else sh) inside the sandbox, kept
//! by the agent as a detached process with an open stdin, so cwd and variables persist
//! between commands. `send_and_wait` frames each command with a sentinel:
//!
//! ```text
//! printf '\n<S>S\n'; printf '\n<S>S\n' >&2; __pd_run '<command, quoted>'; __pd_rc=$?; trap ':' INT; printf '\n<S> %d\n' $__pd_rc; printf '\n<S>\n' >&2
//! ```
//!
//! where `__pd_run` evals its argument with stdin from /dev/null. `eval` of a single-quoted
//! string cannot break the framing (a syntax error in the command
//! is just its error), `</dev/null` keeps commands from reading the sentinel off stdin, the
//! leading newline of each marker is ours (so output without a trailing newline is kept as
//! it is), and waiting for the stderr marker too attributes all of the command's stderr to
//! it. The start markers set aside what came before them (output of earlier `send`s, for
//! `read`) without a round trip to ask for it. A command that times out gets SIGINT (the shell traps it and carries on).

use std::borrow::Borrow;
use std::time::{Duration, Instant};

use crate::agent::wire::Msg;
use crate::container::Container;
use crate::error::{Error, Result};
use crate::exec::agent_run;
use crate::exec::{ExecResult, RunOptions};
use crate::process::{unexpected, Callbacks, Process, ProcessOutput};

/// The shell: bash if the image has it (without rc files), else sh.
const SHELL: &str = "command -v bash >/dev/null 2>&1 && exec bash --noprofile --norc; exec sh";
/// The shell's first input: INT is trapped so an interrupt does not end the shell, and
/// commands run in a function whose own INT trap returns from it, so an interrupt ends the
/// whole command (not just the program running at that moment).
const PRELUDE: &[u8] =
    b"trap ':' INT\n__pd_run() { trap 'return 130' INT; eval \"$1\" </dev/null; }\n";
/// How long an interrupted command may take to give the prompt back.
const INTERRUPT_GRACE: Duration = Duration::from_secs(3);

/// A persistent shell in a sandbox. Commands run one at a time.
pub struct Session {
    process: Process,
    busy: tokio::sync::Mutex<()>,
    /// Output of `send`s set aside by a `send_and_wait`, for the next `read`.
    pending: std::sync::Mutex<ProcessOutput>,
    /// Makes the sentinel unguessable for the commands' own output.
    nonce: String,
}

impl Container {
    /// Opens a persistent shell (needs the agent). `opts` gives its env, workdir and user.
    pub async fn open_session(&self, opts: impl Borrow<RunOptions>) -> Result<Session> {
        let opts = opts.borrow();
        let argv = ["sh".to_owned(), "-c".to_owned(), SHELL.to_owned()];
        crate::exec::check_argv(&argv, opts)?;
        let mut spawn = agent_run::spawn_request(self, &argv, opts, None);
        spawn.detached = true;
        spawn.max_output = 0;
        spawn.keep_stdin = true;
        spawn.stdin = PRELUDE.to_vec();
        spawn.buffer_size = opts.buffer_size as u64;
        let process = self.spawn_request(spawn, opts.buffer_size).await?;
        Ok(Session {
            process,
            busy: tokio::sync::Mutex::new(()),
            pending: std::sync::Mutex::new(ProcessOutput::default()),
            nonce: crate::container::labels::random_name().replace('-', ""),
        })
    }
}

/// `'…'` quoting for sh: every `'` becomes `'\''`.
pub(crate) fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

impl Session {
    /// The session's process (its number works with `attach_process`).
    pub fn process(&self) -> &Process {
        &self.process
    }

    async fn write(&self, data: &[u8], close: bool) -> Result<()> {
        let conn = self.process.container().agent_conn().await?;
        let msg = Msg::Stdin {
            proc: self.process.id(),
            data: data.to_vec(),
            close,
        };
        // The agent answers with the process's state after the write: `Exit` when the input
        // was delivered and the shell ended on it (`exit 3`) before the answer was made. A
        // shell that had already gone cannot take input, and that is `Failed`.
        match conn.ask(&msg).await?.last() {
            Some(Msg::Status { .. } | Msg::Exit(_)) => Ok(()),
            Some(Msg::Failed { message }) if message.contains("no open stdin") => {
                Err(Error::InvalidState("the session's shell has exited".into()))
            }
            other => Err(unexpected(other)),
        }
    }

    /// Writes `input` and a newline to the shell, without waiting; its output is for `read`.
    pub async fn send(&self, input: &str) -> Result<()> {
        self.write(format!("{input}\n").as_bytes(), false).await
    }

    /// Output not consumed by `send_and_wait` (e.g. from `send`), marked read.
    pub async fn read(&self) -> Result<ProcessOutput> {
        let fresh = self.process.read().await?;
        let mut p = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        p.stdout.extend(fresh.stdout);
        p.stderr.extend(fresh.stderr);
        Ok(p)
    }

    /// Output as it comes, and the shell's exit (see `Process::set_callbacks`).
    pub async fn set_callbacks(&self, cbs: Callbacks) -> Result<()> {
        self.process.set_callbacks(cbs).await
    }

    /// Runs `command` in the shell and waits for it (up to `timeout`; `None`: the
    /// container's default). On timeout the command is interrupted, `timed_out` is set and
    /// the session stays usable. A second call while one runs is `InvalidState`.
    pub async fn send_and_wait(
        &self,
        command: &str,
        timeout: Option<Duration>,
    ) -> Result<ExecResult> {
        let result = self.command(command, timeout).await;
        let observer = self.process.container().observer();
        let line = crate::hooks::Command::Line(command);
        crate::hooks::record(observer, crate::hooks::RunKind::Session, line, &result);
        result
    }

    async fn command(&self, command: &str, timeout: Option<Duration>) -> Result<ExecResult> {
        let _turn = self.busy.try_lock().map_err(|_| {
            Error::InvalidState("a command is already running in this session".into())
        })?;
        let started = Instant::now();
        let timeout = timeout.unwrap_or(self.process.container().default_timeout());
        // Output not read yet (from earlier `send`s) comes first in what we follow; the
        // command prints a start marker on both streams, and what precedes it is kept for
        // `read` (finding it by marker saves asking the agent for it in a round trip).
        let from = self.process.cursor();
        let marker = format!(
            "__PD_{}_{}__",
            self.nonce,
            started.elapsed().as_nanos() ^ u128::from(self.process.id())
        );
        let line = format!(
            "printf '\\n{marker}S\\n'; printf '\\n{marker}S\\n' >&2; __pd_run {}; __pd_rc=$?; trap ':' INT; printf '\\n{marker} %d\\n' \"$__pd_rc\"; printf '\\n{marker}\\n' >&2\n",
            sh_quote(command)
        );
        let conn = self.process.container().agent_conn().await?;
        let (id, mut rx) = conn.register();
        let follow = Msg::Attach {
            proc: self.process.id(),
            stdout_from: from[0],
            stderr_from: from[1],
            follow: true,
        };
        conn.send(id, &follow).await?;
        // The write's answer and the command's output are awaited together: the command
        // starts as soon as the agent has the line, and waiting for the write's own answer
        // first cost a whole round trip per command.
        let reading = async {
            let mut frame = Framing::new(&marker, from);
            let mut deadline = tokio::time::Instant::from_std(started + timeout);
            let mut interrupted = false;
            loop {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(Msg::Output {
                        stream,
                        offset,
                        data,
                    })) => {
                        if frame.push(stream, offset, &data) {
                            return Ok((frame, interrupted));
                        }
                    }
                    Ok(Some(Msg::Exit(_))) | Ok(None) => {
                        // The shell ending mid-command may be the sandbox going away (an
                        // outside removal or stop): say that rather than "exited".
                        let container = self.process.container();
                        return Err(container.down_reason().await.unwrap_or_else(|| {
                            Error::InvalidState("the session's shell has exited".into())
                        }));
                    }
                    Ok(Some(m)) if m.ends_request() => return Err(unexpected(Some(&m))),
                    Ok(Some(_)) => {}
                    Err(_) if !interrupted => {
                        interrupted = true;
                        self.process.kill(2).await?;
                        deadline = tokio::time::Instant::now() + INTERRUPT_GRACE;
                    }
                    Err(_) => {
                        return Err(Error::Timeout(format!(
                            "the command did not stop within {INTERRUPT_GRACE:?} of an interrupt"
                        )))
                    }
                }
            }
        };
        let outcome =
            tokio::try_join!(self.write(line.as_bytes(), false), reading).map(|((), read)| read);
        let _ = conn
            .send(
                id,
                &Msg::Unfollow {
                    proc: self.process.id(),
                },
            )
            .await;
        conn.forget(id);
        let (mut frame, interrupted) = outcome?;
        self.process.set_cursor(frame.consumed);
        {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            p.stdout.append(&mut frame.early[0]);
            p.stderr.append(&mut frame.early[1]);
        }
        Ok(ExecResult {
            exit_code: if interrupted { -1 } else { frame.exit_code },
            stdout: frame.stdout,
            stderr: frame.stderr,
            duration_ms: started.elapsed().as_millis() as u64,
            timed_out: interrupted,
            ..ExecResult::default()
        })
    }

    /// Ends the shell (closes its stdin, then kills what is left).
    pub async fn close(&self) -> Result<()> {
        let _ = self.write(b"exit\n", true).await;
        self.process.kill(9).await
    }
}

/// Collects a command's output up to the sentinel markers on both streams.
pub(crate) struct Framing {
    start_marker: Vec<u8>,
    out_marker: Vec<u8>,
    err_marker: Vec<u8>,
    /// Per stream, once the start marker was seen.
    started: [bool; 2],
    /// Output that came before the start marker: earlier `send`s', kept for `read`.
    early: [Vec<u8>; 2],
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    done: [bool; 2],
    exit_code: i32,
    start: [u64; 2],
    consumed: [u64; 2],
}

impl Framing {
    pub(crate) fn new(marker: &str, from: [u64; 2]) -> Framing {
        Framing {
            start_marker: format!("\n{marker}S\n").into_bytes(),
            out_marker: format!("\n{marker} ").into_bytes(),
            err_marker: format!("\n{marker}\n").into_bytes(),
            started: [false; 2],
            early: [Vec::new(), Vec::new()],
            stdout: Vec::new(),
            stderr: Vec::new(),
            done: [false; 2],
            exit_code: -1,
            start: from,
            consumed: from,
        }
    }

    /// Adds a frame; true once both markers were seen.
    pub(crate) fn push(&mut self, stream: u8, offset: u64, data: &[u8]) -> bool {
        let i = usize::from(stream == 2);
        if self.done[i] {
            return self.done == [true; 2];
        }
        let buf = if i == 0 {
            &mut self.stdout
        } else {
            &mut self.stderr
        };
        // Frames may repeat bytes already seen (the attach replays from `from`). Offsets come
        // from the sandbox: positions saturate at the end of the range rather than overflow.
        let have = self.start[i].saturating_add(buf.len() as u64);
        let skip = have.saturating_sub(offset) as usize;
        if skip < data.len() {
            buf.extend_from_slice(&data[skip..]);
        }
        if !self.started[i] {
            let Some(pos) = find(buf, &self.start_marker) else {
                return false;
            };
            // The marker's leading newline is ours; what is before it was there already.
            let end = pos + self.start_marker.len();
            self.early[i] = buf[..pos].to_vec();
            buf.drain(..end);
            self.start[i] = self.start[i].saturating_add(end as u64);
            self.started[i] = true;
        }
        if i == 0 {
            if let Some(pos) = find(buf, &self.out_marker) {
                let rest = &buf[pos + self.out_marker.len()..];
                if let Some(nl) = rest.iter().position(|&b| b == b'\n') {
                    self.exit_code = std::str::from_utf8(&rest[..nl])
                        .ok()
                        .and_then(|s| s.trim().parse().ok())
                        .unwrap_or(-1);
                    self.consumed[0] =
                        self.start[0].saturating_add((pos + self.out_marker.len() + nl + 1) as u64);
                    buf.truncate(pos);
                    self.done[0] = true;
                }
            }
        } else if let Some(pos) = find(buf, &self.err_marker) {
            self.consumed[1] = self.start[1].saturating_add((pos + self.err_marker.len()) as u64);
            buf.truncate(pos);
            self.done[1] = true;
        }
        self.done == [true; 2]
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_any_text() {
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(sh_quote(""), "''");
    }

    #[test]
    fn framing_cuts_at_our_newline_and_reads_the_code() {
        let mut f = Framing::new("M", [10, 5]);
        assert!(!f.push(1, 10, b"\nMS\nno newline\nM 3\n"));
        assert!(f.push(2, 5, b"\nMS\nwarn\nM\n"));
        assert_eq!(f.stdout, b"no newline");
        assert_eq!(f.stderr, b"warn");
        assert_eq!(f.exit_code, 3);
        assert_eq!(f.consumed, [10 + 4 + 15, 5 + 4 + 7]);
        assert_eq!(f.early, [Vec::<u8>::new(), Vec::new()]);
    }

    #[test]
    fn framing_across_frames_and_repeats() {
        let mut f = Framing::new("M", [0, 0]);
        f.push(1, 0, b"\nMS\na\n\nM");
        f.push(1, 0, b"\nMS\na\n\nM"); // replayed
        f.push(1, 8, b" 0\n");
        assert!(f.push(2, 0, b"\nMS\n\nM\n"));
        assert_eq!((f.stdout.as_slice(), f.exit_code), (&b"a\n"[..], 0));
        assert_eq!(f.stderr, b"");
        assert_eq!(f.consumed, [11, 7]);
    }

    #[test]
    fn output_before_the_start_marker_is_set_aside_for_read() {
        let mut f = Framing::new("M", [100, 0]);
        // An earlier `send`'s output (without a final newline), then the command's own, the
        // start marker split across frames.
        assert!(!f.push(1, 100, b"sent before\npartial\nM"));
        assert!(!f.push(1, 121, b"S\nmine\n\nM 0\n"));
        assert!(f.push(2, 0, b"oops\n\nMS\n\nM\n"));
        assert_eq!(f.early[0], b"sent before\npartial");
        assert_eq!(f.early[1], b"oops\n");
        assert_eq!(f.stdout, b"mine\n");
        assert_eq!(f.stderr, b"");
        assert_eq!(f.consumed, [100 + 33, 12]);
    }

    /// Regression (the `wire_client` fuzz target): read positions near `u64::MAX`, which a
    /// hostile sandbox can set through its output offsets, overflowed (a panic in debug
    /// builds).
    #[test]
    fn framing_at_the_end_of_the_offset_range_does_not_overflow() {
        let mut f = Framing::new("M", [u64::MAX - 2, u64::MAX]);
        assert!(!f.push(1, u64::MAX - 2, b"\nMS\nout\n\nM 0\n"));
        assert!(f.push(2, u64::MAX, b"\nMS\n\nM\n"));
        assert_eq!(f.stdout, b"out\n");
        assert_eq!(f.consumed, [u64::MAX, u64::MAX]);
    }
}
