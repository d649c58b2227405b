//! Remote engines through the C ABI, against scripts/remote-up's second dockerd: a client
//! over TCP+TLS made with `pd_client_opts_set_host` + `pd_client_opts_set_tls_dir` runs a
//! command; a wrong CA and a bad address fail with a status and a message naming the step;
//! the setters survive NULL handles and bad strings. Skipped unless `POCKETDOCK_TEST_REMOTE`
//! names remote-up's env file (scripts/test sets it).

// The out-param sentinel 0x1 proves a failed call left it untouched (as in ffi.rs).
#![allow(clippy::manual_dangling_ptr)]

use std::ffi::{CStr, CString};
use std::io::{Read, Write};
use std::ptr;

mod support;

use pocketdock_capi::*;
use support::message;

fn settings() -> Option<std::collections::HashMap<String, String>> {
    let path = std::env::var("POCKETDOCK_TEST_REMOTE").ok()?;
    let text = std::fs::read_to_string(path).unwrap();
    Some(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    )
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// Opens a client on `host` with TLS from `dir`; the status and the error's message.
fn open(host: &str, dir: &str) -> (pd_status, *mut pd_client, String) {
    let o = pd_client_opts_new();
    let mut err = ptr::null_mut();
    assert_eq!(
        pd_client_opts_set_host(o, c(host).as_ptr(), &mut err),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_client_opts_set_tls_dir(o, c(dir).as_ptr(), &mut err),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_client_opts_set_connect_timeout_ms(o, 10_000, &mut err),
        pd_status::PD_OK
    );
    let mut client = ptr::null_mut();
    let st = pd_client_open(o, &mut client, &mut err);
    pd_client_opts_free(o);
    let m = if err.is_null() {
        String::new()
    } else {
        message(err)
    };
    pd_error_free(err);
    (st, client, m)
}

#[test]
fn a_run_over_tls_and_failures_named_by_step() {
    let Some(s) = settings() else {
        eprintln!("skipped: POCKETDOCK_TEST_REMOTE is not set");
        return;
    };
    let certs = &s["PD_REMOTE_CERTS"];
    let (st, client, m) = open(&s["PD_REMOTE_TLS"], &format!("{certs}/good"));
    assert_eq!(st, pd_status::PD_OK, "{m}");
    let mut info = std::mem::MaybeUninit::<pd_engine_info>::uninit();
    assert_eq!(
        pd_client_engine_info(client, info.as_mut_ptr(), ptr::null_mut()),
        pd_status::PD_OK
    );
    let info = unsafe { info.assume_init() };
    assert_eq!(
        unsafe { CStr::from_ptr(info.socket) }.to_str().unwrap(),
        s["PD_REMOTE_TLS"]
    );

    let co = pd_container_opts_new();
    assert_eq!(
        pd_container_opts_add_label(
            co,
            c("pocketdock.test").as_ptr(),
            c("rust-remote").as_ptr(),
            ptr::null_mut()
        ),
        pd_status::PD_OK
    );
    let mut container = ptr::null_mut();
    let mut err = ptr::null_mut();
    let st = pd_container_create(client, co, &mut container, &mut err);
    pd_container_opts_free(co);
    assert_eq!(
        st,
        pd_status::PD_OK,
        "{}",
        if err.is_null() {
            String::new()
        } else {
            message(err)
        }
    );
    let name = unsafe { CStr::from_ptr(pd_container_name(container)) }
        .to_str()
        .unwrap()
        .to_owned();
    let mut res = ptr::null_mut();
    let st = pd_run(
        container,
        c("echo over tls").as_ptr(),
        ptr::null(),
        &mut res,
        ptr::null_mut(),
    );
    let out = if st == pd_status::PD_OK {
        let text = pd_exec_result_stdout_text(res);
        let out = unsafe { CStr::from_ptr(text) }.to_str().unwrap().to_owned();
        pd_string_free(text);
        pd_exec_result_free(res);
        out
    } else {
        String::new()
    };
    assert_eq!(
        pd_container_shutdown(container, ptr::null_mut()),
        pd_status::PD_OK
    );
    pd_container_free(container);
    pd_client_free(client);
    // Removed through the daemon's own socket too, whatever happened above.
    if let Ok(mut sock) = std::os::unix::net::UnixStream::connect(&s["PD_REMOTE_SOCKET"]) {
        let _ = write!(
            sock,
            "DELETE /v1.41/containers/{name}?force=true HTTP/1.0\r\n\r\n"
        );
        let _ = sock.read_to_end(&mut Vec::new());
    }
    assert_eq!((st, out.as_str()), (pd_status::PD_OK, "over tls\n"));

    let (st, _, m) = open(&s["PD_REMOTE_TLS"], &format!("{certs}/wrong-ca"));
    assert_eq!(st, pd_status::PD_ERR_ENGINE_NOT_FOUND, "{m}");
    assert!(
        m.contains("certificate check failed") && m.contains("wrong-ca/ca.pem"),
        "{m}"
    );
}

#[test]
fn remote_setters_check_their_arguments() {
    let mut err = ptr::null_mut();
    let bad_utf8 = [0xffu8, 0];
    let bad = bad_utf8.as_ptr() as *const std::ffi::c_char;
    assert_eq!(
        pd_client_opts_set_host(ptr::null_mut(), c("tcp://h").as_ptr(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_client_opts_set_tls_dir(ptr::null_mut(), ptr::null(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_client_opts_set_tls_files(
            ptr::null_mut(),
            ptr::null(),
            ptr::null(),
            ptr::null(),
            ptr::null_mut()
        ),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_client_opts_set_ssh_identity(ptr::null_mut(), ptr::null(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_client_opts_set_ssh_known_hosts(ptr::null_mut(), ptr::null(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    let o = pd_client_opts_new();
    for addr in ["gopher://h", "tcp://h:0", "ssh://-oProxyCommand=x"] {
        assert_eq!(
            pd_client_opts_set_host(o, c(addr).as_ptr(), &mut err),
            pd_status::PD_ERR_INVALID_ARGUMENT,
            "{addr}"
        );
        assert!(message(err).contains("engine address"), "{}", message(err));
        pd_error_free(err);
        err = ptr::null_mut();
    }
    assert_eq!(
        pd_client_opts_set_host(o, bad, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_client_opts_set_ssh_identity(o, bad, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    // set_socket stays for sockets; the same address is fine as a host.
    assert_eq!(
        pd_client_opts_set_socket(o, c("tcp://127.0.0.1:1").as_ptr(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_client_opts_set_host(o, c("tcp://127.0.0.1:1").as_ptr(), ptr::null_mut()),
        pd_status::PD_OK
    );
    // A certificate without its key, and TLS for an ssh:// host, are refused.
    assert_eq!(
        pd_client_opts_set_tls_files(
            o,
            c("/ca.pem").as_ptr(),
            c("/cert.pem").as_ptr(),
            ptr::null(),
            &mut err
        ),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    pd_error_free(err);
    assert_eq!(
        pd_client_opts_set_tls_files(
            o,
            c("/ca.pem").as_ptr(),
            ptr::null(),
            ptr::null(),
            ptr::null_mut()
        ),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_client_opts_set_host(o, c("ssh://h").as_ptr(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_client_opts_set_tls_dir(o, ptr::null(), ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_client_opts_set_host(o, c("ssh://h").as_ptr(), ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_client_opts_set_ssh_identity(o, c("/k").as_ptr(), ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_client_opts_set_ssh_known_hosts(o, ptr::null(), ptr::null_mut()),
        pd_status::PD_OK
    );
    // Plain tcp:// off loopback: refused when opening, before anything is dialed.
    assert_eq!(
        pd_client_opts_set_host(o, c("tcp://192.0.2.1:2375").as_ptr(), ptr::null_mut()),
        pd_status::PD_OK
    );
    let mut client = 0x1 as *mut pd_client;
    assert_eq!(
        pd_client_open(o, &mut client, &mut err),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert!(
        message(err).contains("only on loopback"),
        "{}",
        message(err)
    );
    assert_eq!(client as usize, 0x1);
    pd_error_free(err);
    pd_client_opts_free(o);
}
