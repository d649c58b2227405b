//! Files through the C ABI, called directly on the engine named by POCKETDOCK_SOCKET: write,
//! read, push, pull, listings and their bad input.
// Out-params start as the sentinel address 0x1 and are compared with it to prove a failed
// call left them untouched: a deliberate non-pointer, not a dangling one.
#![allow(clippy::manual_dangling_ptr)]

mod support;

use std::ffi::{CStr, CString};
use std::ptr;

use pocketdock_capi::*;

use support::{message, CContainer, HostDir};

fn cs(s: &str) -> CString {
    CString::new(s).unwrap()
}

const SENTINEL: usize = 0x1;

#[test]
fn bad_arguments_are_refused_and_out_params_untouched() {
    let path = cs("/tmp/x");
    let mut err = ptr::null_mut();
    // NULL container, for every entry point.
    let st = pd_file_write(ptr::null_mut(), path.as_ptr(), ptr::null(), 0, &mut err);
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    assert!(
        message(err).contains("pd_container is NULL"),
        "{}",
        message(err)
    );
    pd_error_free(err);
    let mut bytes = SENTINEL as *mut pd_bytes;
    let st = pd_file_read(ptr::null_mut(), path.as_ptr(), &mut bytes, ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    assert_eq!(bytes as usize, SENTINEL, "out-param written on error");
    let mut list = SENTINEL as *mut pd_file_listing;
    let st = pd_file_list(ptr::null_mut(), path.as_ptr(), &mut list, ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    assert_eq!(list as usize, SENTINEL);
    for st in [
        pd_file_push(
            ptr::null_mut(),
            path.as_ptr(),
            path.as_ptr(),
            ptr::null_mut(),
        ),
        pd_file_pull(
            ptr::null_mut(),
            path.as_ptr(),
            path.as_ptr(),
            ptr::null_mut(),
        ),
    ] {
        assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    }
    // A handle of another type is not taken for a container.
    let opts = pd_run_opts_new();
    let mut err = ptr::null_mut();
    let st = pd_file_read(opts.cast(), path.as_ptr(), &mut bytes, &mut err);
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    assert!(
        message(err).contains("not a live pd_container"),
        "{}",
        message(err)
    );
    pd_error_free(err);
    pd_run_opts_free(opts);
    // Accessors and frees accept NULL.
    let mut len = 99usize;
    assert!(pd_bytes_data(ptr::null(), &mut len).is_null());
    assert_eq!(len, 0);
    assert_eq!(pd_bytes_len(ptr::null()), 0);
    pd_bytes_free(ptr::null_mut());
    assert_eq!(pd_file_list_len(ptr::null()), 0);
    assert!(pd_file_list_name(ptr::null(), 0).is_null());
    assert_eq!(
        pd_file_list_kind(ptr::null(), 0),
        pd_file_kind::PD_FILE_KIND_UNKNOWN
    );
    assert_eq!(pd_file_list_size(ptr::null(), 0), 0);
    assert_eq!(pd_file_list_mode(ptr::null(), 0), 0);
    pd_file_list_free(ptr::null_mut());
}

#[test]
fn files_through_the_c_abi_on_a_real_engine() {
    let c = CContainer::new();
    let bad = [0x66u8, 0xff, 0xfe, 0x00];
    let path = cs("/tmp/c-abi/data.bin");
    let data: Vec<u8> = (0..=255u8).collect();
    // Argument checks against a live container: NULL path, bad UTF-8, NULL data with a
    // length, NULL out-params; none of them touches the out-params.
    let mut err = ptr::null_mut();
    let st = pd_file_write(c.c, ptr::null(), data.as_ptr(), 1, &mut err);
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    assert!(message(err).contains("path is NULL"));
    pd_error_free(err);
    let st = pd_file_write(c.c, bad.as_ptr().cast(), data.as_ptr(), 1, ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    let st = pd_file_write(c.c, path.as_ptr(), ptr::null(), 5, ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    let st = pd_file_read(c.c, path.as_ptr(), ptr::null_mut(), ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    let st = pd_file_list(c.c, path.as_ptr(), ptr::null_mut(), ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    let st = pd_file_push(c.c, bad.as_ptr().cast(), path.as_ptr(), ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    let st = pd_file_pull(c.c, path.as_ptr(), ptr::null(), ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);

    // Write, read back, list.
    let st = pd_file_write(
        c.c,
        path.as_ptr(),
        data.as_ptr(),
        data.len(),
        ptr::null_mut(),
    );
    assert_eq!(st, pd_status::PD_OK);
    let mut bytes = ptr::null_mut();
    let st = pd_file_read(c.c, path.as_ptr(), &mut bytes, ptr::null_mut());
    assert_eq!(st, pd_status::PD_OK);
    let mut len = 0usize;
    let p = pd_bytes_data(bytes, &mut len);
    assert_eq!(len, 256);
    assert_eq!(pd_bytes_len(bytes), 256);
    assert_eq!(unsafe { std::slice::from_raw_parts(p, len) }, &data[..]);
    pd_bytes_free(bytes);
    // An empty write is allowed with NULL data.
    let empty = cs("/tmp/c-abi/empty");
    let st = pd_file_write(c.c, empty.as_ptr(), ptr::null(), 0, ptr::null_mut());
    assert_eq!(st, pd_status::PD_OK);

    let dir = cs("/tmp/c-abi");
    let mut list = ptr::null_mut();
    assert_eq!(
        pd_file_list(c.c, dir.as_ptr(), &mut list, ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(pd_file_list_len(list), 2);
    let name = |i| {
        unsafe { CStr::from_ptr(pd_file_list_name(list, i)) }
            .to_str()
            .unwrap()
    };
    assert_eq!((name(0), name(1)), ("data.bin", "empty"));
    assert_eq!(pd_file_list_kind(list, 0), pd_file_kind::PD_FILE_KIND_FILE);
    assert_eq!(pd_file_list_size(list, 0), 256);
    assert_eq!(pd_file_list_mode(list, 0), 0o644);
    // Out of range is a fallback value, not a crash.
    assert!(pd_file_list_name(list, 2).is_null());
    assert_eq!(
        pd_file_list_kind(list, 2),
        pd_file_kind::PD_FILE_KIND_UNKNOWN
    );
    assert_eq!(pd_file_list_size(list, usize::MAX), 0);
    pd_file_list_free(list);

    // Missing paths are PD_ERR_FILE_NOT_FOUND; a directory read is invalid.
    let missing = cs("/tmp/c-abi/missing");
    let mut bytes = SENTINEL as *mut pd_bytes;
    let mut err = ptr::null_mut();
    let st = pd_file_read(c.c, missing.as_ptr(), &mut bytes, &mut err);
    assert_eq!(st, pd_status::PD_ERR_FILE_NOT_FOUND);
    assert_eq!(pd_error_code(err), pd_status::PD_ERR_FILE_NOT_FOUND);
    assert!(
        message(err).contains("/tmp/c-abi/missing"),
        "{}",
        message(err)
    );
    pd_error_free(err);
    assert_eq!(bytes as usize, SENTINEL);
    let st = pd_file_read(c.c, dir.as_ptr(), &mut bytes, ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    let mut list = SENTINEL as *mut pd_file_listing;
    let st = pd_file_list(c.c, missing.as_ptr(), &mut list, ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_FILE_NOT_FOUND);
    assert_eq!(list as usize, SENTINEL);

    // Push and pull.
    let h = HostDir::new("c-abi");
    std::fs::write(h.join("up.txt"), "up").unwrap();
    let src = cs(h.join("up.txt").to_str().unwrap());
    let dest = cs("/tmp/c-abi/pushed/");
    assert_eq!(
        pd_file_push(c.c, src.as_ptr(), dest.as_ptr(), ptr::null_mut()),
        pd_status::PD_OK
    );
    let back = cs(h.join("back").to_str().unwrap());
    assert_eq!(
        pd_file_pull(c.c, dir.as_ptr(), back.as_ptr(), ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(std::fs::read(h.join("back/pushed/up.txt")).unwrap(), b"up");
    assert_eq!(std::fs::read(h.join("back/data.bin")).unwrap(), data);
    let st = pd_file_pull(c.c, missing.as_ptr(), back.as_ptr(), ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_FILE_NOT_FOUND);
    let nowhere = cs(h.join("nowhere").to_str().unwrap());
    let st = pd_file_push(c.c, nowhere.as_ptr(), dest.as_ptr(), ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_FILE_NOT_FOUND);
}
