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

/// A labelled container made through the C ABI on the engine under test (agent as the run
/// asks), force-removed (raw request) when dropped, passed or not.
pub struct CContainer {
    pub c: *mut pocketdock_capi::pd_container,
    pub name: String,
}

impl CContainer {
    pub fn new() -> CContainer {
        use pocketdock_capi::*;
        use std::ptr;
        let o = pd_container_opts_new();
        let k = std::ffi::CString::new(TEST_LABEL.0).unwrap();
        let v = std::ffi::CString::new(TEST_LABEL.1).unwrap();
        pd_container_opts_add_label(o, k.as_ptr(), v.as_ptr(), ptr::null_mut());
        pd_container_opts_set_agent(o, agent_on(), ptr::null_mut());
        let client = c_client();
        let mut c = ptr::null_mut();
        let mut err = ptr::null_mut();
        let st = pd_container_create(client, o, &mut c, &mut err);
        pd_container_opts_free(o);
        // The container holds what it needs of the client.
        pd_client_free(client);
        assert_eq!(st, pd_status::PD_OK, "create: {}", message(err));
        let name = unsafe { std::ffi::CStr::from_ptr(pd_container_name(c)) }
            .to_string_lossy()
            .into_owned();
        CContainer { c, name }
    }
}

impl Drop for CContainer {
    fn drop(&mut self) {
        force_remove(&self.name);
        pocketdock_capi::pd_container_free(self.c);
    }
}
