//! C ABI of `stream`: pull-based streaming runs.

use std::ffi::c_char;
use std::sync::{Arc, Mutex};

use super::boundary::{guard, guard_value, write_out};
use super::container::pd_container;
use super::error::{pd_error, pd_status};
use super::exec::{pd_exec_result, with_command, Command};
use super::handle::{self, handle_type};
use super::runtime::block_on;
use super::timeout::wait_ms;
use pocketdock::exec::ExecResult;
use pocketdock::stream::{Chunk, RunStream, StreamCanceller, StreamEvent};
use pocketdock::Error;
use pocketdock::StreamKind;

handle_type!(pd_stream, 0x7064_7374_7265_616d, {
    // None once the stream was handed to callbacks (stream_callbacks.rs).
    stream: tokio::sync::Mutex<Option<RunStream>>,
    canceller: StreamCanceller,
    // Shared with the callback task, which fills it before calling on_exit.
    result: Arc<Mutex<Option<Result<ExecResult, Error>>>>,
});
handle_type!(pd_chunk, 0x7064_6368_756e_6b21, { chunk: Chunk });

fn new_stream(stream: RunStream) -> *mut pd_stream {
    let canceller = stream.canceller();
    handle::into_raw(pd_stream::new(
        tokio::sync::Mutex::new(Some(stream)),
        canceller,
        Arc::new(Mutex::new(None)),
    ))
}

/// Starts `command` and returns a stream of its output (`opts` may be NULL). Read it with
/// `pd_stream_next`; free it with `pd_stream_free` (freeing it early kills the command).
/// Timeout and output cap apply as in `pd_run`. Blocks only to start the command.
#[no_mangle]
pub extern "C" fn pd_run_stream(
    container: *mut pd_container,
    command: *const c_char,
    opts: *const super::exec::pd_run_opts,
    stream_out: *mut *mut pd_stream,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_command(
        container,
        Command::Line(command),
        opts,
        stream_out,
        err_out,
        |c, argv, o| Ok(new_stream(block_on(c.run_stream_argv(argv, o))?)),
    )
}

/// `pd_run_stream` for `argv[0..argc]`, without a shell.
#[no_mangle]
pub extern "C" fn pd_run_stream_argv(
    container: *mut pd_container,
    argv: *const *const c_char,
    argc: usize,
    opts: *const super::exec::pd_run_opts,
    stream_out: *mut *mut pd_stream,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_command(
        container,
        Command::Argv(argv, argc),
        opts,
        stream_out,
        err_out,
        |c, argv, o| Ok(new_stream(block_on(c.run_stream_argv(argv, o))?)),
    )
}

/// Waits up to `timeout_ms` (the timeout rule: > 0 a limit, 0 just looks, < 0 no limit) for
/// the next piece of output.
/// Returns `PD_OK` with `*chunk_out` set (free it with `pd_chunk_free`), `PD_ERR_TIMEOUT`
/// when nothing came in time (call again), or `PD_STREAM_END` when the command is over (then
/// `pd_stream_result` has the result; later calls return `PD_STREAM_END` again). Only one
/// thread may call it at a time per stream; `pd_stream_cancel` may be called concurrently.
#[no_mangle]
pub extern "C" fn pd_stream_next(
    stream: *mut pd_stream,
    timeout_ms: i64,
    chunk_out: *mut *mut pd_chunk,
    err_out: *mut *mut pd_error,
) -> pd_status {
    let mut end = false;
    let status = guard(err_out, || {
        let s = handle::borrow(stream)?;
        handle::out_ptr(chunk_out, "chunk_out")?;
        let next = block_on(async {
            let mut guard = s.stream.lock().await;
            let st = guard.as_mut().ok_or_else(|| {
                Error::InvalidState("the stream's output goes to its callbacks".into())
            })?;
            match wait_ms(timeout_ms) {
                Some(limit) => tokio::time::timeout(limit, st.next())
                    .await
                    .map_err(|_| Error::Timeout("no output yet".into())),
                None => Ok(st.next().await),
            }
        })?;
        match next {
            Some(Ok(StreamEvent::Output(chunk))) => {
                write_out(chunk_out, handle::into_raw(pd_chunk::new(chunk)));
            }
            Some(Ok(StreamEvent::Exit(r))) => {
                *s.result.lock().unwrap_or_else(|e| e.into_inner()) = Some(Ok(r));
                end = true;
            }
            Some(Err(e)) => return Err(e),
            None => end = true,
        }
        Ok(())
    });
    if status == pd_status::PD_OK && end {
        pd_status::PD_STREAM_END
    } else {
        status
    }
}

/// Kills the streamed command (and everything it started). Thread-safe, idempotent; a
/// blocked `pd_stream_next` then returns the remaining output and `PD_STREAM_END`.
#[no_mangle]
pub extern "C" fn pd_stream_cancel(stream: *mut pd_stream) {
    if let Ok(s) = handle::borrow(stream) {
        s.canceller.cancel();
    }
}

/// The result of a finished stream (after `pd_stream_next` returned `PD_STREAM_END`; its
/// stdout/stderr are empty: the output came as chunks). Free it with `pd_exec_result_free`.
/// `PD_ERR_INVALID_STATE` before the end.
#[no_mangle]
pub extern "C" fn pd_stream_result(
    stream: *mut pd_stream,
    result_out: *mut *mut pd_exec_result,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let s = handle::borrow(stream)?;
        handle::out_ptr(result_out, "result_out")?;
        let mut slot = s.result.lock().unwrap_or_else(|e| e.into_inner());
        let r = match slot.take() {
            Some(Ok(r)) => {
                *slot = Some(Ok(r.clone()));
                r
            }
            // A failed stream's error is returned once (errors are not Clone).
            Some(Err(e)) => {
                *slot = Some(Err(Error::InvalidState(
                    "the stream failed; its error was already returned".into(),
                )));
                return Err(e);
            }
            None => return Err(Error::InvalidState("the stream has not ended".into())),
        };
        drop(slot);
        write_out(result_out, handle::into_raw(pd_exec_result::new(r)));
        Ok(())
    })
}

/// Frees a stream; a command still running is killed. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_stream_free(stream: *mut pd_stream) {
    // A stream handed to callbacks lives on in its task: cancel it, as a drop would.
    if let Ok(s) = handle::borrow(stream) {
        if s.stream.try_lock().is_ok_and(|g| g.is_none()) {
            s.canceller.cancel();
        }
    }
    handle::free(stream)
}

/// Which output a chunk came from: 1 = stdout, 2 = stderr (0 for a bad handle).
#[no_mangle]
pub extern "C" fn pd_chunk_stream(chunk: *const pd_chunk) -> i32 {
    guard_value(0, || {
        Ok(match handle::borrow(chunk)?.chunk.stream {
            StreamKind::Stdout => 1,
            StreamKind::Stderr => 2,
        })
    })
}

/// The chunk's bytes, owned by the chunk; the length goes to `*len_out` (may be NULL).
#[no_mangle]
pub extern "C" fn pd_chunk_data(chunk: *const pd_chunk, len_out: *mut usize) -> *const u8 {
    let (ptr, len) = guard_value((std::ptr::null(), 0), || {
        let d = &handle::borrow(chunk)?.chunk.data;
        Ok((d.as_ptr(), d.len()))
    });
    if !len_out.is_null() {
        write_out(len_out, len);
    }
    ptr
}

/// Frees a chunk. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_chunk_free(chunk: *mut pd_chunk) {
    handle::free(chunk)
}
