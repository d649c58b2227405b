//! History and per-run logs of an instance, with retention. Logging never fails a run:
//! every problem here is traced and dropped.
//!
//! Layout under the instance directory: `logs/history.jsonl` (one JSON object per line;
//! rotated to `logs/history.1.jsonl` at `max_file_size`) and `logs/runs/<ms>-<pid>-<n>-<kind>.log`
//! (the command, its stdout, its stderr; cut at `max_file_size`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::config::LoggingConfig;
use crate::container::labels::rfc3339_utc;
use crate::error::{Error, Result};
use crate::exec::ExecResult;

pub const HISTORY_FILE: &str = "history.jsonl";
pub const HISTORY_ROTATED: &str = "history.1.jsonl";

/// One line of `history.jsonl`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HistoryEntry {
    /// When it ended (`spawn`: when it started), RFC 3339 UTC.
    pub time: String,
    /// Milliseconds since the Unix epoch, same instant as `time`.
    pub unix_ms: u64,
    /// `run` (blocking), `stream`, `spawn` (a detached process started), `exit` (it
    /// ended) or `session` (a command in a session).
    pub kind: String,
    /// The command: the argv joined with spaces, quoted where needed; a session's command
    /// as sent.
    pub command: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub duration_ms: Option<u64>,
    pub timed_out: bool,
    pub truncated: bool,
    /// The detached process's number (`spawn`, `exit`).
    pub process_id: Option<u32>,
    /// Why the call failed, when it did.
    pub error: Option<String>,
    /// The per-run log's file name under `logs/runs/`.
    pub log: Option<String>,
}

/// Writes the logs of one instance.
pub(crate) struct Recorder {
    logs: PathBuf,
    instance: PathBuf,
    cfg: LoggingConfig,
    seq: AtomicU64,
    /// Serialises rotation and retention within this process.
    lock: Mutex<()>,
}

impl Recorder {
    pub(crate) fn new(instance_dir: &Path, cfg: LoggingConfig) -> Recorder {
        Recorder {
            logs: instance_dir.join("logs"),
            instance: instance_dir.to_path_buf(),
            cfg,
            seq: AtomicU64::new(0),
            lock: Mutex::new(()),
        }
    }

    pub(crate) fn instance_dir(&self) -> &Path {
        &self.instance
    }

    /// The output cap for collectors feeding this recorder.
    pub(crate) fn output_cap(&self) -> usize {
        usize::try_from(self.cfg.max_file_size).unwrap_or(usize::MAX)
    }

    /// Records a finished (or failed) run of `kind`.
    pub(crate) fn finished(
        &self,
        kind: &str,
        command: &str,
        outcome: std::result::Result<&ExecResult, &Error>,
        process_id: Option<u32>,
    ) {
        let mut e = HistoryEntry {
            kind: kind.into(),
            command: command.into(),
            process_id,
            ..HistoryEntry::default()
        };
        match outcome {
            Ok(r) => {
                e.exit_code = Some(r.exit_code);
                e.signal = r.signal;
                e.duration_ms = Some(r.duration_ms);
                e.timed_out = r.timed_out;
                e.truncated = r.truncated;
                if self.cfg.run_logs {
                    e.log = self.run_log(kind, command, &r.stdout, &r.stderr);
                }
            }
            Err(err) => e.error = Some(err.to_string()),
        }
        self.append(e);
    }

    /// Records that detached process `id` started.
    pub(crate) fn spawned(&self, command: &str, id: u32) {
        self.append(HistoryEntry {
            kind: "spawn".into(),
            command: command.into(),
            process_id: Some(id),
            ..HistoryEntry::default()
        });
    }

    /// The ephemeral sandbox ended: say so in `instance.toml`.
    pub(crate) fn ended(&self, reason: &str) {
        if let Err(e) = super::instance::InstanceRecord::end(&self.instance, reason) {
            tracing::warn!(dir = %self.instance.display(), error = %e, "cannot mark the instance ended");
        }
    }

    fn append(&self, mut e: HistoryEntry) {
        if !self.cfg.history {
            return;
        }
        let now = SystemTime::now();
        e.time = rfc3339_utc(now);
        e.unix_ms = unix_ms(now);
        let _held = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(err) = self.append_line(&e) {
            tracing::warn!(dir = %self.logs.display(), error = %err, "cannot write the run history");
        }
    }

