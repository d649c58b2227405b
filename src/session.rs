//! Persistent shell sessions: one long-lived shell (bash, else sh) inside the sandbox, kept
//! by the agent as a detached process with an open stdin, so cwd and variables persist
//! between commands. `send_and_wait` is one `Command` request: the agent writes the command's
//! line to the shell and finds the command's output between the sentinel markers the line
//! prints (`pocketdock_wire::session`, which also holds the shell text), then answers once
//! with the output and the exit code. Output that came before the command's start markers
//! (from earlier `send`s) is kept for `read`. A command that times out gets SIGINT (the
//! shell traps it and carries on).

use std::borrow::Borrow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::agent::wire::{session as framing, Msg};
use crate::container::Container;
use crate::error::{Error, Result};
use crate::exec::agent_run;
use crate::exec::{ExecResult, RunOptions};
use crate::process::{unexpected, Callbacks, Process, ProcessOutput};

/// The shell: bash if the image has it (without rc files), else sh.
const SHELL: &str = "command -v bash >/dev/null 2>&1 && exec bash --noprofile --norc; exec sh";
/// How long an interrupted command may take to give the prompt back.
const INTERRUPT_GRACE: Duration = Duration::from_secs(3);

/// A persistent shell in a sandbox. Commands run one at a time.
pub struct Session {
    process: Process,
    busy: tokio::sync::Mutex<()>,
    /// Output of `send`s set aside by a `send_and_wait`, for the next `read`.
    pending: std::sync::Mutex<ProcessOutput>,
    /// Begins every marker: makes them unguessable for the commands' own output.
    prefix: String,
    /// Numbers the commands (each has markers of its own).
    commands: AtomicU64,
    /// Whether the shell is known idle: the last command's end markers were seen and
    /// nothing was written to it since. Its next command then needs no start markers.
    idle: AtomicBool,
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
        let nonce = crate::container::labels::random_name().replace('-', "");
        let prefix = format!("__PD_{nonce}_");
        spawn.stdin = framing::prelude(&prefix);
        spawn.buffer_size = opts.buffer_size as u64;
        let process = self.spawn_request(spawn, opts.buffer_size).await?;
        Ok(Session {
            process,
            busy: tokio::sync::Mutex::new(()),
            pending: std::sync::Mutex::new(ProcessOutput::default()),
            prefix,
            commands: AtomicU64::new(1),
            idle: AtomicBool::new(false),
        })
    }
}

pub(crate) use framing::sh_quote;

impl Session {
    /// The session's process (its number works with `attach_process`).
    pub fn process(&self) -> &Process {
        &self.process
    }

    async fn write(&self, data: &[u8], close: bool) -> Result<()> {
        self.idle.store(false, Ordering::SeqCst);
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
                Err(shell_exited())
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
        // Output not read yet (from earlier `send`s) comes first in what the agent reads;
        // the command's start markers tell it apart.
        let from = self.process.cursor();
        let n = self.commands.fetch_add(1, Ordering::Relaxed);
        // An idle shell starts the command at once: nothing sent earlier can still print,
        // so the command's output begins where the streams end now, and the start markers
        // (two pipe writes, two wake-ups of the agent) are not needed.
        let start_markers = !self.idle.swap(false, Ordering::SeqCst);
        let conn = self.process.container().agent_conn().await?;
        let (id, mut rx) = conn.register();
        let request = Msg::Command {
            proc: self.process.id(),
            line: framing::line(n, command, start_markers),
            marker: framing::marker(&self.prefix, n),
            stdout_from: from[0],
            stderr_from: from[1],
            start_markers,
        };
        if let Err(e) = conn.send(id, &request).await {
            conn.forget(id);
            return Err(e);
        }
        let mut deadline = tokio::time::Instant::from_std(started + timeout);
        let mut interrupted = false;
        let mut pieces = Vec::new();
        let outcome = loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(Msg::Output {
                    stream,
                    offset,
                    data,
                })) => pieces.push((stream, offset, data)),
                Ok(Some(Msg::Ran {
                    exit_code,
                    stdout_start,
                    stderr_start,
                    stdout_end,
                    stderr_end,
                })) => {
                    break Ok((
                        exit_code,
                        [stdout_start, stderr_start],
                        [stdout_end, stderr_end],
                    ))
                }
                Ok(Some(Msg::Exit(_))) | Ok(None) => {
                    // The shell ending mid-command may be the sandbox going away (an outside
                    // removal or stop): say that rather than "exited".
                    let container = self.process.container();
                    break Err(container.down_reason().await.unwrap_or_else(shell_exited));
                }
                Ok(Some(Msg::Failed { message })) if message.contains("no open stdin") => {
                    break Err(shell_exited())
                }
                Ok(Some(m)) if m.ends_request() => break Err(unexpected(Some(&m))),
                Ok(Some(_)) => {}
                Err(_) if !interrupted => {
                    interrupted = true;
                    if let Err(e) = self.process.kill(2).await {
                        break Err(e);
                    }
                    deadline = tokio::time::Instant::now() + INTERRUPT_GRACE;
                }
                Err(_) => {
                    break Err(Error::Timeout(format!(
                        "the command did not stop within {INTERRUPT_GRACE:?} of an interrupt"
                    )))
                }
            }
        };
        if outcome.is_err() {
            // The agent stops watching for this command's markers (a no-op if it ended).
            let unfollow = Msg::Unfollow {
                proc: self.process.id(),
            };
            let _ = conn.send(id, &unfollow).await;
        }
        conn.forget(id);
        let (exit_code, start, end) = outcome?;
        self.process.set_cursor(end);
        self.idle.store(true, Ordering::SeqCst);
        // Each piece is where it lay in its stream: before the command's start marker it is
        // an earlier `send`'s output, kept for `read`.
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            for (stream, offset, mut data) in pieces {
                let i = usize::from(stream == 2);
                let to = match (i, offset < start[i]) {
                    (0, true) => &mut p.stdout,
                    (_, true) => &mut p.stderr,
                    (0, false) => &mut stdout,
                    (_, false) => &mut stderr,
                };
                to.append(&mut data);
            }
        }
        Ok(ExecResult {
            exit_code: if interrupted { -1 } else { exit_code },
            stdout,
            stderr,
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

fn shell_exited() -> Error {
    Error::InvalidState("the session's shell has exited".into())
}
