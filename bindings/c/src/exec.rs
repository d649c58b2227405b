//! C ABI of `exec`: run options, `pd_run`, and the result's accessors.

use std::ffi::c_char;

use super::boundary::{guard, guard_value, write_out};
use super::buf::text_out;
use super::container::pd_container;
use super::error::{pd_error, pd_status};
use super::handle::{self, bytes_arg, handle_type, opt_str, str_arg, str_array_arg};
use super::runtime::block_on;
use super::timeout::limit_ms;
use pocketdock::exec::{ExecResult, Lang, RunOptions};

handle_type!(pd_run_opts, 0x7064_7275_6e6f_7074, { opts: RunOptions });
handle_type!(pd_exec_result, 0x7064_7265_7375_6c74, { result: ExecResult });

/// Creates run options with the defaults (`sh -c`, the container's timeout, 10 MiB output
/// cap). Free with `pd_run_opts_free`; `pd_run` only borrows them. NULL only on exhaustion.
#[no_mangle]
pub extern "C" fn pd_run_opts_new() -> *mut pd_run_opts {
    guard_value(std::ptr::null_mut(), || {
        Ok(handle::into_raw(pd_run_opts::new(RunOptions::default())))
    })
}

/// Frees run options. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_run_opts_free(opts: *mut pd_run_opts) {
    handle::free(opts)
}

/// Sets the run's timeout in milliseconds (the timeout rule: > 0 a limit, < 0 no limit, 0
/// `PD_ERR_INVALID_ARGUMENT`). Unset: the container's default.
#[no_mangle]
pub extern "C" fn pd_run_opts_set_timeout_ms(
    opts: *mut pd_run_opts,
    timeout_ms: i64,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        handle::borrow_mut(opts)?.opts.timeout = Some(limit_ms(timeout_ms, "timeout")?);
        Ok(())
    })
}

/// Caps stdout+stderr at `max_output` bytes; beyond it output is dropped and the command
/// killed (`pd_exec_result_truncated` is then true).
#[no_mangle]
pub extern "C" fn pd_run_opts_set_max_output(
    opts: *mut pd_run_opts,
    max_output: usize,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        handle::borrow_mut(opts)?.opts.max_output = max_output;
        Ok(())
    })
}

/// Sets the language: "sh" (default), "bash", "python" or "node". Anything else is
/// `PD_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn pd_run_opts_set_lang(
    opts: *mut pd_run_opts,
    lang: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let o = handle::borrow_mut(opts)?;
        o.opts.lang = str_arg(lang, "lang")?.parse::<Lang>()?;
        Ok(())
    })
}

/// Adds an environment variable for the run.
#[no_mangle]
pub extern "C" fn pd_run_opts_add_env(
    opts: *mut pd_run_opts,
    key: *const c_char,
    value: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let o = handle::borrow_mut(opts)?;
        o.opts
            .add_env(str_arg(key, "key")?, str_arg(value, "value")?)
    })
}

/// Sets the run's working directory; NULL restores the container's.
#[no_mangle]
pub extern "C" fn pd_run_opts_set_workdir(
    opts: *mut pd_run_opts,
    workdir: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        handle::borrow_mut(opts)?.opts.workdir = opt_str(workdir, "workdir")?;
        Ok(())
    })
}

/// Sets the run's user ("name", "uid", "name:group" or "uid:gid"); NULL restores the
/// image's user.
#[no_mangle]
pub extern "C" fn pd_run_opts_set_user(
    opts: *mut pd_run_opts,
    user: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        handle::borrow_mut(opts)?.opts.user = opt_str(user, "user")?;
        Ok(())
    })
}

/// Sets bytes written to the run's stdin (copied; then stdin is closed). `data` may be NULL
/// only when `len` is 0, which clears it. Needs the agent: an engine-exec run with stdin
/// fails with `PD_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn pd_run_opts_set_stdin(
    opts: *mut pd_run_opts,
    data: *const u8,
    len: usize,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let o = handle::borrow_mut(opts)?;
        let bytes = bytes_arg(data, len, "data")?;
        o.opts.stdin = (!bytes.is_empty()).then(|| bytes.to_vec());
        Ok(())
    })
}

/// The run options behind `opts`, or the defaults for NULL.
pub(crate) fn run_opts_or_default(
    opts: *const pd_run_opts,
) -> Result<RunOptions, pocketdock::Error> {
    if opts.is_null() {
        Ok(RunOptions::default())
    } else {
        Ok(handle::borrow(opts)?.opts.clone())
    }
}

