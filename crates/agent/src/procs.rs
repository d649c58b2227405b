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

    /// Signals the marked processes outside the group (the group got it already: a
    /// signal must arrive once).
    fn scan(&self, sig: i32) {
        match self.user {
            None => signal_marked(self.marker.as_bytes(), sig, self.pgid),
            Some((uid, gid)) => {
                let mut cmd = Command::new("/proc/self/exe");
                cmd.args([
                    "signal-run",
                    &self.marker,
                    &sig.to_string(),
                    &self.pgid.to_string(),
                ])
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

/// Pids outside group `skip_group` whose environment holds `marker` as a whole entry
/// (those we may read).
fn marked(marker: &[u8], skip_group: i32) -> Vec<i32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let me = sys::pid();
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != me && process_group(pid) != Some(skip_group))
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
pub fn signal_marked(marker: &[u8], sig: i32, skip_group: i32) {
    for _ in 0..200 {
        let pids = marked(marker, skip_group);
        for &p in &pids {
            sys::send_signal(p, sig);
        }
        if pids.is_empty() || sig != sys::SIGKILL {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// State and process group of a process, from `/proc/<pid>/stat` (readable for every user,
/// unlike environ).
fn stat(pid: i32) -> Option<(String, i32)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after the last ')'.
    let mut f = stat.rsplit_once(')')?.1.split_whitespace();
    let state = f.next()?.to_owned();
    let pgrp = f.nth(1)?.parse().ok()?;
    Some((state, pgrp))
}

fn process_group(pid: i32) -> Option<i32> {
    stat(pid).map(|s| s.1)
}

/// Whether a live (not zombie) process is still in process group `pgid`.
pub fn group_alive(pgid: i32) -> bool {
    let Ok(dir) = fs::read_dir("/proc") else {
        return false;
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(stat)
        .any(|(state, pgrp)| state != "Z" && pgrp == pgid)
}
