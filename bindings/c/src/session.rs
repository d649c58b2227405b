//! C ABI of `session`: persistent shells.

use std::ffi::{c_char, c_void};

use super::boundary::{guard, write_out};
use super::container::pd_container;
use super::dispatch::{callbacks, pd_exit_cb, pd_free_cb, pd_output_cb};
use super::error::{pd_error, pd_status};
use super::exec::{pd_exec_result, pd_run_opts, run_opts_or_default};
use super::handle::{self, handle_type, str_arg};
use super::process::pd_output;
use super::runtime::block_on;
use super::timeout::limit_ms;
use pocketdock::session::Session;

handle_type!(pd_session, 0x7064_7365_7373_696f, { inner: Session });

/// Opens a persistent shell (bash, else sh) in the container (needs the agent); `opts`
/// (may be NULL) gives its env, workdir and user. Free with `pd_session_free`.
#[no_mangle]
pub extern "C" fn pd_session_open(
    container: *mut pd_container,
    opts: *const pd_run_opts,
    session_out: *mut *mut pd_session,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        handle::out_ptr(session_out, "session_out")?;
        let o = run_opts_or_default(opts)?;
        let s = block_on(c.inner.open_session(&o))?;
        write_out(session_out, handle::into_raw(pd_session::new(s)));
        Ok(())
    })
}

/// Writes `input` and a newline to the shell without waiting; output goes to
/// `pd_session_read`.
#[no_mangle]
pub extern "C" fn pd_session_send(
    session: *mut pd_session,
    input: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let s = handle::borrow(session)?;
        block_on(s.inner.send(str_arg(input, "input")?))
    })
}

/// Runs `command` in the shell and waits up to `timeout_ms` (the timeout rule: > 0 a limit,
/// < 0 no limit, 0 `PD_ERR_INVALID_ARGUMENT`). cwd and variables persist between commands. On timeout the command is
/// interrupted and the result has `timed_out` set; the session stays usable. A second call
/// while one runs is `PD_ERR_INVALID_STATE`.
#[no_mangle]
pub extern "C" fn pd_session_send_and_wait(
    session: *mut pd_session,
    command: *const c_char,
    timeout_ms: i64,
    result_out: *mut *mut pd_exec_result,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let s = handle::borrow(session)?;
        let command = str_arg(command, "command")?;
        handle::out_ptr(result_out, "result_out")?;
        let limit = limit_ms(timeout_ms, "timeout")?;
        let r = block_on(s.inner.send_and_wait(command, Some(limit)))?;
        write_out(result_out, handle::into_raw(pd_exec_result::new(r)));
        Ok(())
    })
}

/// Output not consumed by `pd_session_send_and_wait` (from `pd_session_send`), marked
/// read. Free with `pd_output_free`.
#[no_mangle]
pub extern "C" fn pd_session_read(
    session: *mut pd_session,
    output_out: *mut *mut pd_output,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let s = handle::borrow(session)?;
        handle::out_ptr(output_out, "output_out")?;
        let o = block_on(s.inner.read())?;
        write_out(output_out, handle::into_raw(pd_output::new(o)));
        Ok(())
    })
}

/// The shell's output as it comes, and its exit, to callbacks (rules of
/// `pd_process_set_callbacks`).
#[no_mangle]
pub extern "C" fn pd_session_set_callbacks(
    session: *mut pd_session,
    on_output: pd_output_cb,
    on_exit: pd_exit_cb,
    user_data: *mut c_void,
    free_user_data: pd_free_cb,
    err_out: *mut *mut pd_error,
) -> pd_status {
    let cbs = callbacks(on_output, on_exit, user_data, free_user_data);
    guard(err_out, || {
        block_on(handle::borrow(session)?.inner.set_callbacks(cbs))
    })
}

/// Ends the shell. The handle stays valid (free it afterwards).
#[no_mangle]
pub extern "C" fn pd_session_close(
    session: *mut pd_session,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || block_on(handle::borrow(session)?.inner.close()))
}

/// Frees the handle (the shell keeps running unless closed). NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_session_free(session: *mut pd_session) {
    handle::free(session)
}
