//! Finding and signalling every process of a run. Each run's environment carries a unique
//! marker entry, inherited through forks, double forks and `setsid`; together with the run's
//! process group it names everything the run started, even what left the group.
//!
//! Reading another user's `/proc/<pid>/environ` needs CAP_SYS_PTRACE, which engines do not
//! grant by default, so for a run under another user the scan is done by a short-lived copy
//! of the agent running as that user (`pocketdock-agent signal-run MARKER SIGNAL`).

use std::fs;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::Duration;

use crate::reaper;
use crate::run::Event;
use crate::sys;

/// Everything that belongs to one run.
pub struct Scope {
    pub pgid: i32,
    pub marker: String,
    /// The run's uid/gid when it differs from the agent's.
    pub user: Option<(u32, u32)>,
}

impl Scope {
    /// Sends `sig` to the run's group and every marked process, once.
    pub fn signal(&self, sig: i32) {
        sys::send_signal(-self.pgid, sig);
        self.scan(sig);
    }

    /// SIGKILLs the run until nothing of it is left.
    pub fn kill_all(&self) {
        sys::send_signal(-self.pgid, sys::SIGKILL);
        self.scan(sys::SIGKILL);
        sys::send_signal(-self.pgid, sys::SIGKILL);
    }

    fn scan(&self, sig: i32) {
        match self.user {
            None => signal_marked(self.marker.as_bytes(), sig),
            Some((uid, gid)) => {
                let mut cmd = Command::new("/proc/self/exe");
                cmd.args(["signal-run", &self.marker, &sig.to_string()])
                    .uid(uid)
                    .gid(gid)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                let (tx, rx) = channel::<Event>();
                if reaper::spawn(&mut cmd, tx).is_ok() {
                    let _ = rx.recv_timeout(Duration::from_secs(10));
                }
            }
        }
    }
}

/// Pids whose environment holds `marker` as a whole entry (those we may read).
fn marked(marker: &[u8]) -> Vec<i32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let me = sys::pid();
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/environ"))
                .map(|env| env.split(|&b| b == 0).any(|entry| entry == marker))
                .unwrap_or(false)
        })
        .collect()
}

/// Signals every marked process; for SIGKILL, repeats until a pass finds nothing (bounded),
/// so children forked during one pass are caught by the next. Killed processes are zombies
/// with an empty environ, so they no longer match.
pub fn signal_marked(marker: &[u8], sig: i32) {
    for _ in 0..200 {
        let pids = marked(marker);
        for &p in &pids {
            sys::send_signal(p, sig);
        }
        if pids.is_empty() || sig != sys::SIGKILL {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Whether a live (not zombie) process is still in process group `pgid`. /proc/<pid>/stat
/// is readable for every user, unlike environ.
pub fn group_alive(pgid: i32) -> bool {
    let Ok(dir) = fs::read_dir("/proc") else {
        return false;
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .any(|pid| {
            let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after ')'.
            let mut f = stat.rsplit_once(')').map_or("", |x| x.1).split_whitespace();
            let state = f.next();
            let pgrp = f.nth(1).and_then(|g| g.parse::<i32>().ok());
            state != Some("Z") && pgrp == Some(pgid)
        })
}
