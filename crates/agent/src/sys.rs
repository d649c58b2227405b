//! The few libc calls std does not offer, declared by hand so the agent needs no crates.
//! Linux x86_64/aarch64 (LP64) layouts.

use std::io;
use std::os::raw::{c_char, c_int, c_void};

#[repr(C)]
#[derive(Default, Clone, Copy)]
pub struct Timeval {
    pub sec: i64,
    pub usec: i64,
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
pub struct Rusage {
    pub utime: Timeval,
    pub stime: Timeval,
    /// Peak resident set size in KiB.
    pub maxrss: i64,
    rest: [i64; 13],
}

#[repr(C)]
#[derive(Default)]
struct Ucred {
    pid: i32,
    uid: u32,
    gid: u32,
}

extern "C" {
    fn kill(pid: c_int, sig: c_int) -> c_int;
    fn wait4(pid: c_int, status: *mut c_int, options: c_int, rusage: *mut Rusage) -> c_int;
    fn signal(sig: c_int, handler: usize) -> usize;
    fn _exit(code: c_int) -> !;
    fn getuid() -> u32;
    fn getpid() -> c_int;
    fn getsockopt(fd: c_int, level: c_int, name: c_int, val: *mut c_void, len: *mut u32) -> c_int;
    fn prctl(option: c_int, arg2: u64, arg3: u64, arg4: u64, arg5: u64) -> c_int;
    fn fork() -> c_int;
    fn pipe2(fds: *mut c_int, flags: c_int) -> c_int;
    fn write(fd: c_int, buf: *const c_void, n: usize) -> isize;
    fn close(fd: c_int) -> c_int;
    fn setgroups(n: usize, groups: *const u32) -> c_int;
    fn setgid(gid: u32) -> c_int;
    fn setuid(uid: u32) -> c_int;
    fn execve(path: *const c_char, argv: *const *const c_char, envp: *const *const c_char)
        -> c_int;
    fn syscall(n: i64, ...) -> i64;
    fn renameat2(
        olddirfd: c_int,
        old: *const c_char,
        newdirfd: c_int,
        new: *const c_char,
        flags: u32,
    ) -> c_int;
    fn __errno_location() -> *mut c_int;
}

pub const SIGKILL: i32 = 9;
pub const SIGTERM: i32 = 15;
const SIGINT: i32 = 2;
const SIGPIPE: i32 = 13;
const SIG_IGN: usize = 1;
const SOL_SOCKET: c_int = 1;
const SO_PEERCRED: c_int = 17;
const PR_SET_CHILD_SUBREAPER: c_int = 36;
const O_CLOEXEC: c_int = 0o2000000;
const EINTR: c_int = 4;
const AT_FDCWD: c_int = -100;
const RENAME_EXCHANGE: u32 = 1 << 1;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const SYS_CLOSE_RANGE: i64 = 436;

/// Sends `sig` to a process (pid > 0) or a process group (pid < 0). Errors are ignored:
/// the target may already be gone, which is what the caller wanted.
pub fn send_signal(pid: i32, sig: i32) -> bool {
    // SAFETY: kill has no memory effects.
    unsafe { kill(pid, sig) == 0 }
}

/// Blocks until any child ends; returns its pid, raw status and resource use.
pub fn wait_any() -> io::Result<(i32, i32, Rusage)> {
    let mut status = 0;
    let mut ru = Rusage::default();
    // SAFETY: both out-pointers are valid for the call.
    let pid = unsafe { wait4(-1, &mut status, 0, &mut ru) };
    if pid < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok((pid, status, ru))
    }
}

extern "C" fn exit_now(_sig: c_int) {
    // SAFETY: _exit is async-signal-safe.
    unsafe { _exit(0) }
}

/// PID 1 gets no default signal handlers: exit at once on SIGTERM/SIGINT so a stop is
/// instant, ignore SIGPIPE so a vanished client is a write error, not a death.
pub fn install_signal_handlers() {
    // SAFETY: installing handlers; `exit_now` only calls an async-signal-safe function.
    unsafe {
        signal(SIGTERM, exit_now as *const () as usize);
        signal(SIGINT, exit_now as *const () as usize);
        signal(SIGPIPE, SIG_IGN);
    }
}

/// Ignores SIGPIPE (for the relay).
pub fn ignore_sigpipe() {
    // SAFETY: setting a disposition.
    unsafe {
        signal(SIGPIPE, SIG_IGN);
    }
}

