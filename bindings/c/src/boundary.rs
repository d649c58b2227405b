//! The guard every extern fn runs in: panics become `PD_ERR_PANIC`, errors become a status
//! plus an optional `pd_error`, and out-params are only ever written on success.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::error::{pd_error, pd_status, set_error};
use pocketdock::Error;

/// Runs `f` for a status-returning entry point.
pub(crate) fn guard(
    err_out: *mut *mut pd_error,
    f: impl FnOnce() -> Result<(), Error>,
) -> pd_status {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => pd_status::PD_OK,
        Ok(Err(e)) => set_error(err_out, &e),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            super::error::set_panic(err_out, &msg)
        }
    }
}

/// Runs `f` for an entry point that returns a plain value; any failure yields `fallback`.
pub(crate) fn guard_value<T>(fallback: T, f: impl FnOnce() -> Result<T, Error>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        _ => fallback,
    }
}

/// Writes `value` through `out` (checked non-NULL by the caller's `out_ptr`).
pub(crate) fn write_out<T>(out: *mut T, value: T) {
    // SAFETY: every caller has checked `out` with `handle::out_ptr` first.
    unsafe { out.write(value) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{pd_error_code, pd_error_free, pd_error_message};

    #[test]
    fn a_panic_becomes_pd_err_panic_with_its_message() {
        let mut err: *mut pd_error = std::ptr::null_mut();
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let st = guard(&mut err, || panic!("boom {}", 7));
        let v = guard_value(5, || -> Result<i32, Error> { panic!("quiet") });
        std::panic::set_hook(prev);
        assert_eq!(st, pd_status::PD_ERR_PANIC);
        assert_eq!(v, 5);
        assert_eq!(pd_error_code(err), pd_status::PD_ERR_PANIC);
        // SAFETY: the message is a valid C string owned by `err`.
        let msg = unsafe { std::ffi::CStr::from_ptr(pd_error_message(err)) };
        assert!(msg.to_str().unwrap().contains("boom 7"));
        pd_error_free(err);
    }
}
