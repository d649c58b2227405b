//! C ABI of `process`: detached processes.

use std::ffi::{c_char, c_void};

use super::boundary::{guard, guard_value, write_out};
use super::container::pd_container;
use super::dispatch::{callbacks, pd_exit_cb, pd_free_cb, pd_output_cb};
use super::error::{pd_error, pd_status};
use super::exec::{pd_exec_result, pd_run_opts, with_command, Command};
use super::handle::{self, handle_type};
use super::runtime::block_on;
use super::timeout::wait_ms;
use pocketdock::process::{Process, ProcessInfo, ProcessOutput};

handle_type!(pd_process, 0x7064_7072_6f63_6573, { inner: Process });
handle_type!(pd_output, 0x7064_6f75_7470_7574, { out: ProcessOutput });
handle_type!(pd_process_list, 0x7064_706c_6973_7421, { list: Vec<ProcessInfo> });

fn proc_out(out: *mut *mut pd_process, p: Process) {
    write_out(out, handle::into_raw(pd_process::new(p)));
}

/// Starts `command` in the background (needs the agent). `opts` may be NULL; its timeout
/// applies only if set, its output cap not at all (the sandbox keeps the newest
/// `buffer_size` bytes). Free the handle with `pd_process_free`: that does not stop it.
#[no_mangle]
pub extern "C" fn pd_process_spawn(
    container: *mut pd_container,
    command: *const c_char,
    opts: *const pd_run_opts,
    process_out: *mut *mut pd_process,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_command(
        container,
        Command::Line(command),
        opts,
        process_out,
        err_out,
        |c, argv, o| {
            Ok(handle::into_raw(pd_process::new(block_on(
                c.spawn_argv(argv, o),
            )?)))
        },
    )
}

/// `pd_process_spawn` for `argv[0..argc]`, without a shell.
#[no_mangle]
pub extern "C" fn pd_process_spawn_argv(
    container: *mut pd_container,
    argv: *const *const c_char,
    argc: usize,
    opts: *const pd_run_opts,
    process_out: *mut *mut pd_process,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_command(
        container,
        Command::Argv(argv, argc),
        opts,
        process_out,
        err_out,
        |c, argv, o| {
            Ok(handle::into_raw(pd_process::new(block_on(
                c.spawn_argv(argv, o),
            )?)))
        },
    )
}

/// Attaches to detached process `id` of the container, whoever started it. Reads start at
/// the oldest output still kept. `PD_ERR_INVALID_ARGUMENT` if there is no such process.
#[no_mangle]
pub extern "C" fn pd_process_attach(
    container: *mut pd_container,
    id: u32,
    process_out: *mut *mut pd_process,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        handle::out_ptr(process_out, "process_out")?;
        proc_out(process_out, block_on(c.inner.attach_process(id))?);
        Ok(())
    })
}

/// The process number inside its sandbox (0 for a bad handle).
#[no_mangle]
pub extern "C" fn pd_process_id(process: *const pd_process) -> u32 {
    guard_value(0, || Ok(handle::borrow(process)?.inner.id()))
}

/// Asks the sandbox whether the process still runs.
#[no_mangle]
pub extern "C" fn pd_process_is_running(
    process: *mut pd_process,
    running_out: *mut bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let p = handle::borrow(process)?;
        handle::out_ptr(running_out, "running_out")?;
        write_out(running_out, block_on(p.inner.is_running())?);
        Ok(())
    })
}

/// Waits up to `timeout_ms` (the timeout rule: > 0 a limit, 0 just looks, < 0 no limit) for
/// the process to end; the result holds the
/// output this handle had not read yet. `PD_ERR_TIMEOUT` if it still runs (it keeps running).
#[no_mangle]
pub extern "C" fn pd_process_wait(
    process: *mut pd_process,
    timeout_ms: i64,
    result_out: *mut *mut pd_exec_result,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let p = handle::borrow(process)?;
        handle::out_ptr(result_out, "result_out")?;
        let limit = wait_ms(timeout_ms);
        let r = block_on(p.inner.wait(limit))?;
        write_out(result_out, handle::into_raw(pd_exec_result::new(r)));
        Ok(())
    })
}

/// Sends `signal` (1..64) to the process and its group inside the sandbox; 9 (SIGKILL) ends
/// everything it started. Signalling a finished process is `PD_OK`.
#[no_mangle]
pub extern "C" fn pd_process_kill(
    process: *mut pd_process,
    signal: i32,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        block_on(handle::borrow(process)?.inner.kill(signal))
    })
}

fn output(
    process: *mut pd_process,
    drain: bool,
    out: *mut *mut pd_output,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let p = handle::borrow(process)?;
        handle::out_ptr(out, "output_out")?;
        let o = block_on(async {
            if drain {
                p.inner.read().await
            } else {
                p.inner.peek().await
            }
        })?;
        write_out(out, handle::into_raw(pd_output::new(o)));
        Ok(())
    })
}

/// Output written since this handle last read (at first, the oldest still kept), marked
/// read. Free it with `pd_output_free`.
#[no_mangle]
pub extern "C" fn pd_process_read(
    process: *mut pd_process,
    output_out: *mut *mut pd_output,
    err_out: *mut *mut pd_error,
) -> pd_status {
    output(process, true, output_out, err_out)
}

/// Like `pd_process_read`, but leaves the output unread.
#[no_mangle]
pub extern "C" fn pd_process_peek(
    process: *mut pd_process,
    output_out: *mut *mut pd_output,
    err_out: *mut *mut pd_error,
) -> pd_status {
    output(process, false, output_out, err_out)
}

