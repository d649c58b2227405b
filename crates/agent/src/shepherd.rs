//! A run's shepherd: the process between the agent and the command, which makes "everything
//! the run started" a set nothing can leave.
//!
//! The agent spawns the shepherd (through std, which sets up the pipes, the working
//! directory and the process group), and the shepherd — still root, still the agent's image,
//! between fork and exec, so making syscalls only — marks itself a child subreaper, forks the
//! command (which drops to the run's user and execs), closes everything but its report pipe,
//! and reaps. Whatever the command's descendants do to their environment, process group,
//! session or parent (double forks, `setsid`, `env -i`, `nohup`), an orphan is reparented to
//! the nearest subreaper above it: the shepherd. So the run is exactly the shepherd's
//! subtree, found from `/proc/<pid>/stat` (readable for every user), and a kill of that
//! subtree repeated until it is empty leaves nothing. The shepherd reports the command's pid,
//! an exec failure, or the command's exit status with its resource use, and exits once it has
//! no children left (background processes a finished run left keep it alive).
//!
//! A command running as root could kill its own shepherd (a non-root one cannot: the
//! shepherd is root); its orphans then go to the agent, PID 1, where `kill_all` and shutdown
//! still find them.

use std::ffi::{CString, OsString};
use std::fs::File;
use std::io::{self, Read};
use std::os::raw::{c_char, c_int};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::io::FromRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use crate::sys::{self, Rusage};

const RUSAGE_LEN: usize = std::mem::size_of::<Rusage>();
/// tag, two i32, rusage: under PIPE_BUF, so a record is written and read whole.
const RECORD: usize = 1 + 4 + 4 + RUSAGE_LEN;

/// What the shepherd reports, in order: `Started`, then `ExecFailed` or `Exited`.
pub enum Report {
    Started(i32),
    ExecFailed(io::Error),
    Exited { status: i32, rusage: Rusage },
}

/// Everything execve needs, made before the fork (nothing may allocate after it).
pub struct Exec {
    path: CString,
    _argv: Vec<CString>,
    _envp: Vec<CString>,
    argv_ptrs: Vec<*const c_char>,
    envp_ptrs: Vec<*const c_char>,
    user: Option<(u32, u32)>,
}

// SAFETY: the pointers point into the CStrings owned by the same value, which are never
// changed; they are only read, in the forked child.
unsafe impl Send for Exec {}
unsafe impl Sync for Exec {}

impl Exec {
    /// `argv` run with the agent's environment plus `env` (later entries win), as `user`.
    /// The program is looked up in the run's PATH, as a shell would.
    pub fn new(
        argv: &[String],
        env: &[(String, String)],
        user: Option<(u32, u32)>,
    ) -> Result<Exec, String> {
        let cstr = |b: Vec<u8>| CString::new(b).map_err(|_| "a NUL byte in the command".to_owned());
        let mut vars: Vec<(OsString, OsString)> = std::env::vars_os().collect();
        for (k, v) in env {
            vars.retain(|(old, _)| old.as_bytes() != k.as_bytes());
            vars.push((k.into(), v.into()));
        }
        let path_var = vars
            .iter()
            .find(|(k, _)| k.as_bytes() == b"PATH")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| {
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()
            });
        let prog = argv.first().ok_or("empty argv")?;
        let path = resolve(prog, &path_var);
        let argv: Vec<CString> = argv
            .iter()
            .map(|a| cstr(a.clone().into_bytes()))
            .collect::<Result<_, _>>()?;
        let envp: Vec<CString> = vars
            .into_iter()
            .map(|(k, v)| {
                let mut kv = k.into_vec();
                kv.push(b'=');
                kv.extend(v.into_vec());
                cstr(kv)
            })
            .collect::<Result<_, _>>()?;
        let nul_terminated = |v: &[CString]| {
            v.iter()
                .map(|c| c.as_ptr())
                .chain(std::iter::once(std::ptr::null()))
                .collect::<Vec<_>>()
        };
        Ok(Exec {
            path: cstr(path.into_vec())?,
            argv_ptrs: nul_terminated(&argv),
            envp_ptrs: nul_terminated(&envp),
            _argv: argv,
            _envp: envp,
            user,
        })
    }
}

