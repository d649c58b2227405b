//! Oversized and malformed values at the C ABI: each is `PD_ERR_INVALID_ARGUMENT` with a
//! message saying what is wrong, at the call that passed it, never a panic (`PD_ERR_PANIC`)
//! or an engine error later. Runs on the engine named by POCKETDOCK_SOCKET.

mod support;

use std::ffi::CString;
use std::ptr;

use pocketdock_capi::*;

use support::{c_client, message, CContainer, HostDir};

fn cs(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// Asserts an invalid-argument status whose message contains `needle`, and frees the error.
fn refused(st: pd_status, err: *mut pd_error, needle: &str, what: &str) {
    assert_eq!(
        st,
        pd_status::PD_ERR_INVALID_ARGUMENT,
        "{what}: {}",
        if err.is_null() {
            "no error".into()
        } else {
            message(err)
        }
    );
    let m = message(err);
    assert!(
        m.contains(needle),
        "{what}: {m:?} should mention {needle:?}"
    );
    pd_error_free(err);
}

#[test]
fn container_option_setters_refuse_bad_values_at_once() {
    let o = pd_container_opts_new();
    let mut err = ptr::null_mut();
    let (k, v) = (cs("A=B"), cs("1"));
    let st = pd_container_opts_add_env(o, k.as_ptr(), v.as_ptr(), &mut err);
    refused(st, err, "A=B", "env key with '='");
    let bogus = cs("bogus");
    let st = pd_container_opts_add_port(o, 8080, 80, bogus.as_ptr(), &mut err);
    refused(st, err, "bogus", "port protocol");
    let st = pd_container_opts_add_port(o, 8080, 0, ptr::null(), &mut err);
    refused(st, err, "container port", "container port 0");
    let (h, c) = (cs("/tmp"), cs("data"));
    let st = pd_container_opts_add_volume(o, h.as_ptr(), c.as_ptr(), false, &mut err);
    refused(st, err, "absolute", "relative volume target");
    let d = cs("null");
    let st = pd_container_opts_add_device(o, d.as_ptr(), &mut err);
    refused(st, err, "device", "relative device");
    let t = cs("scratch");
    let st = pd_container_opts_add_tmpfs(o, t.as_ptr(), ptr::null(), &mut err);
    refused(st, err, "absolute", "relative tmpfs");
    pd_container_opts_free(o);

    let r = pd_run_opts_new();
    let st = pd_run_opts_add_env(r, k.as_ptr(), v.as_ptr(), &mut err);
    refused(st, err, "A=B", "run env key with '='");
    pd_run_opts_free(r);
}

#[test]
fn image_references_are_checked_before_any_request() {
    let client = c_client();
    let mut err = ptr::null_mut();
    let mut exists = true;
    let empty = cs("");
    let st = pd_image_exists(client, empty.as_ptr(), &mut exists, &mut err);
    refused(st, err, "empty", "pd_image_exists(\"\")");
    let huge = cs(&"a".repeat(1 << 20));
    let st = pd_image_exists(client, huge.as_ptr(), &mut exists, &mut err);
    refused(st, err, "limit", "1 MiB image name");
    let st = pd_image_remove(client, huge.as_ptr(), false, &mut err);
    refused(st, err, "limit", "1 MiB image name to remove");
    pd_client_free(client);
}

#[test]
fn oversized_paths_and_references_on_a_sandbox_are_invalid_arguments() {
    let sandbox = CContainer::new();
    let c = sandbox.c;
    let mut err = ptr::null_mut();

    let long = cs(&format!("/tmp/{}", "x/".repeat(1 << 19)));
    let st = pd_file_write(c, long.as_ptr(), b"x".as_ptr(), 1, &mut err);
    refused(st, err, "limit", "pd_file_write with a 1 MiB path");
    let mut bytes = ptr::null_mut();
    let st = pd_file_read(c, long.as_ptr(), &mut bytes, &mut err);
    refused(st, err, "limit", "pd_file_read with a 1 MiB path");
    assert!(bytes.is_null());
    let host = HostDir::new("limits");
    let src = cs(&host.0.display().to_string());
    let st = pd_file_push(c, src.as_ptr(), long.as_ptr(), &mut err);
    refused(st, err, "limit", "pd_file_push to a 1 MiB path");
    let st = pd_file_pull(c, long.as_ptr(), src.as_ptr(), &mut err);
    refused(st, err, "limit", "pd_file_pull from a 1 MiB path");
    let huge = cs(&"a".repeat(1 << 20));
    let mut id = ptr::null_mut();
    let st = pd_container_snapshot(c, huge.as_ptr(), &mut id, &mut err);
    refused(
        st,
        err,
        "limit",
        "pd_container_snapshot with a 1 MiB reference",
    );
    assert!(id.is_null());
    // The sandbox is unharmed by all of this.
    let mut res = ptr::null_mut();
    let echo = cs("echo still here");
    let st = pd_run(c, echo.as_ptr(), ptr::null(), &mut res, &mut err);
    assert_eq!(st, pd_status::PD_OK, "run: {}", message(err));
    pd_exec_result_free(res);
}