/// Sticky: output was dropped from the sandbox's ring before this handle read it.
#[no_mangle]
pub extern "C" fn pd_process_buffer_overflow(process: *const pd_process) -> bool {
    guard_value(false, || {
        Ok(handle::borrow(process)?.inner.buffer_overflow())
    })
}

/// The ring buffer size the process was started with (attached handles: the default).
#[no_mangle]
pub extern "C" fn pd_process_buffer_size(process: *const pd_process) -> usize {
    guard_value(0, || Ok(handle::borrow(process)?.inner.buffer_size()))
}

/// Frees the handle; the process keeps running. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_process_free(process: *mut pd_process) {
    handle::free(process)
}

fn bytes_of(
    o: *const pd_output,
    len_out: *mut usize,
    pick: fn(&ProcessOutput) -> &Vec<u8>,
) -> *const u8 {
    let (ptr, len) = guard_value((std::ptr::null(), 0), || {
        let b = pick(&handle::borrow(o)?.out);
        Ok((b.as_ptr(), b.len()))
    });
    if !len_out.is_null() {
        write_out(len_out, len);
    }
    ptr
}

/// Stdout bytes of an output, owned by it; length to `*len_out` (may be NULL).
#[no_mangle]
pub extern "C" fn pd_output_stdout(output: *const pd_output, len_out: *mut usize) -> *const u8 {
    bytes_of(output, len_out, |o| &o.stdout)
}

/// Stderr bytes of an output, owned by it; length to `*len_out` (may be NULL).
#[no_mangle]
pub extern "C" fn pd_output_stderr(output: *const pd_output, len_out: *mut usize) -> *const u8 {
    bytes_of(output, len_out, |o| &o.stderr)
}

/// Frees an output. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_output_free(output: *mut pd_output) {
    handle::free(output)
}

/// Lists the container's detached processes (running and recently finished). Free the
/// list with `pd_process_list_free`.
#[no_mangle]
pub extern "C" fn pd_container_list_processes(
    container: *mut pd_container,
    list_out: *mut *mut pd_process_list,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        handle::out_ptr(list_out, "list_out")?;
        let list = block_on(c.inner.list_processes())?;
        write_out(list_out, handle::into_raw(pd_process_list::new(list)));
        Ok(())
    })
}

fn entry<T>(
    l: *const pd_process_list,
    i: usize,
    fallback: T,
    f: impl FnOnce(&ProcessInfo) -> T,
) -> T {
    guard_value(fallback, || {
        let list = &handle::borrow(l)?.list;
        list.get(i)
            .map(f)
            .ok_or_else(|| pocketdock::Error::InvalidArgument(format!("index {i} out of range")))
    })
}

/// Number of entries (0 for a bad handle).
#[no_mangle]
pub extern "C" fn pd_process_list_len(list: *const pd_process_list) -> usize {
    guard_value(0, || Ok(handle::borrow(list)?.list.len()))
}

/// Process number of entry `i` (0 if out of range).
#[no_mangle]
pub extern "C" fn pd_process_list_id(list: *const pd_process_list, i: usize) -> u32 {
    entry(list, i, 0, |p| p.id)
}

/// Pid inside the sandbox of entry `i` (0 if out of range).
#[no_mangle]
pub extern "C" fn pd_process_list_pid(list: *const pd_process_list, i: usize) -> u32 {
    entry(list, i, 0, |p| p.pid)
}

/// Whether entry `i` still runs.
#[no_mangle]
pub extern "C" fn pd_process_list_running(list: *const pd_process_list, i: usize) -> bool {
    entry(list, i, false, |p| p.running)
}

/// Exit code of entry `i`; -1 while it runs or if out of range.
#[no_mangle]
pub extern "C" fn pd_process_list_exit_code(list: *const pd_process_list, i: usize) -> i32 {
    entry(list, i, -1, |p| p.exit_code.unwrap_or(-1))
}

/// Frees a list. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_process_list_free(list: *mut pd_process_list) {
    handle::free(list)
}

/// Calls `on_output` with the process's output (from the oldest byte still kept, then as it
/// comes) and `on_exit` once it ends, on the library's callback thread, one at a time, in
/// order. Either callback may be NULL. `free_user_data` (may be NULL) is called exactly once,
/// after the last callback. Callbacks may call other pd_ functions.
#[no_mangle]
pub extern "C" fn pd_process_set_callbacks(
    process: *mut pd_process,
    on_output: pd_output_cb,
    on_exit: pd_exit_cb,
    user_data: *mut c_void,
    free_user_data: pd_free_cb,
    err_out: *mut *mut pd_error,
) -> pd_status {
    // Taken first, so the finalizer runs even when the handle is bad.
    let cbs = callbacks(on_output, on_exit, user_data, free_user_data);
    guard(err_out, || {
        block_on(handle::borrow(process)?.inner.set_callbacks(cbs))
    })
}

/// Gives these callbacks (see `pd_process_set_callbacks`) to every detached process spawned
/// through this container handle from now on; NULL callbacks remove them. The previous
/// `user_data` is released once no process uses it.
#[no_mangle]
pub extern "C" fn pd_container_set_callbacks(
    container: *mut pd_container,
    on_output: pd_output_cb,
    on_exit: pd_exit_cb,
    user_data: *mut c_void,
    free_user_data: pd_free_cb,
    err_out: *mut *mut pd_error,
) -> pd_status {
    let cbs = callbacks(on_output, on_exit, user_data, free_user_data);
    guard(err_out, || {
        let c = handle::borrow(container)?;
        let any = cbs.on_output.is_some() || cbs.on_exit.is_some();
        c.inner.set_callbacks(any.then_some(cbs));
        Ok(())
    })
}
