//! Detached processes: started in the background through the agent, which keeps their
//! output (the newest `buffer_size` bytes, split between stdout and stderr) and their exit
//! inside the sandbox. Any client can attach to one by container and process number, read
//! what it wrote, wait for it and signal it; a client that goes away does not end it.

use std::borrow::Borrow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::agent::conn::AgentConn;
use crate::agent::wire::{Exit, Msg, ProcEntry};
use crate::container::Container;
use crate::engine::frames::StreamKind;
use crate::error::{Error, Result};
use crate::exec::agent_run::{self, exit_result};
use crate::exec::{check_argv, ExecResult, RunOptions};

/// The reference's ring buffer: 1 MiB, split between stdout and stderr.
pub const DEFAULT_BUFFER_SIZE: usize = 1 << 20;

/// Output read from a detached process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// A detached process as listed by its sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    /// The number to attach with.
    pub id: u32,
    /// Its pid inside the sandbox.
    pub pid: u32,
    pub running: bool,
    /// Set once it has exited.
    pub exit_code: Option<i32>,
    pub argv: Vec<String>,
}

/// Output callback: which stream, and the bytes.
pub type OutputCallback = Arc<dyn Fn(StreamKind, &[u8]) + Send + Sync>;
/// Exit callback: the result (its output came through the output callback).
pub type ExitCallback = Arc<dyn Fn(&ExecResult) + Send + Sync>;

/// Callbacks for detached processes. They run one at a time per process, in order, on a
/// pocketdock runtime thread: keep them short and do not block in them.
#[derive(Clone, Default)]
pub struct Callbacks {
    pub on_output: Option<OutputCallback>,
    pub on_exit: Option<ExitCallback>,
}

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callbacks")
            .field("on_output", &self.on_output.is_some())
            .field("on_exit", &self.on_exit.is_some())
            .finish()
    }
}

/// A handle on a detached process. Dropping it leaves the process running.
pub struct Process {
    container: Container,
    id: u32,
    buffer_size: usize,
    /// Offsets up to which this handle has read stdout and stderr.
    cursor: Mutex<[u64; 2]>,
    overflow: AtomicBool,
}

impl Container {
    /// Starts `command` (interpreted by `opts.lang`) in the background. `opts.timeout`
    /// applies only when set (a server should not die at the container's default);
    /// `max_output` does not apply: the ring buffer bounds memory.
    pub async fn spawn(
        &self,
        command: impl AsRef<str>,
        opts: impl Borrow<RunOptions>,
    ) -> Result<Process> {
        let opts = opts.borrow();
        opts.validate()?;
        self.spawn_argv(opts.lang.argv(command.as_ref()), opts)
            .await
    }

    /// Starts `argv` in the background, without a shell.
    pub async fn spawn_argv(
        &self,
        argv: impl AsRef<[String]>,
        opts: impl Borrow<RunOptions>,
    ) -> Result<Process> {
        let (argv, opts) = (argv.as_ref(), opts.borrow());
        check_argv(argv, opts)?;
        if opts.buffer_size < 2 {
            return Err(Error::invalid("buffer_size must be at least 2 bytes"));
        }
        let mut spawn = agent_run::spawn_request(self, argv, opts, opts.timeout);
        spawn.detached = true;
        spawn.max_output = 0;
        spawn.buffer_size = opts.buffer_size as u64;
        let p = self.spawn_request(spawn, opts.buffer_size).await?;
        crate::hooks::watch_process(self.observer(), argv, &p).await;
        Ok(p)
    }

    /// Sends a detached Spawn and makes the handle (with this container's callbacks).
    pub(crate) async fn spawn_request(
        &self,
        spawn: crate::agent::wire::Spawn,
        buffer_size: usize,
    ) -> Result<Process> {
        let frames = self.agent_conn().await?.ask(&Msg::Spawn(spawn)).await?;
        let p = match frames.last() {
            Some(Msg::Spawned { proc }) => self.process_handle(*proc, buffer_size),
            other => return Err(unexpected(other)),
        };
        if let Some(cbs) = self.callbacks() {
            p.set_callbacks(cbs).await?;
        }
        Ok(p)
    }

    /// Attaches to detached process `id` of this sandbox (started by any client). Reads
    /// start from the oldest output still kept.
    pub async fn attach_process(&self, id: u32) -> Result<Process> {
        let p = self.process_handle(id, DEFAULT_BUFFER_SIZE);
        p.is_running().await?;
        Ok(p)
    }

    /// The detached processes of this sandbox, running or recently finished.
    pub async fn list_processes(&self) -> Result<Vec<ProcessInfo>> {
        let frames = self.agent_conn().await?.ask(&Msg::List).await?;
        match frames.last() {
            Some(Msg::Procs(list)) => Ok(list.iter().map(info).collect()),
            other => Err(unexpected(other)),
        }
    }