    fn append_line(&self, e: &HistoryEntry) -> Result<()> {
        let mut line = serde_json::to_vec(e).map_err(Error::internal)?;
        line.push(b'\n');
        std::fs::create_dir_all(&self.logs)?;
        let path = self.logs.join(HISTORY_FILE);
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        if size > 0 && size + line.len() as u64 > self.cfg.max_file_size {
            std::fs::rename(&path, self.logs.join(HISTORY_ROTATED))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        // One write per line: concurrent writers (other clients) never interleave a line.
        f.write_all(&line)?;
        Ok(())
    }

    /// Writes a per-run log and applies retention; its file name, or `None` (traced).
    fn run_log(&self, kind: &str, command: &str, out: &[u8], err: &[u8]) -> Option<String> {
        let now = SystemTime::now();
        let name = format!(
            "{:013}-{}-{}-{kind}.log",
            unix_ms(now),
            std::process::id(),
            self.seq.fetch_add(1, Ordering::Relaxed)
        );
        let runs = self.logs.join("runs");
        let _held = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let written = std::fs::create_dir_all(&runs)
            .and_then(|_| std::fs::write(runs.join(&name), self.log_body(command, out, err)));
        if let Err(e) = written {
            tracing::warn!(dir = %runs.display(), error = %e, "cannot write a run log");
            return None;
        }
        if let Err(e) = self.retain(&runs, now) {
            tracing::warn!(dir = %runs.display(), error = %e, "cannot apply log retention");
        }
        Some(name)
    }

    /// `$ command`, then stdout and stderr, cut to `max_file_size` in all.
    fn log_body(&self, command: &str, out: &[u8], err: &[u8]) -> Vec<u8> {
        let mut b = format!("$ {command}\n--- stdout ---\n").into_bytes();
        b.extend_from_slice(out);
        b.extend_from_slice(b"\n--- stderr ---\n");
        b.extend_from_slice(err);
        let cap = self.output_cap();
        if b.len() > cap {
            let note = b"\n[cut at the log size limit]\n";
            b.truncate(cap.saturating_sub(note.len()));
            b.extend_from_slice(note);
            b.truncate(cap);
        }
        b
    }

    /// Deletes run logs past `max_age_days`, then the oldest beyond `max_run_logs`, and a
    /// rotated history past `max_age_days`.
    fn retain(&self, runs: &Path, now: SystemTime) -> Result<()> {
        let max_age = (self.cfg.max_age_days > 0)
            .then(|| Duration::from_secs(self.cfg.max_age_days.saturating_mul(86_400)));
        let too_old = |p: &Path| {
            max_age.is_some_and(|age| {
                std::fs::metadata(p)
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| now.duration_since(t).is_ok_and(|d| d > age))
            })
        };
        let mut logs: Vec<PathBuf> = std::fs::read_dir(runs)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "log"))
            .collect();
        // Names start with zero-padded milliseconds: name order is age order, so the age
        // check stops at the first log young enough (about one stat per run).
        logs.sort();
        let old = logs.iter().take_while(|p| too_old(p)).count();
        let excess = (logs.len() - old).saturating_sub(self.cfg.max_run_logs);
        for p in logs.drain(..old + excess) {
            std::fs::remove_file(p)?;
        }
        let rotated = self.logs.join(HISTORY_ROTATED);
        if too_old(&rotated) {
            std::fs::remove_file(rotated)?;
        }
        Ok(())
    }
}

/// The recorder of instance `name` of the project at `root`, for a handle on an existing
/// container; `None` (traced) when the project or the directory is gone.
pub(crate) fn reattach(root: &Path, name: &str) -> Option<std::sync::Arc<Recorder>> {
    let project = match super::Project::open(root) {
        Ok(p) => p,
        Err(e) => {
            tracing::debug!(error = %e, "the container's project is gone; its runs are not logged");
            return None;
        }
    };
    let dir = project.instance_dir(name);
    dir.is_dir()
        .then(|| std::sync::Arc::new(Recorder::new(&dir, project.config().logging.clone())))
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The history of the instance in `instance_dir`, oldest first (the rotated file, then the
/// current one). Lines that do not parse are skipped (traced).
pub fn read_history(instance_dir: &Path) -> Result<Vec<HistoryEntry>> {
    let logs = instance_dir.join("logs");
    if !instance_dir.is_dir() {
        return Err(Error::FileNotFound(format!(
            "{} (no such instance directory)",
            instance_dir.display()
        )));
    }
    let mut out = Vec::new();
    for file in [HISTORY_ROTATED, HISTORY_FILE] {
        let text = match std::fs::read_to_string(logs.join(file)) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e.into()),
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str(line) {
                Ok(e) => out.push(e),
                Err(e) => tracing::warn!(error = %e, "skipping a malformed history line"),
            }
        }
    }
    Ok(out)
}

/// `argv` as one readable line: words quoted for sh where they need it.
pub(crate) fn command_line(argv: &[String]) -> String {
    let plain = |a: &str| {
        !a.is_empty()
            && a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
    };
    argv.iter()
        .map(|a| match plain(a) {
            true => a.clone(),
            false => crate::session::sh_quote(a),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pd-logs-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn result(out: &str) -> ExecResult {
        ExecResult {
            stdout: out.as_bytes().to_vec(),
            ..ExecResult::default()
        }
    }

    #[test]
    fn count_and_size_limits_hold() {
        let d = temp("count");
        let cfg = LoggingConfig {
            max_file_size: 400,
            max_run_logs: 3,
            ..LoggingConfig::default()
        };
        let r = Recorder::new(&d, cfg);
        for i in 0..10 {
            r.finished(
                "run",
                &format!("echo {i}"),
                Ok(&result(&"x".repeat(1000))),
                None,
            );
        }
        let runs: Vec<_> = std::fs::read_dir(d.join("logs/runs")).unwrap().collect();
        assert_eq!(runs.len(), 3);
        for f in runs {
            assert!(f.unwrap().metadata().unwrap().len() <= 400);
        }
        assert!(
            std::fs::metadata(d.join("logs").join(HISTORY_FILE))
                .unwrap()
                .len()
                <= 400
        );
        assert!(d.join("logs").join(HISTORY_ROTATED).exists());
        let h = read_history(&d).unwrap();
        assert!(h.len() < 10 && h.last().unwrap().command == "echo 9");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn commands_read_back_quoted() {
        let argv = ["sh", "-c", "echo 'hi there'"].map(String::from);
        assert_eq!(command_line(&argv), "sh -c 'echo '\\''hi there'\\'''");
    }
}
