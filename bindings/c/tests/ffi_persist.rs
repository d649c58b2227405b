//! The persistence entry points of the C ABI called directly: bad input is
//! `PD_ERR_INVALID_ARGUMENT` with out-params untouched, bad handles never crash, and one test
//! on the engine named by `POCKETDOCK_SOCKET` drives persist -> shutdown -> resume -> list ->
//! reboot -> destroy -> prune through the C functions.
// Out-params start as the sentinel address 0x1 and are compared with it to prove a failed
// call left them untouched: a deliberate non-pointer, not a dangling one.
#![allow(clippy::manual_dangling_ptr)]

mod support;

use std::ffi::{c_char, CStr, CString};
use std::ptr;

use pocketdock_capi::*;
use support::*;

const BAD_UTF8: &[u8] = b"pd-\xff\xfe\0";

fn bad_utf8() -> *const c_char {
    BAD_UTF8.as_ptr().cast()
}

fn text(p: *const c_char) -> String {
    assert!(!p.is_null());
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned()
}

#[test]
fn null_and_invalid_utf8_names_are_invalid_arguments() {
    let name = CString::new("pd-x").unwrap();
    let sentinel = 0x1 as *mut pd_container;
    let client = c_client();
    for (socket, n) in [
        (client.cast_const(), ptr::null()),
        (client.cast_const(), bad_utf8()),
        (ptr::null(), name.as_ptr()),
    ] {
        let mut c = sentinel;
        let mut err: *mut pd_error = ptr::null_mut();
        assert_eq!(
            pd_container_resume(socket, n, &mut c, &mut err),
            pd_status::PD_ERR_INVALID_ARGUMENT
        );
        assert_eq!(c, sentinel, "out-param written on error");
        assert_eq!(pd_error_code(err), pd_status::PD_ERR_INVALID_ARGUMENT);
        pd_error_free(err);
        assert_eq!(
            pd_container_stop_by_name(socket, n, ptr::null_mut()),
            pd_status::PD_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            pd_container_destroy(socket, n, ptr::null_mut()),
            pd_status::PD_ERR_INVALID_ARGUMENT
        );
    }
    // NULL out-params.
    assert_eq!(
        pd_container_resume(client, name.as_ptr(), ptr::null_mut(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_container_list(client, ptr::null(), ptr::null_mut(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_prune(client, ptr::null(), ptr::null_mut(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    // Invalid UTF-8 as a project; a NULL client.
    let mut list = 0x1 as *mut pd_container_listing;
    assert_eq!(
        pd_container_list(client, bad_utf8(), &mut list, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(list as usize, 0x1);
    let mut n = 7usize;
    assert_eq!(
        pd_prune(client, bad_utf8(), &mut n, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_prune(ptr::null(), ptr::null(), &mut n, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(n, 7);
    pd_client_free(client);
}

#[test]
fn bad_handles_are_refused_and_listing_accessors_are_safe() {
    let r = CString::new("img:v1").unwrap();
    let mut id: *mut c_char = 0x1 as *mut _;
    assert_eq!(
        pd_container_snapshot(ptr::null_mut(), r.as_ptr(), &mut id, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(id as usize, 0x1);
    assert_eq!(
        pd_container_reboot(ptr::null_mut(), true, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    // A handle of another type is caught by its magic number.
    let opts = pd_container_opts_new();
    let wrong = opts.cast::<pd_container>();
    assert_eq!(
        pd_container_reboot(wrong, false, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    let wrong_list = opts.cast::<pd_container_listing>();
    assert_eq!(pd_container_list_len(wrong_list), 0);
    assert!(pd_container_list_name(wrong_list, 0).is_null());
    pd_container_list_free(wrong_list); // ignored, not freed
    pd_container_opts_free(opts);
    assert_eq!(pd_container_list_len(ptr::null()), 0);
    assert!(pd_container_list_id(ptr::null(), 0).is_null());
    assert!(pd_container_list_image(ptr::null(), 0).is_null());
    assert!(pd_container_list_status(ptr::null(), 0).is_null());
    assert!(pd_container_list_project(ptr::null(), 0).is_null());
    assert!(pd_container_list_created_at(ptr::null(), 0).is_null());
    assert!(!pd_container_list_persist(ptr::null(), 0));
    pd_container_list_free(ptr::null_mut());
}

fn ok(st: pd_status, err: *mut pd_error) {
    if st != pd_status::PD_OK {
        let m = text(pd_error_message(err));
        panic!("{st:?}: {m}");
    }
}

/// The index of `name` in a listing.
fn find(list: *const pd_container_listing, name: &str) -> Option<usize> {
    (0..pd_container_list_len(list)).find(|&i| text(pd_container_list_name(list, i)) == name)
}

#[test]
fn persist_resume_list_reboot_destroy_and_prune_through_the_c_abi() {
    let project = unique_project("ffi");
    let _g = ProjectGuard(project.clone());
    let client = c_client();
    let proj = CString::new(project.clone()).unwrap();
    let mut err: *mut pd_error = ptr::null_mut();
    let o = pd_container_opts_new();
    ok(pd_container_opts_set_persist(o, true, &mut err), err);
    ok(
        pd_container_opts_set_project(o, proj.as_ptr(), &mut err),
        err,
    );
    ok(pd_container_opts_set_agent(o, agent_on(), &mut err), err);
    let (k, v) = (
        CString::new("pocketdock.test").unwrap(),
        CString::new("rust").unwrap(),
    );
    ok(
        pd_container_opts_add_label(o, k.as_ptr(), v.as_ptr(), &mut err),
        err,
    );
    let mut c = ptr::null_mut();
    ok(pd_container_create(client, o, &mut c, &mut err), err);
    pd_container_opts_free(o);
    let name = text(pd_container_name(c));
    let cname = CString::new(name.clone()).unwrap();
    ok(pd_container_shutdown(c, &mut err), err);
    pd_container_free(c);

    let mut list = ptr::null_mut();
    ok(
        pd_container_list(client, proj.as_ptr(), &mut list, &mut err),
        err,
    );
    assert_eq!(pd_container_list_len(list), 1);
    let i = find(list, &name).expect("listed");
    assert_eq!(text(pd_container_list_status(list, i)), "exited");
    assert!(pd_container_list_persist(list, i));
    assert_eq!(text(pd_container_list_project(list, i)), project);
    assert_eq!(
        text(pd_container_list_image(list, i)),
        "pocketdock/minimal-python"
    );
    assert!(text(pd_container_list_created_at(list, i)).ends_with('Z'));
    assert!(
        pd_container_list_name(list, 1).is_null(),
        "index out of range"
    );
    pd_container_list_free(list);

    let mut r = ptr::null_mut();
    ok(
        pd_container_resume(client, cname.as_ptr(), &mut r, &mut err),
        err,
    );
    assert_eq!(inspect(&name).unwrap()["State"]["Running"], true);
    let old_id_ptr = pd_container_id(r);
    let old_id = text(old_id_ptr);
    ok(pd_container_reboot(r, true, &mut err), err);
    let new_id = text(pd_container_id(r));
    assert_ne!(new_id, old_id, "the handle follows a fresh reboot");
    assert_eq!(inspect(&name).unwrap()["Id"], new_id.as_str());
    assert_eq!(
        text(old_id_ptr),
        old_id,
        "an earlier id pointer stays valid"
    );
    let bad = CString::new("Not A Reference").unwrap();
    let mut image: *mut c_char = ptr::null_mut();
    assert_eq!(
        pd_container_snapshot(r, bad.as_ptr(), &mut image, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert!(image.is_null());
    pd_container_free(r);

    ok(
        pd_container_stop_by_name(client, cname.as_ptr(), &mut err),
        err,
    );
    let mut n = 0usize;
    ok(pd_prune(client, proj.as_ptr(), &mut n, &mut err), err);
    assert_eq!(n, 1);
    assert!(inspect(&name).is_none());
    let st = pd_container_destroy(client, cname.as_ptr(), &mut err);
    assert_eq!(st, pd_status::PD_ERR_CONTAINER_NOT_FOUND);
    pd_error_free(err);
    pd_client_free(client);
}