    fn process_handle(&self, id: u32, buffer_size: usize) -> Process {
        Process {
            container: self.clone(),
            id,
            buffer_size,
            cursor: Mutex::new([0, 0]),
            overflow: AtomicBool::new(false),
        }
    }

    pub(crate) async fn agent_conn(&self) -> Result<Arc<AgentConn>> {
        match self.agent() {
            Some(link) => link.get(self).await,
            None => Err(Error::invalid(
                "detached processes and sessions need the agent (this container runs without it)",
            )),
        }
    }
}

/// Moves a read cursor past an `Output` frame of `len` bytes at `offset`; true when the
/// frame starts past the cursor (the ring dropped bytes the reader had not seen). The
/// offset comes from the sandbox: one near `u64::MAX` pins the cursor there rather than
/// overflowing (found by the `wire_client` fuzz target).
pub(crate) fn advance(cursor: &mut [u64; 2], stream: u8, offset: u64, len: usize) -> bool {
    let i = usize::from(stream == 2);
    let lost = offset > cursor[i];
    cursor[i] = offset.saturating_add(len as u64);
    lost
}

pub(crate) fn info(e: &ProcEntry) -> ProcessInfo {
    ProcessInfo {
        id: e.proc,
        pid: e.pid,
        running: e.running,
        exit_code: (!e.running).then_some(e.exit_code),
        argv: e.argv.clone(),
    }
}

pub(crate) fn unexpected(frame: Option<&Msg>) -> Error {
    match frame {
        Some(Msg::Failed { message }) if message.starts_with("no detached process") => {
            Error::InvalidArgument(message.clone())
        }
        Some(Msg::Failed { message }) => Error::internal(format!("agent: {message}")),
        other => Error::internal(format!("unexpected agent answer {other:?}")),
    }
}

impl Process {
    /// The process number inside its sandbox (what `attach_process` takes).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The ring buffer size this handle was created with.
    pub fn buffer_size(&self) -> usize {
        self.buffer_size
    }

    /// Sticky: some output was dropped from the ring before this handle read it.
    pub fn buffer_overflow(&self) -> bool {
        self.overflow.load(Ordering::Acquire)
    }

    async fn attach(&self, from: [u64; 2], follow: bool) -> Result<(Vec<Msg>, Arc<AgentConn>)> {
        let conn = self.container.agent_conn().await?;
        let msg = Msg::Attach {
            proc: self.id,
            stdout_from: from[0],
            stderr_from: from[1],
            follow,
        };
        Ok((conn.ask(&msg).await?, conn))
    }

    pub(crate) fn container(&self) -> &Container {
        &self.container
    }

