//! `pd_status` and `pd_error`: the ONE place an [`ErrorKind`] becomes a C status code.

use std::ffi::{c_char, CString};

use super::handle::{self, handle_type};
use pocketdock::{Error, ErrorKind};

/// Result of every fallible call. Numbers are part of the ABI: never reuse or renumber one.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum pd_status {
    PD_OK = 0,
    PD_ERR_INVALID_ARGUMENT = 1,
    PD_ERR_ENGINE_NOT_FOUND = 2,
    PD_ERR_CONTAINER_NOT_FOUND = 3,
    PD_ERR_CONTAINER_NOT_RUNNING = 4,
    PD_ERR_CONTAINER_GONE = 5,
    PD_ERR_IMAGE_NOT_FOUND = 6,
    PD_ERR_NAME_CONFLICT = 7,
    PD_ERR_TIMEOUT = 8,
    PD_ERR_IO = 9,
    PD_ERR_ENGINE = 10,
    PD_ERR_INTERNAL = 11,
    PD_ERR_PANIC = 12,
    PD_ERR_INVALID_STATE = 13,
    PD_ERR_FILE_NOT_FOUND = 14,
    PD_ERR_BUILD_FAILED = 15,
    /// Not an error: `pd_stream_next` has nothing more to give (the result is ready).
    PD_STREAM_END = 100,
}

/// A bad argument, as the core reports one.
pub(crate) fn invalid(msg: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(msg.to_string())
}

/// Something that cannot happen did (a NUL inside a string the core made, ...).
pub(crate) fn internal(msg: impl std::fmt::Display) -> Error {
    Error::Internal(msg.to_string())
}

pub(crate) fn status_of(kind: ErrorKind) -> pd_status {
    use pd_status::*;
    match kind {
        ErrorKind::InvalidArgument => PD_ERR_INVALID_ARGUMENT,
        ErrorKind::EngineNotFound => PD_ERR_ENGINE_NOT_FOUND,
        ErrorKind::ContainerNotFound => PD_ERR_CONTAINER_NOT_FOUND,
        ErrorKind::ContainerNotRunning => PD_ERR_CONTAINER_NOT_RUNNING,
        ErrorKind::ContainerGone => PD_ERR_CONTAINER_GONE,
        ErrorKind::ImageNotFound => PD_ERR_IMAGE_NOT_FOUND,
        ErrorKind::NameConflict => PD_ERR_NAME_CONFLICT,
        ErrorKind::Timeout => PD_ERR_TIMEOUT,
        ErrorKind::Io => PD_ERR_IO,
        ErrorKind::Engine => PD_ERR_ENGINE,
        ErrorKind::Internal => PD_ERR_INTERNAL,
        ErrorKind::InvalidState => PD_ERR_INVALID_STATE,
        ErrorKind::FileNotFound => PD_ERR_FILE_NOT_FOUND,
        ErrorKind::BuildFailed => PD_ERR_BUILD_FAILED,
        // ErrorKind is #[non_exhaustive] for Rust users. A kind added to the core reads as
        // INTERNAL here until it gets a code of its own (numbers are never reused).
        _ => PD_ERR_INTERNAL,
    }
}

handle_type!(pd_error, 0x7064_6572_726f_7221, {
    code: pd_status,
    message: CString,
    engine_status: i32,
});

fn c_message(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

fn store(err_out: *mut *mut pd_error, e: pd_error) {
    if !err_out.is_null() {
        // SAFETY: a non-NULL err_out points to a writable `pd_error *` slot (documented).
        unsafe { err_out.write(handle::into_raw(e)) };
    }
}

/// Maps `e` to its status and, if the caller asked for detail, writes a `pd_error`.
pub(crate) fn set_error(err_out: *mut *mut pd_error, e: &Error) -> pd_status {
    let code = status_of(e.kind());
    let engine_status = e.engine_status().map_or(0, i32::from);
    store(
        err_out,
        pd_error::new(code, c_message(&e.to_string()), engine_status),
    );
    code
}

pub(crate) fn set_panic(err_out: *mut *mut pd_error, msg: &str) -> pd_status {
    let code = pd_status::PD_ERR_PANIC;
    store(
        err_out,
        pd_error::new(code, c_message(&format!("panic in pocketdock: {msg}")), 0),
    );
    code
}

/// The status code of an error (`PD_ERR_INVALID_ARGUMENT` for a NULL or bad handle).
#[no_mangle]
pub extern "C" fn pd_error_code(err: *const pd_error) -> pd_status {
    handle::borrow(err).map_or(pd_status::PD_ERR_INVALID_ARGUMENT, |e| e.code)
}

/// The error's message: UTF-8, NUL-terminated, owned by `err` and valid until
/// `pd_error_free(err)`. Returns NULL for a NULL or bad handle.
#[no_mangle]
pub extern "C" fn pd_error_message(err: *const pd_error) -> *const c_char {
    handle::borrow(err).map_or(std::ptr::null(), |e| e.message.as_ptr())
}

/// The engine's HTTP status behind a `PD_ERR_ENGINE` error, or 0.
#[no_mangle]
pub extern "C" fn pd_error_engine_status(err: *const pd_error) -> i32 {
    handle::borrow(err).map_or(0, |e| e.engine_status)
}

/// Frees an error. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_error_free(err: *mut pd_error) {
    handle::free(err)
}
