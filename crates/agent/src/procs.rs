//! Finding and signalling every process of a run: the subtree of its shepherd (see
//! shepherd.rs), read from `/proc/<pid>/stat`, which every user may read. The agent keeps
//! CAP_KILL even in the strict preset, so it signals processes of any user itself.

use std::collections::HashMap;
use std::fs;
use std::time::{Duration, Instant};

use crate::sys;

/// How long a kill keeps sweeping a run that keeps forking.
const SWEEP_LIMIT: Duration = Duration::from_secs(2);

/// Everything that belongs to one run: its shepherd's descendants.
pub struct Scope {
    pub shepherd: i32,
}

impl Scope {
    /// Sends `sig` to every live process of the run, once.
    pub fn signal(&self, sig: i32) {
        for pid in descendants(self.shepherd) {
            sys::send_signal(pid, sig);
        }
    }

    /// SIGKILLs the run until nothing of it is left. A killed process is a zombie until the
    /// shepherd reaps it and no longer counts; one forked during a pass is caught by the
    /// next (its parent's death hands it to the shepherd), so a fork loop runs dry.
    pub fn kill_all(&self) {
        let give_up = Instant::now() + SWEEP_LIMIT;
        loop {
            let pids = descendants(self.shepherd);
            if pids.is_empty() || Instant::now() >= give_up {
                return;
            }
            for pid in pids {
                sys::send_signal(pid, sys::SIGKILL);
            }
        }
    }

    /// Whether any process of the run is still alive.
    pub fn alive(&self) -> bool {
        !descendants(self.shepherd).is_empty()
    }
}

/// SIGKILLs every process in the sandbox but the agent (PID 1 here, or whatever pid it has),
/// its relays (the channels clients reach it through) and its shepherds, in passes until
/// none is alive or the sweep limit passes; returns how many processes it killed. A shepherd
/// ends by itself once its run's processes are gone, and one whose run just ended (its
/// `Exit` already sent) is on its way out: killing it would count a process of ours as one
/// of the sandbox's. It starts no process, so it works when the pids limit is exhausted.
pub fn kill_everything() -> u32 {
    let me = sys::pid();
    let own_exe = fs::read_link("/proc/self/exe").ok();
    // The agent's own program, not exec'd since: a shepherd (forked by the agent) or a
    // relay (exec'd by the engine with the argument `relay`).
    let is_ours = |pid: i32, ppid: i32| {
        own_exe.is_some() && fs::read_link(format!("/proc/{pid}/exe")).ok() == own_exe && {
            let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            ppid == me || cmdline.split(|&b| b == 0).nth(1) == Some(b"relay".as_slice())
        }
    };
    let mut killed = std::collections::HashSet::new();
    let give_up = Instant::now() + SWEEP_LIMIT;
    loop {
        let Ok(dir) = fs::read_dir("/proc") else {
            break;
        };
        let targets: Vec<i32> = dir
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
            .filter(|&pid| {
                pid != me
                    && stat(pid).is_some_and(|(state, ppid)| state != 'Z' && !is_ours(pid, ppid))
            })
            .collect();
        if targets.is_empty() || Instant::now() >= give_up {
            break;
        }
        for pid in targets {
            if sys::send_signal(pid, sys::SIGKILL) {
                killed.insert(pid);
            }
        }
    }
    killed.len() as u32
}

/// State and parent of a process: "pid (comm) state ppid ...", where comm may hold spaces
/// and parentheses, so the fields are read after the last ')'.
fn stat(pid: i32) -> Option<(char, i32)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut f = stat.rsplit_once(')')?.1.split_whitespace();
    let state = f.next()?.chars().next()?;
    let ppid = f.next()?.parse().ok()?;
    Some((state, ppid))
}

/// The live (not zombie) descendants of `root`, from one pass over /proc.
pub fn descendants(root: i32) -> Vec<i32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut children: HashMap<i32, Vec<(i32, bool)>> = HashMap::new();
    for pid in dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok()) {
        if let Some((state, ppid)) = stat(pid) {
            children.entry(ppid).or_default().push((pid, state != 'Z'));
        }
    }
    let mut found = Vec::new();
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        for &(child, live) in children.get(&p).map(Vec::as_slice).unwrap_or_default() {
            if live {
                found.push(child);
            }
            todo.push(child);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_double_forked_setsid_child_is_found_under_its_subreaper() {
        // This test process plays the shepherd: a subreaper whose grandchild leaves its
        // session and loses its parent.
        sys::become_subreaper();
        let mut c = std::process::Command::new("sh")
            .args(["-c", "setsid sh -c 'sleep 30' & sleep 30 & wait"])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let me = sys::pid();
        let before = descendants(me);
        assert!(before.len() >= 3, "sh, setsid sh/sleep, sleep: {before:?}");
        Scope { shepherd: me }.kill_all();
        assert!(descendants(me).is_empty());
        let _ = c.wait();
    }
}
