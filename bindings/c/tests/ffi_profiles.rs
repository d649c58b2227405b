//! The profiles C ABI called directly from Rust: the table's accessors, bad input to every
//! new entry point (never a crash, out-params untouched, the finalizer called exactly once),
//! and one build with progress delivered on the callback thread. The build needs the engine
//! named by POCKETDOCK_SOCKET; everything else runs without one.
// Out-params start as the sentinel address 0x1 and are compared with it to prove a failed
// call left them untouched: a deliberate non-pointer, not a dangling one.
#![allow(clippy::manual_dangling_ptr)]

use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use pocketdock_capi::*;

/// A client on the engine named by POCKETDOCK_SOCKET, or NULL without one (then only the
/// NULL-client checks are meaningful).
fn client_or_null() -> *mut pd_client {
    let Ok(sock) = std::env::var("POCKETDOCK_SOCKET") else {
        return ptr::null_mut();
    };
    let sock = CString::new(sock).unwrap();
    let o = pd_client_opts_new();
    pd_client_opts_set_socket(o, sock.as_ptr(), ptr::null_mut());
    let mut c = ptr::null_mut();
    let st = pd_client_open(o, &mut c, ptr::null_mut());
    pd_client_opts_free(o);
    assert_eq!(st, pd_status::PD_OK);
    c
}

fn s(p: *const c_char) -> String {
    assert!(!p.is_null());
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned()
}

#[test]
fn the_table_is_readable_by_index_and_by_name() {
    assert_eq!(pd_profile_count(), 7);
    for i in 0..pd_profile_count() {
        let name = s(pd_profile_name(i));
        assert_eq!(s(pd_profile_image(i)), format!("pocketdock/{name}"));
        assert!(!s(pd_profile_description(i)).is_empty());
        assert!(s(pd_profile_size(i)).contains("MB") || s(pd_profile_size(i)).contains("GB"));
        let c = CString::new(name.clone()).unwrap();
        let mut idx = usize::MAX;
        assert_eq!(
            pd_profile_resolve(c.as_ptr(), &mut idx, ptr::null_mut()),
            pd_status::PD_OK
        );
        assert_eq!(idx, i);
        let net = matches!(name.as_str(), "dev" | "embedded");
        assert_eq!(pd_profile_network(i), net, "{name}");
    }
    let n = pd_profile_count();
    assert!(pd_profile_name(n).is_null() && pd_profile_image(n).is_null());
    assert!(pd_profile_description(n).is_null() && pd_profile_size(n).is_null());
    assert!(!pd_profile_network(n));
}

