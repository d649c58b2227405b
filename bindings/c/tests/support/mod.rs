//! Fixtures of the C-ABI tests: the core's test fixtures (real engine, labels, cleanup) plus
//! a C-ABI client on the engine under test.
#![allow(dead_code, unused_imports)]

#[path = "../../../../tests/common/mod.rs"]
mod common;
pub use common::*;

/// The message of a `pd_error` the library wrote (never NULL there).
pub fn message(e: *const pocketdock_capi::pd_error) -> String {
    let m = pocketdock_capi::pd_error_message(e);
    assert!(!m.is_null(), "no error message");
    unsafe { std::ffi::CStr::from_ptr(m) }
        .to_string_lossy()
        .into_owned()
}

/// A C-ABI client on the engine under test; free it with `pd_client_free`.
pub fn c_client() -> *mut pocketdock_capi::pd_client {
    use pocketdock_capi::*;
    let sock = std::ffi::CString::new(socket().display().to_string()).unwrap();
    let o = pd_client_opts_new();
    let mut client = std::ptr::null_mut();
    assert_eq!(
        pd_client_opts_set_socket(o, sock.as_ptr(), std::ptr::null_mut()),
        pd_status::PD_OK
    );
    let st = pd_client_open(o, &mut client, std::ptr::null_mut());
    pd_client_opts_free(o);
    assert_eq!(st, pd_status::PD_OK, "the engine under test answers");
    client
}
