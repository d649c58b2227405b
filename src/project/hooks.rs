//! How runs reach a [`Recorder`]: small adapters the run paths call when their container
//! belongs to a project.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

use super::logs::{command_line, Recorder};
use crate::error::Result;
use crate::exec::ExecResult;
use crate::process::{Callbacks, Process};
use crate::stream::StreamEvent;

/// Output kept for a log, up to a cap.
#[derive(Default)]
struct Collected {
    out: Vec<u8>,
    err: Vec<u8>,
}

impl Collected {
    fn push(&mut self, stdout: bool, data: &[u8], cap: usize) {
        let room = cap.saturating_sub(self.out.len() + self.err.len());
        let data = &data[..data.len().min(room)];
        match stdout {
            true => self.out.extend_from_slice(data),
            false => self.err.extend_from_slice(data),
        }
    }

    fn into_result(self, mut r: ExecResult) -> ExecResult {
        r.stdout = self.out;
        r.stderr = self.err;
        r
    }
}

/// Records a blocking run's outcome.
pub(crate) fn record_run(rec: Option<&Arc<Recorder>>, argv: &[String], r: &Result<ExecResult>) {
    if let Some(rec) = rec {
        rec.finished("run", &command_line(argv), r.as_ref(), None);
    }
}

/// Records a session command's outcome.
pub(crate) fn record_session(rec: Option<&Arc<Recorder>>, command: &str, r: &Result<ExecResult>) {
    if let Some(rec) = rec {
        rec.finished("session", command, r.as_ref(), None);
    }
}

/// Passes a stream's events through, recording its output and end. The recording task
/// runs to the end of the run even when the reader goes away.
pub(crate) fn tee_stream(
    rec: Option<&Arc<Recorder>>,
    argv: &[String],
    rx: UnboundedReceiver<Result<StreamEvent>>,
) -> UnboundedReceiver<Result<StreamEvent>> {
    let Some(rec) = rec.cloned() else { return rx };
    let command = command_line(argv);
    let (tx, out) = unbounded_channel();
    let mut rx = rx;
    tokio::spawn(async move {
        let mut seen = Collected::default();
        let cap = rec.output_cap();
        while let Some(ev) = rx.recv().await {
            match &ev {
                Ok(StreamEvent::Output(c)) => {
                    let stdout = c.stream == crate::StreamKind::Stdout;
                    seen.push(stdout, &c.data, cap);
                }
                Ok(StreamEvent::Exit(r)) => {
                    let r = std::mem::take(&mut seen).into_result(r.clone());
                    rec.finished("stream", &command, Ok(&r), None);
                }
                Err(e) => rec.finished("stream", &command, Err(e), None),
            }
            let _ = tx.send(ev);
        }
    });
    out
}

/// Records a detached process's start now and its end (with its output) when it comes.
pub(crate) async fn watch_process(rec: Option<&Arc<Recorder>>, argv: &[String], p: &Process) {
    let Some(rec) = rec.cloned() else { return };
    let command = command_line(argv);
    rec.spawned(&command, p.id());
    let seen = Arc::new(Mutex::new(Collected::default()));
    let (cap, id) = (rec.output_cap(), p.id());
    let sink = seen.clone();
    let cbs = Callbacks {
        on_output: Some(Arc::new(move |kind, data| {
            let stdout = kind == crate::StreamKind::Stdout;
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(stdout, data, cap);
        })),
        on_exit: Some(Arc::new(move |r: &ExecResult| {
            let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(|e| e.into_inner()));
            rec.finished("exit", &command, Ok(&seen.into_result(r.clone())), Some(id));
        })),
    };
    if let Err(e) = p.set_callbacks(cbs).await {
        tracing::warn!(process = id, error = %e, "cannot follow a detached process for its log");
    }
}
