//! The project entry points of the C ABI with bad and good input: NULL, invalid UTF-8, no
//! project; out-params untouched on error, owned strings that round-trip. No engine needed.
// Out-params start as the sentinel address 0x1 and are compared with it to prove a failed
// call left them untouched: a deliberate non-pointer, not a dangling one.
#![allow(clippy::manual_dangling_ptr)]

use std::ffi::{c_char, CStr, CString};
use std::ptr;

use pocketdock_capi::*;

const SENTINEL: *mut c_char = 0x1 as *mut c_char;

fn owned(s: *mut c_char) -> String {
    assert!(!s.is_null());
    let v = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned();
    pd_string_free(s);
    v
}

fn temp(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pd-ffi-proj-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn null_and_bad_utf8_are_invalid_arguments_and_outs_stay_untouched() {
    let bad = [0xffu8, 0xfe, 0];
    let bad = bad.as_ptr() as *const c_char;
    let ok = CString::new("/tmp").unwrap();
    let mut out = SENTINEL;
    let mut err: *mut pd_error = ptr::null_mut();
    let calls: Vec<Box<dyn Fn(*mut *mut c_char, *mut *mut pd_error) -> pd_status>> = vec![
        Box::new(|o, e| pd_project_init(ptr::null(), ptr::null(), o, e)),
        Box::new(move |o, e| pd_project_init(bad, ptr::null(), o, e)),
        Box::new(|o, e| pd_project_find_root(ptr::null(), o, e)),
        Box::new(move |o, e| pd_project_find_root(bad, o, e)),
        Box::new(|o, e| pd_project_config_json(ptr::null(), o, e)),
        Box::new(|o, e| pd_project_history_json(ptr::null(), ptr::null(), o, e)),
        Box::new(|o, e| pd_container_instance_dir(ptr::null(), o, e)),
        Box::new(|o, e| pd_doctor(ptr::null(), ptr::null(), false, o, e)),
    ];
    for (i, call) in calls.iter().enumerate() {
        let st = call(&mut out, &mut err);
        assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT, "call {i}");
        assert_eq!(out, SENTINEL, "call {i} wrote its out-param on error");
        assert_eq!(pd_error_code(err), pd_status::PD_ERR_INVALID_ARGUMENT);
        pd_error_free(err);
        err = ptr::null_mut();
    }
    // A NULL out-param is an invalid argument too.
    let st = pd_project_find_root(ok.as_ptr(), ptr::null_mut(), ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    let opts = pd_container_opts_new();
    let st = pd_container_opts_set_project_dir(opts, ptr::null(), ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    let st = pd_container_opts_set_project_dir(ptr::null_mut(), ok.as_ptr(), ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    let opts = pd_container_opts_new();
    assert_eq!(
        pd_container_opts_set_ttl_ms(opts, -1, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_container_opts_set_ttl_ms(opts, 0, ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_container_opts_set_ttl_ms(ptr::null_mut(), 5, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    pd_container_opts_free(opts);
}

#[test]
fn init_find_config_and_history_round_trip() {
    let dir = temp("rt");
    let cdir = CString::new(dir.to_str().unwrap()).unwrap();
    let mut out = SENTINEL;
    // No project yet: FILE_NOT_FOUND everywhere, out untouched.
    assert_eq!(
        pd_project_find_root(cdir.as_ptr(), &mut out, ptr::null_mut()),
        pd_status::PD_ERR_FILE_NOT_FOUND
    );
    assert_eq!(
        pd_project_config_json(cdir.as_ptr(), &mut out, ptr::null_mut()),
        pd_status::PD_ERR_FILE_NOT_FOUND
    );
    let opts = pd_container_opts_new();
    assert_eq!(
        pd_container_opts_set_project_dir(opts, cdir.as_ptr(), ptr::null_mut()),
        pd_status::PD_ERR_FILE_NOT_FOUND
    );
    assert_eq!(out, SENTINEL);

    let name = CString::new("ffi \"proj\" ü").unwrap();
    assert_eq!(
        pd_project_init(cdir.as_ptr(), name.as_ptr(), &mut out, ptr::null_mut()),
        pd_status::PD_OK
    );
    let root = owned(out);
    assert_eq!(std::path::Path::new(&root), dir.canonicalize().unwrap());
    let sub = dir.join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    let csub = CString::new(sub.to_str().unwrap()).unwrap();
    assert_eq!(
        pd_project_find_root(csub.as_ptr(), &mut out, ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(owned(out), root);
    assert_eq!(
        pd_project_config_json(csub.as_ptr(), &mut out, ptr::null_mut()),
        pd_status::PD_OK
    );
    let cfg: serde_json::Value = serde_json::from_str(&owned(out)).unwrap();
    assert_eq!(cfg["project_name"], "ffi \"proj\" ü");
    assert_eq!(cfg["logging"]["max_run_logs"], 100);
    assert_eq!(
        pd_container_opts_set_project_dir(opts, csub.as_ptr(), ptr::null_mut()),
        pd_status::PD_OK
    );
    pd_container_opts_free(opts);

    // History of an instance that does not exist; a name that is no instance name.
    let inst = CString::new("pd-none").unwrap();
    assert_eq!(
        pd_project_history_json(cdir.as_ptr(), inst.as_ptr(), &mut out, ptr::null_mut()),
        pd_status::PD_ERR_FILE_NOT_FOUND
    );
    let escape = CString::new("../..").unwrap();
    assert_eq!(
        pd_project_history_json(cdir.as_ptr(), escape.as_ptr(), &mut out, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    std::fs::create_dir_all(dir.join(".pocketdock/instances/pd-none")).unwrap();
    assert_eq!(
        pd_project_history_json(cdir.as_ptr(), inst.as_ptr(), &mut out, ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(owned(out), "[]");

    // A malformed config is an invalid argument naming the line.
    std::fs::write(dir.join(".pocketdock/pocketdock.yaml"), "bogus: 1\n").unwrap();
    let mut err: *mut pd_error = ptr::null_mut();
    assert_eq!(
        pd_project_config_json(cdir.as_ptr(), &mut out, &mut err),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    let msg = unsafe { CStr::from_ptr(pd_error_message(err)) }
        .to_string_lossy()
        .into_owned();
    assert!(msg.contains("pocketdock.yaml:1: unknown key"), "{msg}");
    pd_error_free(err);
    std::fs::remove_dir_all(&dir).unwrap();
}