/// Keeps at most `buffer_size` bytes of a detached process's output in the sandbox (split
/// between stdout and stderr; default 1 MiB). At least 2.
#[no_mangle]
pub extern "C" fn pd_run_opts_set_buffer_size(
    opts: *mut pd_run_opts,
    buffer_size: usize,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        if buffer_size < 2 {
            return Err(pocketdock::Error::InvalidArgument(
                "buffer_size must be at least 2".into(),
            ));
        }
        handle::borrow_mut(opts)?.opts.buffer_size = buffer_size;
        Ok(())
    })
}

/// Runs `command` in the container and waits for it. `opts` may be NULL for the defaults.
/// On success `*result_out` receives a result to free with `pd_exec_result_free`; a command
/// that fails, times out or is truncated is still a success here (see the result).
/// Blocks for up to the timeout. Branch on: `PD_ERR_CONTAINER_NOT_FOUND`,
/// `PD_ERR_CONTAINER_NOT_RUNNING`, `PD_ERR_CONTAINER_GONE`, `PD_ERR_INVALID_ARGUMENT`,
/// `PD_ERR_INVALID_STATE` (called from a pocketdock runtime thread).
#[no_mangle]
pub extern "C" fn pd_run(
    container: *mut pd_container,
    command: *const c_char,
    opts: *const pd_run_opts,
    result_out: *mut *mut pd_exec_result,
    err_out: *mut *mut pd_error,
) -> pd_status {
    run_into(container, Command::Line(command), opts, result_out, err_out)
}

/// Runs a program directly, without a shell: `argv[0..argc]` (argv[0] looked up in PATH).
/// Works in images without a shell when the agent is used. Same ownership, blocking and
/// status rules as `pd_run`; `lang` in `opts` is ignored.
#[no_mangle]
pub extern "C" fn pd_run_argv(
    container: *mut pd_container,
    argv: *const *const c_char,
    argc: usize,
    opts: *const pd_run_opts,
    result_out: *mut *mut pd_exec_result,
    err_out: *mut *mut pd_error,
) -> pd_status {
    run_into(
        container,
        Command::Argv(argv, argc),
        opts,
        result_out,
        err_out,
    )
}

/// What a C caller asked to run: a command line (interpreted by `opts.lang`) or an argv.
#[derive(Clone, Copy)]
pub(crate) enum Command {
    Line(*const c_char),
    Argv(*const *const c_char, usize),
}

impl Command {
    pub(crate) fn argv(self, o: &RunOptions) -> Result<Vec<String>, pocketdock::Error> {
        match self {
            Command::Line(p) => Ok(o.lang.argv(str_arg(p, "command")?)),
            Command::Argv(p, n) => str_array_arg(p, n, "argv"),
        }
    }
}

/// Resolves a container, options and command for a call that produces one `T`.
pub(crate) fn with_command<T>(
    container: *mut pd_container,
    command: Command,
    opts: *const pd_run_opts,
    out: *mut *mut T,
    err_out: *mut *mut pd_error,
    call: impl FnOnce(
        &pocketdock::Container,
        &[String],
        &RunOptions,
    ) -> Result<*mut T, pocketdock::Error>,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        let o = run_opts_or_default(opts)?;
        let argv = command.argv(&o)?;
        handle::out_ptr(out, "out")?;
        write_out(out, call(&c.inner, &argv, &o)?);
        Ok(())
    })
}

fn run_into(
    container: *mut pd_container,
    command: Command,
    opts: *const pd_run_opts,
    result_out: *mut *mut pd_exec_result,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_command(
        container,
        command,
        opts,
        result_out,
        err_out,
        |c, argv, o| {
            let result = block_on(c.run_argv(argv, o))?;
            Ok(handle::into_raw(pd_exec_result::new(result)))
        },
    )
}

fn with_result<T>(r: *const pd_exec_result, fallback: T, f: impl FnOnce(&ExecResult) -> T) -> T {
    guard_value(fallback, || Ok(f(&handle::borrow(r)?.result)))
}

/// The exit code; -1 when the command was killed on timeout or for a bad handle.
#[no_mangle]
pub extern "C" fn pd_exec_result_exit_code(result: *const pd_exec_result) -> i32 {
    with_result(result, -1, |r| r.exit_code)
}

