//! The outcome of a blocking run, and the capped collector that builds it.

use crate::engine::frames::StreamKind;

/// What a run consumed, measured by the agent (from `wait4`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResourceUsage {
    /// User CPU time.
    pub cpu_user: std::time::Duration,
    /// System CPU time.
    pub cpu_sys: std::time::Duration,
    /// Peak resident set size of the command (the largest of its waited-for processes).
    pub peak_rss_bytes: u64,
}

impl ResourceUsage {
    /// User plus system CPU time.
    pub fn cpu_total(&self) -> std::time::Duration {
        self.cpu_user + self.cpu_sys
    }
}

/// What a finished (or killed) run produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecResult {
    /// The command's exit code; `-1` when it was killed on timeout; 128+N when a signal N
    /// ended it (see `signal`).
    pub exit_code: i32,
    /// The signal that ended the command, if one did (agent runs only).
    pub signal: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Wall time from request to result.
    pub duration_ms: u64,
    /// The timeout fired: the command and everything it started were killed.
    pub timed_out: bool,
    /// Output went over `max_output`: the rest was dropped and the command killed.
    pub truncated: bool,
    /// The kernel's OOM killer ended it (when the sandbox's cgroup tells; agent runs only).
    pub oom_killed: bool,
    /// CPU time and peak memory; `None` on the engine-exec path, which cannot measure them.
    pub usage: Option<ResourceUsage>,
}

impl ExecResult {
    /// Stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Exit code 0 and neither killed nor cut short.
    pub fn ok(&self) -> bool {
        self.exit_code == 0 && !self.timed_out && !self.truncated
    }
}

/// Keeps stdout and stderr up to a combined cap, dropping the rest as it arrives so memory
/// stays bounded whatever the command writes.
#[derive(Debug)]
pub(crate) struct CappedOutput {
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
    room: usize,
    pub(crate) truncated: bool,
}

impl CappedOutput {
    pub(crate) fn new(cap: usize) -> CappedOutput {
        CappedOutput {
            stdout: Vec::new(),
            stderr: Vec::new(),
            room: cap,
            truncated: false,
        }
    }

    pub(crate) fn push(&mut self, kind: StreamKind, bytes: &[u8]) {
        let keep = bytes.len().min(self.room);
        if keep < bytes.len() {
            self.truncated = true;
        }
        self.room -= keep;
        let dst = match kind {
            StreamKind::Stdout => &mut self.stdout,
            StreamKind::Stderr => &mut self.stderr,
        };
        dst.extend_from_slice(&bytes[..keep]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_is_shared_by_both_streams_and_exact() {
        let mut o = CappedOutput::new(10);
        o.push(StreamKind::Stdout, b"12345");
        o.push(StreamKind::Stderr, b"abc");
        assert!(!o.truncated);
        o.push(StreamKind::Stdout, b"6789");
        assert!(o.truncated);
        assert_eq!(o.stdout, b"1234567");
        assert_eq!(o.stderr, b"abc");
        o.push(StreamKind::Stderr, b"more");
        assert_eq!(o.stderr, b"abc");
    }

    #[test]
    fn exactly_full_is_not_truncated() {
        let mut o = CappedOutput::new(4);
        o.push(StreamKind::Stdout, b"1234");
        assert!(!o.truncated);
        o.push(StreamKind::Stdout, b"");
        assert!(!o.truncated);
    }
}
