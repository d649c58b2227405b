//! Who created a container: this process's pid, its start time and the host name, put in
//! labels so `doctor` can tell a container whose client has died.

use std::sync::OnceLock;

/// This host's name (`/proc/sys/kernel/hostname`), or empty when unknown.
pub(crate) fn host_name() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_default()
    })
}

/// When process `pid` started, in clock ticks since boot (field 22 of `/proc/<pid>/stat`);
/// `None` when there is no such process.
pub(crate) fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// This process's start time (see [`start_time`]), or 0 when unknown.
pub(crate) fn own_start_time() -> u64 {
    static START: OnceLock<u64> = OnceLock::new();
    *START.get_or_init(|| start_time(std::process::id()).unwrap_or(0))
}

/// Whether the owner named by these label values is known to be gone: it ran on this host
/// and no process with that pid and start time exists. An owner on another host, or with
/// labels we cannot read, is never called gone.
pub(crate) fn owner_gone(host: Option<&str>, pid: Option<&str>, start: Option<&str>) -> bool {
    let (Some(host), Some(pid)) = (host, pid.and_then(|p| p.parse::<u32>().ok())) else {
        return false;
    };
    if host != host_name() || host.is_empty() {
        return false;
    }
    match (start_time(pid), start.and_then(|s| s.parse::<u64>().ok())) {
        (None, _) => true,
        // A live pid with another start time is a new process that reused the number.
        (Some(now), Some(then)) => now != then,
        (Some(_), None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_reused_pid_is_not() {
        let pid = std::process::id().to_string();
        let start = own_start_time().to_string();
        assert!(own_start_time() > 0);
        assert!(!owner_gone(Some(host_name()), Some(&pid), Some(&start)));
        assert!(owner_gone(Some(host_name()), Some(&pid), Some("1")));
        assert!(!owner_gone(Some("another-host"), Some("999999999"), None));
        assert!(owner_gone(Some(host_name()), Some("4194304999"), None) || host_name().is_empty());
    }
}
