//! C ABI of `exec`, callback form: a run that returns at once and reports its end on the
//! library's callback thread, so no caller thread waits while the command runs.

use std::ffi::{c_char, c_void};

use super::boundary::guard;
use super::container::pd_container;
use super::dispatch::{self, pd_free_cb};
use super::error::{invalid, pd_error, pd_status, set_error, set_panic};
use super::exec::{pd_exec_result, pd_run_opts, run_opts_or_default, Command};
use super::handle;
use super::runtime;

/// Result callback: `status` is `PD_OK` with `result` set, or an error status with `err`
/// set (its detail). Both are valid for the call only (do not free them).
pub type pd_result_cb = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        status: pd_status,
        result: *const pd_exec_result,
        err: *const pd_error,
    ),
>;

/// `pd_run` without waiting: validates its arguments, starts the command and returns;
/// `on_done` (required) is called once with the outcome on the library's callback thread,
/// then `free_user_data` (may be NULL). When this call fails, `on_done` is not called and
/// `free_user_data` still is. The container handle may be freed before the end. Same
/// options, timeout and result as `pd_run`; no thread waits for the command meanwhile.
#[no_mangle]
pub extern "C" fn pd_run_async(
    container: *mut pd_container,
    command: *const c_char,
    opts: *const pd_run_opts,
    on_done: pd_result_cb,
    user_data: *mut c_void,
    free_user_data: pd_free_cb,
    err_out: *mut *mut pd_error,
) -> pd_status {
    let command = Command::Line(command);
    start(
        container,
        command,
        opts,
        on_done,
        user_data,
        free_user_data,
        err_out,
    )
}

/// `pd_run_async` for `argv[0..argc]`, without a shell (as `pd_run_argv`).
#[no_mangle]
pub extern "C" fn pd_run_argv_async(
    container: *mut pd_container,
    argv: *const *const c_char,
    argc: usize,
    opts: *const pd_run_opts,
    on_done: pd_result_cb,
    user_data: *mut c_void,
    free_user_data: pd_free_cb,
    err_out: *mut *mut pd_error,
) -> pd_status {
    let command = Command::Argv(argv, argc);
    start(
        container,
        command,
        opts,
        on_done,
        user_data,
        free_user_data,
        err_out,
    )
}

fn start(
    container: *mut pd_container,
    command: Command,
    opts: *const pd_run_opts,
    on_done: pd_result_cb,
    user_data: *mut c_void,
    free_user_data: pd_free_cb,
    err_out: *mut *mut pd_error,
) -> pd_status {
    // Made first so that free_user_data is called on every path, errors included.
    let deliver = dispatch::once(user_data, free_user_data);
    guard(err_out, || {
        let f = on_done.ok_or_else(|| invalid("on_done is NULL"))?;
        let c = handle::borrow(container)?.inner.clone();
        let o = run_opts_or_default(opts)?;
        let argv = command.argv(&o)?;
        // Polled here first, so the request leaves before this returns (runtime.rs).
        runtime::spawn_polled(async move {
            // A panic in the run is reported instead of lost.
            let outcome =
                runtime::CatchUnwind(Box::pin(async move { c.run_argv(argv, o).await })).await;
            deliver(Box::new(move |ud| {
                let mut err: *mut pd_error = std::ptr::null_mut();
                let (status, result) = match outcome {
                    Ok(Ok(r)) => (pd_status::PD_OK, handle::into_raw(pd_exec_result::new(r))),
                    Ok(Err(e)) => (set_error(&mut err, &e), std::ptr::null_mut()),
                    Err(p) => (set_panic(&mut err, &p), std::ptr::null_mut()),
                };
                // SAFETY: the caller's callback with its own pointer; both handles live until
                // they are freed right after the call.
                unsafe { f(ud, status, result, err) };
                handle::free(result);
                handle::free(err);
            }));
        })
    })
}
