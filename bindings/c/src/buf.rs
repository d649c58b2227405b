//! Strings and bytes handed out to C, and the functions that take them back.

use std::ffi::{c_char, CString};

/// Copies `bytes` into a NUL-terminated string for C (invalid UTF-8 and NUL bytes replaced).
pub(crate) fn text_out(bytes: &[u8]) -> *mut c_char {
    let s = String::from_utf8_lossy(bytes).replace('\0', "\u{FFFD}");
    CString::new(s).map_or(std::ptr::null_mut(), CString::into_raw)
}

/// Frees a string returned by pocketdock. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: every `char *` pocketdock hands out comes from `CString::into_raw`.
        drop(unsafe { CString::from_raw(s) });
    }
}
