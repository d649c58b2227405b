//! C ABI of `stream`, push form: a stream's output and end delivered to callbacks, so no
//! caller thread waits while the command runs (bindings with a small thread pool need this).

use std::ffi::c_void;

use super::boundary::guard;
use super::dispatch::{self, pd_exit_cb, pd_free_cb, pd_output_cb};
use super::error::{pd_error, pd_status};
use super::handle;
use super::runtime;
use super::stream::pd_stream;
use pocketdock::stream::StreamEvent;
use pocketdock::Error;

/// Hands the stream's output and end to callbacks instead of `pd_stream_next`: `on_output`
/// gets each chunk as it comes (`stream` 1 = stdout, 2 = stderr), `on_exit` is called once
/// when the command is over with its result, or with NULL when the stream failed
/// (`pd_stream_result` then returns the error). They run on the library's callback thread,
/// one at a time, in order; either may be NULL. `free_user_data` (may be NULL) is called
/// exactly once, after the last callback, also when this call fails. Does not block; no
/// thread waits for the command meanwhile. Afterwards `pd_stream_next` fails with
/// `PD_ERR_INVALID_STATE`; `pd_stream_cancel` and `pd_stream_result` work as before, and
/// freeing the stream cancels the command (`on_exit` still comes). `PD_ERR_INVALID_STATE`:
/// callbacks were already set or a `pd_stream_next` is in progress.
#[no_mangle]
pub extern "C" fn pd_stream_set_callbacks(
    stream: *mut pd_stream,
    on_output: pd_output_cb,
    on_exit: pd_exit_cb,
    user_data: *mut c_void,
    free_user_data: pd_free_cb,
    err_out: *mut *mut pd_error,
) -> pd_status {
    // Built first so that free_user_data is called on every path, errors included.
    let (out, end) = dispatch::stream_callbacks(on_output, on_exit, user_data, free_user_data);
    guard(err_out, || {
        let s = handle::borrow(stream)?;
        let mut run = s
            .stream
            .try_lock()
            .map_err(|_| Error::InvalidState("a pd_stream_next is in progress".into()))?
            .take()
            .ok_or_else(|| Error::InvalidState("the stream already has callbacks".into()))?;
        let slot = s.result.clone();
        runtime::spawn(async move {
            let outcome = loop {
                match run.next().await {
                    Some(Ok(StreamEvent::Output(chunk))) => {
                        if let Some(f) = &out {
                            f(chunk.stream, &chunk.data);
                        }
                    }
                    Some(Ok(StreamEvent::Exit(r))) => break Ok(r),
                    Some(Err(e)) => break Err(e),
                    None => {
                        break Err(Error::InvalidState(
                            "the stream ended without a result".into(),
                        ))
                    }
                }
            };
            let r = outcome.as_ref().ok().cloned();
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
            drop(run);
            end(r);
        })
    })
}