/// Stdout bytes, owned by the result (valid until `pd_exec_result_free`); the length goes
/// to `*len_out` (may be NULL). Not NUL-terminated: use `pd_exec_result_stdout_text` for C
/// strings. NULL (and length 0) for a bad handle.
#[no_mangle]
pub extern "C" fn pd_exec_result_stdout(
    result: *const pd_exec_result,
    len_out: *mut usize,
) -> *const u8 {
    bytes_of(result, len_out, |r| &r.stdout)
}

/// Stderr bytes; same rules as `pd_exec_result_stdout`.
#[no_mangle]
pub extern "C" fn pd_exec_result_stderr(
    result: *const pd_exec_result,
    len_out: *mut usize,
) -> *const u8 {
    bytes_of(result, len_out, |r| &r.stderr)
}

fn bytes_of(
    r: *const pd_exec_result,
    len_out: *mut usize,
    pick: fn(&ExecResult) -> &Vec<u8>,
) -> *const u8 {
    let (ptr, len) = with_result(r, (std::ptr::null(), 0), |r| {
        let b = pick(r);
        (b.as_ptr(), b.len())
    });
    if !len_out.is_null() {
        write_out(len_out, len);
    }
    ptr
}

/// Stdout as a new NUL-terminated UTF-8 string (invalid UTF-8 and NULs replaced); free it
/// with `pd_string_free`. NULL for a bad handle.
#[no_mangle]
pub extern "C" fn pd_exec_result_stdout_text(result: *const pd_exec_result) -> *mut c_char {
    with_result(result, std::ptr::null_mut(), |r| text_out(&r.stdout))
}

/// Stderr as a new string; same rules as `pd_exec_result_stdout_text`.
#[no_mangle]
pub extern "C" fn pd_exec_result_stderr_text(result: *const pd_exec_result) -> *mut c_char {
    with_result(result, std::ptr::null_mut(), |r| text_out(&r.stderr))
}

/// Wall time of the run in milliseconds (0 for a bad handle).
#[no_mangle]
pub extern "C" fn pd_exec_result_duration_ms(result: *const pd_exec_result) -> u64 {
    with_result(result, 0, |r| r.duration_ms)
}

/// True when the timeout fired and the command (with everything it started) was killed.
#[no_mangle]
pub extern "C" fn pd_exec_result_timed_out(result: *const pd_exec_result) -> bool {
    with_result(result, false, |r| r.timed_out)
}

/// True when output went over the cap: the rest was dropped and the command killed.
#[no_mangle]
pub extern "C" fn pd_exec_result_truncated(result: *const pd_exec_result) -> bool {
    with_result(result, false, |r| r.truncated)
}

/// The signal that ended the command (then the exit code is 128 + signal), or 0.
#[no_mangle]
pub extern "C" fn pd_exec_result_signal(result: *const pd_exec_result) -> i32 {
    with_result(result, 0, |r| r.signal.unwrap_or(0))
}

/// True when the kernel's OOM killer ended the command (detected through the sandbox's
/// cgroup; agent runs only).
#[no_mangle]
pub extern "C" fn pd_exec_result_oom_killed(result: *const pd_exec_result) -> bool {
    with_result(result, false, |r| r.oom_killed)
}

/// User CPU time of the run in microseconds; -1 when unknown (engine-exec runs, bad handle).
#[no_mangle]
pub extern "C" fn pd_exec_result_cpu_user_us(result: *const pd_exec_result) -> i64 {
    with_result(result, -1, |r| {
        r.usage.map_or(-1, |u| u.cpu_user.as_micros() as i64)
    })
}

/// System CPU time of the run in microseconds; -1 when unknown.
#[no_mangle]
pub extern "C" fn pd_exec_result_cpu_sys_us(result: *const pd_exec_result) -> i64 {
    with_result(result, -1, |r| {
        r.usage.map_or(-1, |u| u.cpu_sys.as_micros() as i64)
    })
}

/// Peak resident memory of the run in bytes; -1 when unknown.
#[no_mangle]
pub extern "C" fn pd_exec_result_peak_rss_bytes(result: *const pd_exec_result) -> i64 {
    with_result(result, -1, |r| {
        r.usage.map_or(-1, |u| u.peak_rss_bytes as i64)
    })
}

/// Frees a result. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_exec_result_free(result: *mut pd_exec_result) {
    handle::free(result)
}