/// Makes orphans of our runs our children even when we are not PID 1.
pub fn become_subreaper() {
    // SAFETY: prctl with integer arguments.
    unsafe {
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

// --- For the shepherd (shepherd.rs), which runs between fork and exec: syscalls only. ---

/// A pipe whose both ends close on exec: (read end, write end).
pub fn cloexec_pipe() -> io::Result<(c_int, c_int)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    if unsafe { pipe2(fds.as_mut_ptr(), O_CLOEXEC) } == 0 {
        Ok((fds[0], fds[1]))
    } else {
        Err(io::Error::last_os_error())
    }
}

pub fn errno() -> c_int {
    // SAFETY: the thread's errno slot is always valid.
    unsafe { *__errno_location() }
}

/// fork(2): the child's pid, 0 in the child, or -1.
///
/// # Safety
/// In a multi-threaded process the child may only make async-signal-safe calls.
pub unsafe fn fork_raw() -> c_int {
    fork()
}

/// Writes all of `buf` (a record under PIPE_BUF, so one write) and ignores failure: the
/// reader being gone means nobody waits for the report.
pub fn write_all_raw(fd: c_int, buf: &[u8]) {
    loop {
        // SAFETY: `buf` is valid for `buf.len()` bytes.
        let n = unsafe { write(fd, buf.as_ptr().cast(), buf.len()) };
        if n >= 0 || errno() != EINTR {
            return;
        }
    }
}

pub fn close_raw(fd: c_int) {
    // SAFETY: closing a descriptor number has no memory effects.
    unsafe {
        close(fd);
    }
}

/// Closes every descriptor except `keep`.
pub fn close_all_but(keep: c_int) {
    // SAFETY: close_range/close take plain integers.
    unsafe {
        let ranged = (keep == 0 || syscall(SYS_CLOSE_RANGE, 0u32, (keep - 1) as u32, 0u32) == 0)
            && syscall(SYS_CLOSE_RANGE, (keep + 1) as u32, u32::MAX, 0u32) == 0;
        if !ranged {
            (0..4096).filter(|&fd| fd != keep).for_each(|fd| {
                close(fd);
            });
        }
    }
}

/// Drops root for `uid`/`gid` (supplementary groups cleared when allowed).
pub fn become_user(uid: u32, gid: u32) -> Result<(), c_int> {
    // SAFETY: integer arguments; a NULL group list with length 0.
    unsafe {
        setgroups(0, std::ptr::null());
        if setgid(gid) != 0 || setuid(uid) != 0 {
            return Err(errno());
        }
    }
    Ok(())
}

/// execve(2); returns only on failure, with errno.
///
/// # Safety
/// `argv` and `envp` must be NULL-terminated arrays of valid C strings.
pub unsafe fn exec_raw(
    path: *const c_char,
    argv: *const *const c_char,
    envp: *const *const c_char,
) -> c_int {
    execve(path, argv, envp);
    errno()
}

/// Ignores every catchable signal but SIGCHLD (whose default is needed for wait4).
pub fn ignore_signals() {
    for sig in 1..32 {
        if sig != 17 {
            // SAFETY: setting a disposition; invalid numbers are refused by the kernel.
            unsafe {
                signal(sig, SIG_IGN);
            }
        }
    }
}

/// wait4(-1) that retries on EINTR; `None` once there is no child left.
pub fn wait_any_raw(status: &mut i32, ru: &mut Rusage) -> Option<c_int> {
    loop {
        // SAFETY: both out-pointers are valid for the call.
        let pid = unsafe { wait4(-1, status, 0, ru) };
        if pid >= 0 {
            return Some(pid);
        }
        if errno() != EINTR {
            return None;
        }
    }
}

/// _exit(2): ends the process without running anything of the parent's.
pub fn exit_raw(code: c_int) -> ! {
    // SAFETY: _exit is async-signal-safe.
    unsafe { _exit(code) }
}

pub fn uid() -> u32 {
    // SAFETY: no arguments.
    unsafe { getuid() }
}

pub fn pid() -> i32 {
    // SAFETY: no arguments.
    unsafe { getpid() }
}

/// The uid of the process at the other end of a Unix socket.
pub fn peer_uid(fd: c_int) -> io::Result<u32> {
    let mut cred = Ucred::default();
    let mut len = std::mem::size_of::<Ucred>() as u32;
    // SAFETY: `cred` and `len` are valid for writing and sized as SO_PEERCRED expects.
    let rc = unsafe {
        getsockopt(
            fd,
            SOL_SOCKET,
            SO_PEERCRED,
            (&mut cred as *mut Ucred).cast(),
            &mut len,
        )
    };
    if rc == 0 {
        Ok(cred.uid)
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Splits a wait status into (exit code or 128+signal, signal).
pub fn decode_status(status: i32) -> (i32, i32) {
    let sig = status & 0x7f;
    if sig == 0 {
        ((status >> 8) & 0xff, 0)
    } else {
        (128 + sig, sig)
    }
}

pub fn micros(t: Timeval) -> u64 {
    (t.sec.max(0) as u64) * 1_000_000 + t.usec.max(0) as u64
}

/// Swaps the entries at `a` and `b`, atomically; both must exist (`ENOENT` otherwise), and
/// a filesystem that cannot swap says `EINVAL`.
pub fn exchange(a: &std::path::Path, b: &std::path::Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two NUL-terminated paths that outlive the call.
    let r = unsafe { renameat2(AT_FDCWD, a.as_ptr(), AT_FDCWD, b.as_ptr(), RENAME_EXCHANGE) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_statuses_decode_to_shell_style_codes() {
        assert_eq!(decode_status(0), (0, 0));
        assert_eq!(decode_status(3 << 8), (3, 0));
        assert_eq!(decode_status(SIGKILL), (128 + SIGKILL, SIGKILL));
        // A core dump sets bit 7; the signal is still the low bits.
        assert_eq!(decode_status(0x80 | SIGTERM), (128 + SIGTERM, SIGTERM));
    }

    #[test]
    fn times_convert_to_micros_without_going_negative() {
        assert_eq!(micros(Timeval { sec: 2, usec: 5 }), 2_000_005);
        assert_eq!(micros(Timeval { sec: -1, usec: -1 }), 0);
    }

    #[test]
    fn the_rusage_layout_is_the_kernels() {
        // struct rusage on LP64 Linux: two timevals and fourteen longs.
        assert_eq!(std::mem::size_of::<Rusage>(), 144);
    }
}