/// The first executable `prog` in `path_var` (or `prog` itself when it names a path or
/// nothing matches, so execve reports the error a shell would).
fn resolve(prog: &str, path_var: &OsString) -> OsString {
    if prog.contains('/') {
        return prog.into();
    }
    std::env::split_paths(path_var)
        .map(|dir| dir.join(prog))
        .find(|p| is_executable(p))
        .map(|p| p.into_os_string())
        .unwrap_or_else(|| prog.into())
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Makes `cmd` (already given its stdio, directory and process group) start a shepherd
/// that runs `exec`; returns the reading end of its reports.
pub fn install(cmd: &mut Command, exec: Exec) -> io::Result<Reports> {
    let (r, w) = sys::cloexec_pipe()?;
    // SAFETY: the closure runs in the forked child before exec and makes syscalls only
    // (every buffer it touches was made above); see the module doc.
    unsafe {
        cmd.pre_exec(move || shepherd(&exec, w));
    }
    // The agent's copy of the write end is closed after the spawn (`Reports::spawned`).
    Ok(Reports {
        // SAFETY: `r` is a fresh descriptor we own.
        file: unsafe { File::from_raw_fd(r) },
        write_end: w,
    })
}

/// The agent's end of a shepherd's reports.
pub struct Reports {
    file: File,
    write_end: c_int,
}

impl Reports {
    /// Closes the agent's copy of the write end once the shepherd has its own, so the
    /// reports end (EOF) when the shepherd does.
    pub fn spawned(&mut self) {
        if self.write_end >= 0 {
            sys::close_raw(self.write_end);
            self.write_end = -1;
        }
    }

    /// The next report; `None` when the shepherd is gone.
    pub fn next(&mut self) -> Option<Report> {
        let mut rec = [0u8; RECORD];
        self.file.read_exact(&mut rec).ok()?;
        let int = |i: usize| i32::from_ne_bytes(rec[i..i + 4].try_into().expect("4 bytes"));
        match rec[0] {
            b'P' => Some(Report::Started(int(1))),
            b'E' => Some(Report::ExecFailed(io::Error::from_raw_os_error(int(1)))),
            b'X' => {
                // SAFETY: Rusage is plain integers; the bytes were copied from one.
                let rusage =
                    unsafe { std::ptr::read_unaligned(rec[9..].as_ptr().cast::<Rusage>()) };
                Some(Report::Exited {
                    status: int(5),
                    rusage,
                })
            }
            _ => None,
        }
    }
}

impl Drop for Reports {
    fn drop(&mut self) {
        self.spawned();
    }
}

fn report(fd: c_int, tag: u8, a: i32, b: i32, ru: &Rusage) {
    let mut rec = [0u8; RECORD];
    rec[0] = tag;
    rec[1..5].copy_from_slice(&a.to_ne_bytes());
    rec[5..9].copy_from_slice(&b.to_ne_bytes());
    // SAFETY: Rusage is plain integers, RUSAGE_LEN bytes long.
    let bytes =
        unsafe { std::slice::from_raw_parts((ru as *const Rusage).cast::<u8>(), RUSAGE_LEN) };
    rec[9..].copy_from_slice(bytes);
    sys::write_all_raw(fd, &rec);
}

/// The shepherd itself (in the child std forked). Returns only if the command cannot be
/// forked, so that std reports the error to the agent as a failed spawn.
fn shepherd(exec: &Exec, w: c_int) -> io::Result<()> {
    sys::become_subreaper();
    // SAFETY: between fork and exec; the command's side below makes syscalls only.
    let pid = unsafe { sys::fork_raw() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    let none = Rusage::default();
    if pid == 0 {
        if let Some((uid, gid)) = exec.user {
            if let Err(e) = sys::become_user(uid, gid) {
                report(w, b'E', e, 0, &none);
                sys::exit_raw(127);
            }
        }
        // SAFETY: NULL-terminated arrays of C strings owned by `exec`.
        let e = unsafe {
            sys::exec_raw(
                exec.path.as_ptr(),
                exec.argv_ptrs.as_ptr(),
                exec.envp_ptrs.as_ptr(),
            )
        };
        report(w, b'E', e, 0, &none);
        sys::exit_raw(127);
    }
    report(w, b'P', pid, 0, &none);
    sys::ignore_signals();
    // Std's error channel and the run's pipes must not be held open by us.
    sys::close_all_but(w);
    let (mut status, mut ru) = (0, Rusage::default());
    while let Some(reaped) = sys::wait_any_raw(&mut status, &mut ru) {
        if reaped == pid {
            report(w, b'X', pid, status, &ru);
        }
    }
    sys::exit_raw(0)
}
