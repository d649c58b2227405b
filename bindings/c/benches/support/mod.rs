//! What the C-ABI benchmarks share: calls that must succeed (a failure is the benchmark's
//! end, with the library's message), a client on one socket, a sandbox made and removed.
#![allow(dead_code)]

use std::ffi::CStr;
use std::ptr;

use pocketdock_capi::*;

pub fn check(st: pd_status, err: *mut pd_error, what: &str) {
    if st != pd_status::PD_OK {
        let m = unsafe { CStr::from_ptr(pd_error_message(err)) };
        panic!("{what}: {st:?} {}", m.to_string_lossy());
    }
}

pub fn open(socket: &CStr) -> *mut pd_client {
    let o = pd_client_opts_new();
    let mut err = ptr::null_mut();
    check(
        pd_client_opts_set_socket(o, socket.as_ptr(), &mut err),
        err,
        "socket",
    );
    let mut c = ptr::null_mut();
    check(pd_client_open(o, &mut c, &mut err), err, "open");
    pd_client_opts_free(o);
    c
}

/// "PD_ENGINE_PODMAN 4.3.1": which engine the client reached.
pub fn engine_of(client: *const pd_client) -> String {
    let mut info = std::mem::MaybeUninit::<pd_engine_info>::uninit();
    check(
        pd_client_engine_info(client, info.as_mut_ptr(), ptr::null_mut()),
        ptr::null_mut(),
        "info",
    );
    let info = unsafe { info.assume_init() };
    let version = unsafe { CStr::from_ptr(info.version) }.to_string_lossy();
    format!("{:?} {version}", info.kind)
}

pub fn create(client: *const pd_client, opts: *const pd_container_opts) -> *mut pd_container {
    let (mut c, mut err) = (ptr::null_mut(), ptr::null_mut());
    check(
        pd_container_create(client, opts, &mut c, &mut err),
        err,
        "create",
    );
    c
}

pub fn remove(c: *mut pd_container) {
    let mut err = ptr::null_mut();
    check(pd_container_shutdown(c, &mut err), err, "shutdown");
    pd_container_free(c);
}