#[test]
fn bad_names_and_nulls_are_invalid_arguments() {
    let mut err: *mut pd_error = ptr::null_mut();
    let mut idx = 77usize;
    let gpu = CString::new("gpu").unwrap();
    let st = pd_profile_resolve(gpu.as_ptr(), &mut idx, &mut err);
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    assert_eq!(idx, 77, "out-param untouched");
    assert!(s(pd_error_message(err)).contains("minimal-python"));
    pd_error_free(err);
    let st = pd_profile_resolve(ptr::null(), &mut idx, ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    let bad = [0xffu8, 0xfe, 0];
    let st = pd_profile_resolve(bad.as_ptr().cast(), &mut idx, ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    let dev = CString::new("dev").unwrap();
    let st = pd_profile_resolve(dev.as_ptr(), ptr::null_mut(), ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);

    let opts = pd_container_opts_new();
    assert_eq!(
        pd_container_opts_set_profile(opts, gpu.as_ptr(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_container_opts_set_profile(opts, dev.as_ptr(), ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_container_opts_set_profile(ptr::null_mut(), dev.as_ptr(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    pd_container_opts_free(opts);

    let b = pd_build_opts_new();
    assert!(!b.is_null());
    for st in [
        pd_build_opts_set_base(b, bad.as_ptr().cast(), ptr::null_mut()),
        pd_build_opts_set_tag(ptr::null_mut(), dev.as_ptr(), ptr::null_mut()),
        pd_build_opts_set_context_dir(b, bad.as_ptr().cast(), ptr::null_mut()),
        pd_build_opts_set_no_cache(ptr::null_mut(), true, ptr::null_mut()),
    ] {
        assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    }
    for st in [
        pd_build_opts_set_base(b, ptr::null(), ptr::null_mut()),
        pd_build_opts_set_tag(b, dev.as_ptr(), ptr::null_mut()),
        pd_build_opts_set_context_dir(b, ptr::null(), ptr::null_mut()),
        pd_build_opts_set_no_cache(b, false, ptr::null_mut()),
    ] {
        assert_eq!(st, pd_status::PD_OK);
    }
    pd_build_opts_free(b);
    pd_build_opts_free(ptr::null_mut());

    let client = client_or_null();
    let file = CString::new("/tmp/never.tar").unwrap();
    let mut json: *mut c_char = 0x1 as *mut _;
    let imgs = [ptr::null::<c_char>()];
    let mut exists = false;
    for st in [
        pd_image_export(client, ptr::null(), 1, file.as_ptr(), ptr::null_mut()),
        pd_image_export(client, imgs.as_ptr(), 1, file.as_ptr(), ptr::null_mut()),
        pd_image_export(
            client,
            [dev.as_ptr()].as_ptr(),
            1,
            ptr::null(),
            ptr::null_mut(),
        ),
        pd_image_import(client, ptr::null(), &mut json, ptr::null_mut()),
        pd_image_import(client, bad.as_ptr().cast(), &mut json, ptr::null_mut()),
        pd_image_remove(client, ptr::null(), true, ptr::null_mut()),
        pd_image_exists(client, dev.as_ptr(), ptr::null_mut(), ptr::null_mut()),
        pd_image_exists(ptr::null(), dev.as_ptr(), &mut exists, ptr::null_mut()),
        pd_image_import(ptr::null(), file.as_ptr(), &mut json, ptr::null_mut()),
    ] {
        assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    }
    assert_eq!(json as usize, 0x1, "out-param untouched");
    assert!(!exists, "out-param untouched");
    pd_client_free(client);
}

static LINES: Mutex<Vec<(String, Option<String>)>> = Mutex::new(Vec::new());

/// Finalizer: counts into the test's own counter (user_data), as tests run side by side.
unsafe extern "C" fn count_free(ud: *mut c_void) {
    (*(ud as *const AtomicUsize)).fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn on_line(_ud: *mut c_void, line: *const c_char) {
    let line = CStr::from_ptr(line).to_string_lossy().into_owned();
    let thread = std::thread::current().name().map(str::to_owned);
    LINES.lock().unwrap().push((line, thread));
}

#[test]
fn a_refused_build_still_calls_the_finalizer_once_before_returning() {
    let freed = AtomicUsize::new(0);
    let mut id: *mut c_char = 0x1 as *mut _;
    let client = client_or_null();
    let st = pd_profile_build(
        client,
        ptr::null(),
        ptr::null(),
        Some(on_line),
        &freed as *const AtomicUsize as *mut c_void,
        Some(count_free),
        &mut id,
        ptr::null_mut(),
    );
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    assert_eq!(id as usize, 0x1);
    assert_eq!(freed.load(Ordering::SeqCst), 1);
    pd_client_free(client);
}

#[test]
fn a_build_reports_progress_on_the_callback_thread() {
    let Ok(sock) = std::env::var("POCKETDOCK_SOCKET") else {
        eprintln!("POCKETDOCK_SOCKET not set: skipped");
        return;
    };
    let podman = sock.contains("podman");
    let client = client_or_null();
    let dir = std::env::temp_dir().join(format!("pd-ffi-build-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = if podman {
        "localhost/pocketdock/test-no-shell"
    } else {
        "pocketdock/test-no-shell"
    };
    std::fs::write(dir.join("Dockerfile"), format!("FROM {base}\nLABEL a=b\n")).unwrap();
    let tag = format!("pocketdock-test/ffi-build-{}", std::process::id());
    let tag_c = CString::new(tag.clone()).unwrap();
    let dir_c = CString::new(dir.to_str().unwrap()).unwrap();
    let b = pd_build_opts_new();
    pd_build_opts_set_context_dir(b, dir_c.as_ptr(), ptr::null_mut());
    pd_build_opts_set_tag(b, tag_c.as_ptr(), ptr::null_mut());
    let freed = AtomicUsize::new(0);
    let profile = CString::new("minimal-python").unwrap();
    let mut id: *mut c_char = ptr::null_mut();
    let mut err: *mut pd_error = ptr::null_mut();
    let st = pd_profile_build(
        client,
        profile.as_ptr(),
        b,
        Some(on_line),
        &freed as *const AtomicUsize as *mut c_void,
        Some(count_free),
        &mut id,
        &mut err,
    );
    pd_build_opts_free(b);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        st,
        pd_status::PD_OK,
        "{}",
        if err.is_null() {
            String::new()
        } else {
            s(pd_error_message(err))
        }
    );
    assert!(!s(id).is_empty());
    pd_string_free(id);
    assert_eq!(freed.load(Ordering::SeqCst), 1, "freed by return");
    let lines = LINES.lock().unwrap().clone();
    assert!(!lines.is_empty());
    assert!(lines
        .iter()
        .all(|(_, t)| t.as_deref() == Some("pocketdock-callbacks")));

    let mut exists = false;
    assert_eq!(
        pd_image_exists(client, tag_c.as_ptr(), &mut exists, ptr::null_mut()),
        pd_status::PD_OK
    );
    assert!(exists);
    assert_eq!(
        pd_image_remove(client, tag_c.as_ptr(), true, ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_image_exists(client, tag_c.as_ptr(), &mut exists, ptr::null_mut()),
        pd_status::PD_OK
    );
    assert!(!exists);
    let st = pd_image_remove(client, tag_c.as_ptr(), true, ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_IMAGE_NOT_FOUND);
    pd_client_free(client);
}
