//! How a layer above the core follows containers without the core knowing it: projects keep
//! instance directories, history and per-run logs through these traits. The core defines
//! them and calls them; `project/` implements them and installs itself here. Nothing in the
//! core names `project/` (tests/layering.rs checks it; docs/ARCHITECTURE.md has the picture).

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::mpsc::{channel, Receiver};

use crate::container::ContainerOptions;
use crate::error::{Error, Result};
use crate::exec::ExecResult;
use crate::process::{Callbacks, Process};
use crate::stream::StreamEvent;
use crate::StreamKind;

/// What ended, as a history names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunKind {
    /// A blocking run.
    Run,
    /// A streaming run.
    Stream,
    /// A command in a session.
    Session,
    /// A detached process.
    Exit,
}

impl RunKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RunKind::Run => "run",
            RunKind::Stream => "stream",
            RunKind::Session => "session",
            RunKind::Exit => "exit",
        }
    }
}

/// What was run: an argv, or a session's command line as sent.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Command<'a> {
    Argv(&'a [String]),
    Line(&'a str),
}

/// Follows one container: told of every run's end. Never fails a run (problems are its own).
pub(crate) trait RunObserver: Send + Sync {
    /// The host directory holding the container's records, if it has one.
    fn instance_dir(&self) -> Option<&Path>;
    /// How much output (stdout and stderr together) a record keeps.
    fn output_cap(&self) -> usize;
    /// A run of `kind` ended (`Ok`, with the output kept up to `output_cap`) or failed.
    fn finished(
        &self,
        kind: RunKind,
        command: Command<'_>,
        outcome: std::result::Result<&ExecResult, &Error>,
        process: Option<u32>,
    );
    /// Detached process `id` started.
    fn spawned(&self, command: Command<'_>, id: u32);
    /// The (ephemeral) container is gone, for `reason`.
    fn ended(&self, reason: &str);
}

/// A binding made before a create, completed or undone once the create's outcome is known.
pub(crate) trait PendingBinding: Send {
    /// The container exists under engine id `id`: its observer from now on.
    fn created(self: Box<Self>, id: &str) -> Arc<dyn RunObserver>;
    /// The create failed: undo what `prepare` did.
    fn abandon(self: Box<Self>);
}

/// Gives containers their observers, when they are created and when a handle is opened.
pub(crate) trait ContainerHooks: Send + Sync {
    /// Before the create of `name` with `opts` (whose `project_dir` is set): the options to
    /// create with and the binding to complete.
    fn prepare(
        &self,
        opts: &ContainerOptions,
        name: &str,
    ) -> Result<(ContainerOptions, Box<dyn PendingBinding>)>;
    /// A handle on the existing container `name`; `label` reads its labels.
    fn reattach(
        &self,
        name: &str,
        label: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Arc<dyn RunObserver>>;
}

static HOOKS: OnceLock<Arc<dyn ContainerHooks>> = OnceLock::new();

/// Installs the hooks every container of this process uses; the first installed stays.
pub(crate) fn install(hooks: Arc<dyn ContainerHooks>) {
    let _ = HOOKS.get_or_init(|| hooks);
}

/// The installed hooks, if any.
pub(crate) fn installed() -> Option<&'static Arc<dyn ContainerHooks>> {
    HOOKS.get()
}

/// Output kept for an observer, up to its cap.
#[derive(Default)]
struct Collected {
    out: Vec<u8>,
    err: Vec<u8>,
}

impl Collected {
    fn push(&mut self, kind: StreamKind, data: &[u8], cap: usize) {
        let room = cap.saturating_sub(self.out.len() + self.err.len());
        let data = &data[..data.len().min(room)];
        match kind {
            StreamKind::Stdout => self.out.extend_from_slice(data),
            StreamKind::Stderr => self.err.extend_from_slice(data),
        }
    }

    fn into_result(self, mut r: ExecResult) -> ExecResult {
        r.stdout = self.out;
        r.stderr = self.err;
        r
    }
}

/// Tells `obs` (if any) how a run or session command ended.
pub(crate) fn record(
    obs: Option<&Arc<dyn RunObserver>>,
    kind: RunKind,
    command: Command<'_>,
    r: &Result<ExecResult>,
) {
    if let Some(obs) = obs {
        obs.finished(kind, command, r.as_ref(), None);
    }
}

/// Passes a stream's events through, telling `obs` its output and end. The task runs to
/// the end of the run even when the reader goes away.
pub(crate) fn tee_stream(
    obs: Option<&Arc<dyn RunObserver>>,
    argv: &[String],
    rx: Receiver<Result<StreamEvent>>,
) -> Receiver<Result<StreamEvent>> {
    let Some(obs) = obs.cloned() else { return rx };
    let argv = argv.to_vec();
    let (tx, out) = channel(crate::stream::STREAM_DEPTH);
    let mut rx = rx;
    tokio::spawn(async move {
        let mut seen = Collected::default();
        let cap = obs.output_cap();
        let command = Command::Argv(&argv);
        while let Some(ev) = rx.recv().await {
            match &ev {
                Ok(StreamEvent::Output(c)) => seen.push(c.stream, &c.data, cap),
                Ok(StreamEvent::Exit(r)) => {
                    let r = std::mem::take(&mut seen).into_result(r.clone());
                    obs.finished(RunKind::Stream, command, Ok(&r), None);
                }
                Err(e) => obs.finished(RunKind::Stream, command, Err(e), None),
            }
            let _ = tx.send(ev).await;
        }
    });
    out
}

/// Tells `obs` of a detached process's start now and of its end (with its output) when it
/// comes.
pub(crate) async fn watch_process(
    obs: Option<&Arc<dyn RunObserver>>,
    argv: &[String],
    p: &Process,
) {
    let Some(obs) = obs.cloned() else { return };
    obs.spawned(Command::Argv(argv), p.id());
    let seen = Arc::new(Mutex::new(Collected::default()));
    let (cap, id, argv) = (obs.output_cap(), p.id(), argv.to_vec());
    let sink = seen.clone();
    let cbs = Callbacks {
        on_output: Some(Arc::new(move |kind, data| {
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(kind, data, cap);
        })),
        on_exit: Some(Arc::new(move |r: &ExecResult| {
            let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(|e| e.into_inner()));
            let r = seen.into_result(r.clone());
            obs.finished(RunKind::Exit, Command::Argv(&argv), Ok(&r), Some(id));
        })),
    };
    if let Err(e) = p.set_callbacks(cbs).await {
        tracing::warn!(process = id, error = %e, "cannot follow a detached process for its log");
    }
}
