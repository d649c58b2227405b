//! One session's persistent Python interpreter: `driver.py` run by a shell session the
//! sandbox's agent keeps (a detached process with an open stdin, so it outlives any call),
//! fed one JSON request per line and answering on its stdout after a marker no code can
//! guess. State (variables, imports, functions) lives in that process between calls.

use std::sync::Arc;
use std::time::Duration;

use pocketdock::{Callbacks, Container, RunOptions, Session, StreamKind};
use serde::Deserialize;
use tokio::sync::mpsc;

const DRIVER: &str = include_str!("driver.py");
/// Where the driver and each call's output files live (the sandbox's /tmp is a tmpfs).
pub const WORK_DIR: &str = "/tmp/.pocketdock-mcp";
/// How long a fresh interpreter may take to say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(30);

enum Event {
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    Exit(i32),
}

/// The driver's answer to one call (see driver.py).
#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct Answer {
    pub stdout: String,
    pub stderr: String,
    pub result: Option<String>,
    pub error: Option<PyError>,
    pub exit_code: i32,
    pub truncated: bool,
    pub duration_ms: f64,
    pub cpu_ms: f64,
    pub peak_memory_bytes: u64,
    pub files_created: Vec<String>,
    pub files_changed: Vec<String>,
    pub internal_error: Option<String>,
}

/// An exception the code raised.
#[derive(Deserialize, serde::Serialize, schemars::JsonSchema, Debug, Clone)]
pub struct PyError {
    /// The exception's class, e.g. `ZeroDivisionError`.
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    /// The formatted traceback, the frames of the submitted code only.
    pub traceback: String,
}

/// Why a call returned no answer.
pub enum CallFailure {
    /// The timeout fired (the interpreter is still running: kill it).
    TimedOut,
    /// The interpreter ended (e.g. `os._exit`, a crash, the OOM killer); its stderr.
    Exited(i32, String),
    Other(String),
}

pub struct Interp {
    session: Session,
    rx: mpsc::UnboundedReceiver<Event>,
    marker: String,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Interp {
    /// Writes the driver into the sandbox and starts it in `data_dir`.
    pub async fn start(c: &Container, data_dir: &str) -> Result<Interp, String> {
        let driver = format!("{WORK_DIR}/driver.py");
        super::artifacts::put_file(c, &driver, DRIVER.as_bytes())
            .await
            .map_err(|e| format!("placing the interpreter's driver: {e}"))?;
        let opts = RunOptions {
            workdir: Some(data_dir.to_owned()),
            ..Default::default()
        };
        let session = c
            .open_session(&opts)
            .await
            .map_err(|e| format!("starting the interpreter: {e}"))?;
        let (tx, rx) = mpsc::unbounded_channel();
        let out = tx.clone();
        let cbs = Callbacks {
            on_output: Some(Arc::new(move |kind, data: &[u8]| {
                let _ = out.send(match kind {
                    StreamKind::Stdout => Event::Stdout(data.to_vec()),
                    StreamKind::Stderr => Event::Stderr(data.to_vec()),
                });
            })),
            on_exit: Some(Arc::new(move |r| {
                let _ = tx.send(Event::Exit(r.exit_code));
            })),
        };
        session
            .set_callbacks(cbs)
            .await
            .map_err(|e| format!("following the interpreter: {e}"))?;
        let marker = format!("\u{1}PDMCP-{}:", super::validate::new_token());
        // The shell replaces itself with Python, which inherits its stdin (the requests).
        session
            .send(&format!(
                "exec python3 -u {driver} '{}' '{data_dir}' '{WORK_DIR}'",
                marker
            ))
            .await
            .map_err(|e| format!("starting the interpreter: {e}"))?;
        let mut me = Interp {
            session,
            rx,
            marker,
            stdout: Vec::new(),
            stderr: Vec::new(),
        };
        match me.answer(START_TIMEOUT).await {
            Ok(_) => Ok(me),
            Err(CallFailure::TimedOut) => {
                let _ = me.kill().await;
                Err("the interpreter did not start in time".into())
            }
            Err(CallFailure::Exited(code, err)) => Err(format!(
                "the interpreter exited at start (status {code}): {}",
                err.trim()
            )),
            Err(CallFailure::Other(e)) => Err(e),
        }
    }

    /// Runs `code`; `Err` when no answer came (see [`CallFailure`]).
    pub async fn call(
        &mut self,
        code: &str,
        max_output: usize,
        timeout: Duration,
    ) -> Result<Answer, CallFailure> {
        let req = serde_json::json!({"code": code, "max_output": max_output});
        self.stderr.clear();
        self.session
            .send(&req.to_string())
            .await
            .map_err(|e| CallFailure::Other(format!("sending the code: {e}")))?;
        let line = self.answer(timeout).await?;
        let a: Answer = serde_json::from_str(&line).map_err(|e| {
            CallFailure::Other(format!("unreadable answer from the interpreter: {e}"))
        })?;
        if let Some(e) = a.internal_error {
            return Err(CallFailure::Other(format!("interpreter driver: {e}")));
        }
        Ok(a)
    }

    /// Waits for the next answer line.
    async fn answer(&mut self, timeout: Duration) -> Result<String, CallFailure> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(line) = self.take_answer() {
                return Ok(line);
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Err(_) => return Err(CallFailure::TimedOut),
                Ok(Some(Event::Stdout(d))) => self.stdout.extend_from_slice(&d),
                Ok(Some(Event::Stderr(d))) => {
                    // Only the interpreter's own dying words land here (calls write to files).
                    if self.stderr.len() < 64 << 10 {
                        self.stderr.extend_from_slice(&d);
                    }
                }
                Ok(Some(Event::Exit(code))) => {
                    let err = String::from_utf8_lossy(&self.stderr).into_owned();
                    return Err(CallFailure::Exited(code, err));
                }
                Ok(None) => return Err(CallFailure::Exited(-1, String::new())),
            }
        }
    }

    /// The first complete answer line in what stdout brought, if any.
    fn take_answer(&mut self) -> Option<String> {
        let marker = self.marker.as_bytes();
        let at = self
            .stdout
            .windows(marker.len())
            .position(|w| w == marker)?;
        let end = at + self.stdout[at..].iter().position(|&b| b == b'\n')?;
        let line = String::from_utf8_lossy(&self.stdout[at + marker.len()..end]).into_owned();
        self.stdout.drain(..=end);
        Some(line)
    }

    /// Kills the interpreter and everything it started.
    pub async fn kill(&self) -> Result<(), String> {
        self.session
            .process()
            .kill(9)
            .await
            .map_err(|e| format!("killing the interpreter: {e}"))
    }
}

/// What the code of a killed call had written (its output files), up to `cap` bytes each.
pub async fn partial_output(c: &Container, cap: usize) -> (String, String, bool) {
    let mut got = Vec::new();
    for f in ["out", "err"] {
        let argv = [
            "head".to_owned(),
            "-c".to_owned(),
            (cap + 1).to_string(),
            format!("{WORK_DIR}/{f}"),
        ];
        let r = c.run_argv(argv, RunOptions::default()).await;
        got.push(r.map(|r| r.stdout).unwrap_or_default());
    }
    let truncated = got.iter().any(|b| b.len() > cap);
    let text = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(cap)]).into_owned();
    (text(&got[0]), text(&got[1]), truncated)
}