    pub(crate) fn cursor(&self) -> [u64; 2] {
        *self.cursor.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_cursor(&self, to: [u64; 2]) {
        *self.cursor.lock().unwrap_or_else(|e| e.into_inner()) = to;
    }

    /// Asks the sandbox whether it still runs.
    pub async fn is_running(&self) -> Result<bool> {
        let (frames, _) = self.attach([u64::MAX; 2], false).await?;
        match frames.last() {
            Some(Msg::Status { running, .. }) => Ok(*running),
            Some(Msg::Exit(_)) => Ok(false),
            other => Err(unexpected(other)),
        }
    }

    async fn output(&self, drain: bool) -> Result<ProcessOutput> {
        let mut cursor = *self.cursor.lock().unwrap_or_else(|e| e.into_inner());
        let (frames, _) = self.attach(cursor, false).await?;
        let mut out = ProcessOutput::default();
        for f in &frames {
            match f {
                Msg::Output {
                    stream,
                    offset,
                    data,
                } => {
                    if advance(&mut cursor, *stream, *offset, data.len()) {
                        self.overflow.store(true, Ordering::Release);
                    }
                    match agent_run::stream_kind(*stream) {
                        StreamKind::Stdout => out.stdout.extend_from_slice(data),
                        StreamKind::Stderr => out.stderr.extend_from_slice(data),
                    }
                }
                Msg::Failed { .. } => return Err(unexpected(Some(f))),
                _ => {}
            }
        }
        if drain {
            *self.cursor.lock().unwrap_or_else(|e| e.into_inner()) = cursor;
        }
        Ok(out)
    }

    /// Output written since this handle last read (the oldest still kept, at first), and
    /// marks it read.
    pub async fn read(&self) -> Result<ProcessOutput> {
        self.output(true).await
    }

    /// Like `read` but leaves the output unread.
    pub async fn peek(&self) -> Result<ProcessOutput> {
        self.output(false).await
    }

    /// Waits for the process to end (up to `timeout`, `None`: no limit) and returns its
    /// result with the output this handle had not read yet. On timeout the result is a
    /// `Timeout` error and the process keeps running.
    pub async fn wait(&self, timeout: Option<Duration>) -> Result<ExecResult> {
        let started = Instant::now();
        let still_running = || {
            let waited = timeout.map_or(0, |t| t.as_millis());
            Error::Timeout(format!(
                "process {} still running after {waited} ms",
                self.id
            ))
        };
        // A bounded wait must not lose the race with its own round trip (a following Attach
        // gets no answer while the process runs): first ask whether it has already ended,
        // which the agent answers at once either way; only then wait under the limit.
        let ended = match timeout {
            Some(limit) => match self.attach([u64::MAX; 2], false).await?.0.pop() {
                Some(Msg::Exit(e)) => Some(e),
                Some(Msg::Status { running: true, .. }) if limit.is_zero() => {
                    return Err(still_running())
                }
                Some(Msg::Status { .. }) => None,
                other => return Err(unexpected(other.as_ref())),
            },
            None => None,
        };
        let exit = match ended {
            Some(e) => e,
            None => self
                .follow_to_exit(timeout)
                .await?
                .ok_or_else(still_running)?,
        };
        let mut result = exit_result(&exit, started);
        let rest = self.read().await?;
        result.stdout = rest.stdout;
        result.stderr = rest.stderr;
        Ok(result)
    }

    /// Follows the process until its exit, or `None` when `timeout` passes first.
    async fn follow_to_exit(&self, timeout: Option<Duration>) -> Result<Option<Exit>> {
        let conn = self.container.agent_conn().await?;
        let (id, mut rx) = conn.register();
        let msg = Msg::Attach {
            proc: self.id,
            stdout_from: u64::MAX,
            stderr_from: u64::MAX,
            follow: true,
        };
        conn.send(id, &msg).await?;
        let wait_exit = async {
            while let Some(m) = rx.recv().await {
                match m {
                    Msg::Exit(e) => return Ok(e),
                    Msg::Failed { .. } => return Err(unexpected(Some(&m))),
                    _ => {}
                }
            }
            Err(agent_run::lost(&self.container).await)
        };
        let exit = match timeout {
            Some(t) => tokio::time::timeout(t, wait_exit).await.ok(),
            None => Some(wait_exit.await),
        };
        conn.forget(id);
        exit.transpose()
    }

    /// Delivers the process's output (from the oldest byte still kept, then as it comes)
    /// and its exit to `cbs`, in order, from a background task that ends with the process.
    pub async fn set_callbacks(&self, cbs: Callbacks) -> Result<()> {
        let conn = self.container.agent_conn().await?;
        let (id, mut rx) = conn.register();
        let msg = Msg::Attach {
            proc: self.id,
            stdout_from: 0,
            stderr_from: 0,
            follow: true,
        };
        conn.send(id, &msg).await?;
        let started = Instant::now();
        tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                match m {
                    Msg::Output { stream, data, .. } => {
                        if let Some(f) = &cbs.on_output {
                            f(agent_run::stream_kind(stream), &data);
                        }
                    }
                    Msg::Exit(e) => {
                        if let Some(f) = &cbs.on_exit {
                            f(&exit_result(&e, started));
                        }
                        break;
                    }
                    _ => break,
                }
            }
            conn.forget(id);
        });
        Ok(())
    }

    /// Sends `signal` to the process and its process group inside the sandbox (SIGKILL
    /// ends everything it started). Signalling a finished process is not an error.
    pub async fn kill(&self, signal: i32) -> Result<()> {
        if !(1..=64).contains(&signal) {
            return Err(Error::invalid(format!("{signal} is not a signal number")));
        }
        let conn = self.container.agent_conn().await?;
        let frames = conn
            .ask(&Msg::KillProc {
                proc: self.id,
                signal,
            })
            .await?;
        match frames.last() {
            Some(Msg::Status { .. } | Msg::Exit(_)) => Ok(()),
            other => Err(unexpected(other)),
        }
    }
}

impl std::fmt::Debug for Process {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Process")
            .field("container", &self.container.name())
            .field("id", &self.id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::advance;

    #[test]
    fn the_cursor_follows_output_and_notices_lost_bytes() {
        let mut c = [0, 0];
        assert!(!advance(&mut c, 1, 0, 5));
        assert!(advance(&mut c, 2, 3, 2));
        assert_eq!(c, [5, 5]);
    }

    /// Regression (fuzz/artifacts of `wire_client`): an offset near `u64::MAX` from a hostile
    /// sandbox overflowed the cursor (a panic in debug builds).
    #[test]
    fn an_offset_at_the_end_of_the_range_does_not_overflow() {
        let mut c = [0, 0];
        assert!(advance(&mut c, 1, u64::MAX - 1, 10));
        assert_eq!(c, [u64::MAX, 0]);
        assert!(!advance(&mut c, 1, u64::MAX, usize::MAX));
        assert_eq!(c, [u64::MAX, 0]);
    }
}
