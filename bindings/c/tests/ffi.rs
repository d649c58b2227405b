//! The C ABI called directly from Rust: bad input never crashes, out-params are untouched on
//! error, statuses and error objects say what went wrong. No engine is needed here except
//! where a test says so; the C suite (bindings/c/tests) covers the happy paths from C.
// Out-params start as the sentinel address 0x1 and are compared with it to prove a failed
// call left them untouched: a deliberate non-pointer, not a dangling one.
#![allow(clippy::manual_dangling_ptr)]

use std::ffi::{CStr, CString};
use std::ptr;

mod support;

use pocketdock_capi::*;
use support::message;

#[test]
fn versions() {
    let v = unsafe { CStr::from_ptr(pd_version()) }.to_str().unwrap();
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
    assert_eq!(pd_abi_version(), PD_ABI_VERSION);
}

#[test]
fn null_handles_and_strings_are_invalid_arguments_with_an_error_object() {
    let mut err: *mut pd_error = ptr::null_mut();
    let mut res: *mut pd_exec_result = 0x1 as *mut _; // sentinel: must stay untouched
    let cmd = CString::new("true").unwrap();
    let st = pd_run(
        ptr::null_mut(),
        cmd.as_ptr(),
        ptr::null(),
        &mut res,
        &mut err,
    );
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    assert_eq!(res as usize, 0x1, "out-param written on error");
    assert_eq!(pd_error_code(err), pd_status::PD_ERR_INVALID_ARGUMENT);
    assert!(
        message(err).contains("pd_container is NULL"),
        "{}",
        message(err)
    );
    assert_eq!(pd_error_engine_status(err), 0);
    pd_error_free(err);

    // Same without an error slot: just the status.
    let st = pd_run(
        ptr::null_mut(),
        ptr::null(),
        ptr::null(),
        ptr::null_mut(),
        ptr::null_mut(),
    );
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);

    let st = pd_container_create(ptr::null(), ptr::null(), ptr::null_mut(), ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    assert_eq!(
        pd_container_shutdown(ptr::null_mut(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
}

#[test]
fn accessors_and_frees_accept_null() {
    pd_error_free(ptr::null_mut());
    pd_string_free(ptr::null_mut());
    pd_container_free(ptr::null_mut());
    pd_container_opts_free(ptr::null_mut());
    pd_run_opts_free(ptr::null_mut());
    pd_exec_result_free(ptr::null_mut());
    assert_eq!(
        pd_error_code(ptr::null()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert!(pd_error_message(ptr::null()).is_null());
    assert!(pd_container_name(ptr::null()).is_null());
    assert!(pd_container_id(ptr::null()).is_null());
    assert_eq!(pd_exec_result_exit_code(ptr::null()), -1);
    let mut len = 99usize;
    assert!(pd_exec_result_stdout(ptr::null(), &mut len).is_null());
    assert_eq!(len, 0);
    assert!(pd_exec_result_stderr(ptr::null(), ptr::null_mut()).is_null());
    assert!(pd_exec_result_stdout_text(ptr::null()).is_null());
    assert!(pd_exec_result_stderr_text(ptr::null()).is_null());
    assert_eq!(pd_exec_result_duration_ms(ptr::null()), 0);
    assert!(!pd_exec_result_timed_out(ptr::null()));
    assert!(!pd_exec_result_truncated(ptr::null()));
}

#[test]
fn invalid_utf8_is_rejected() {
    let o = pd_container_opts_new();
    let bad = [0x66u8, 0xff, 0xfe, 0x00];
    let mut err = ptr::null_mut();
    let st = pd_container_opts_set_image(o, bad.as_ptr().cast(), &mut err);
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    assert!(message(err).contains("UTF-8"));
    pd_error_free(err);
    let r = pd_run_opts_new();
    assert_eq!(
        pd_run_opts_set_lang(r, bad.as_ptr().cast(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    pd_run_opts_free(r);
    pd_container_opts_free(o);
}

#[test]
fn wrong_handle_type_is_detected() {
    let r = pd_run_opts_new();
    let mut err = ptr::null_mut();
    // A run-options handle passed where a container is expected.
    let st = pd_container_shutdown(r.cast(), &mut err);
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    assert!(
        message(err).contains("not a live pd_container"),
        "{}",
        message(err)
    );
    pd_error_free(err);
    // Freeing it through the wrong destructor is ignored, not a crash.
    pd_container_free(r.cast());
    pd_run_opts_free(r);
}

#[test]
fn timeouts_follow_the_one_rule_and_langs_are_known() {
    let r = pd_run_opts_new();
    let o = pd_container_opts_new();
    // A limit a command runs under cannot be "do not wait"...
    assert_eq!(
        pd_run_opts_set_timeout_ms(r, 0, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_container_opts_set_timeout_ms(o, 0, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    // ...and any negative value is "no limit".
    for none in [PD_NO_TIMEOUT, -5000, i64::MIN] {
        assert_eq!(
            pd_run_opts_set_timeout_ms(r, none, ptr::null_mut()),
            pd_status::PD_OK
        );
        assert_eq!(
            pd_container_opts_set_timeout_ms(o, none, ptr::null_mut()),
            pd_status::PD_OK
        );
    }
    assert_eq!(
        pd_run_opts_set_timeout_ms(r, 1500, ptr::null_mut()),
        pd_status::PD_OK
    );
    let cobol = CString::new("cobol").unwrap();
    let mut err = ptr::null_mut();
    assert_eq!(
        pd_run_opts_set_lang(r, cobol.as_ptr(), &mut err),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert!(message(err).contains("cobol"));
    pd_error_free(err);
    for ok in ["sh", "bash", "python", "node"] {
        let l = CString::new(ok).unwrap();
        assert_eq!(
            pd_run_opts_set_lang(r, l.as_ptr(), ptr::null_mut()),
            pd_status::PD_OK
        );
    }
    pd_run_opts_free(r);
    pd_container_opts_free(o);
}

#[test]
fn an_explicit_socket_that_does_not_answer_is_named_and_never_replaced() {
    let o = pd_client_opts_new();
    let sock = CString::new("unix:///nonexistent/engine.sock").unwrap();
    assert_eq!(
        pd_client_opts_set_socket(o, sock.as_ptr(), ptr::null_mut()),
        pd_status::PD_OK
    );
    let mut client: *mut pd_client = 0x1 as *mut _;
    let mut err = ptr::null_mut();
    let st = pd_client_open(o, &mut client, &mut err);
    assert_eq!(st, pd_status::PD_ERR_ENGINE_NOT_FOUND, "{}", message(err));
    let m = message(err);
    assert!(
        m.contains("/nonexistent/engine.sock (no such socket)"),
        "{m}"
    );
    // Engines do run on this machine: none of them was silently used instead.
    assert!(
        !m.contains("podman.sock") && !m.contains("docker.sock"),
        "{m}"
    );
    assert_eq!(client as usize, 0x1, "out-param written on error");
    pd_error_free(err);
    pd_client_opts_free(o);
}

#[test]
fn client_options_check_their_input() {
    let o = pd_client_opts_new();
    let mut err = ptr::null_mut();
    for bad in ["tcp://127.0.0.1:2375", "", "unix://"] {
        let s = CString::new(bad).unwrap();
        let st = pd_client_opts_set_socket(o, s.as_ptr(), &mut err);
        assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT, "{bad}");
        pd_error_free(std::mem::replace(&mut err, ptr::null_mut()));
    }
    assert_eq!(
        pd_client_opts_set_socket(o, bad_utf8().as_ptr().cast(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_client_opts_set_socket(o, ptr::null(), ptr::null_mut()),
        pd_status::PD_OK,
        "NULL restores discovery"
    );
    assert_eq!(
        pd_client_opts_set_connect_timeout_ms(o, 0, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    for ok in [1, 500, PD_NO_TIMEOUT, i64::MIN] {
        assert_eq!(
            pd_client_opts_set_connect_timeout_ms(o, ok, ptr::null_mut()),
            pd_status::PD_OK
        );
    }
    assert_eq!(
        pd_client_opts_set_socket(ptr::null_mut(), ptr::null(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    let missing = CString::new("/nonexistent/project").unwrap();
    assert_eq!(
        pd_client_opts_set_project_dir(o, missing.as_ptr(), ptr::null_mut()),
        pd_status::PD_ERR_FILE_NOT_FOUND
    );
    pd_client_opts_free(o);
    pd_client_opts_free(ptr::null_mut());
    pd_client_free(ptr::null_mut());
    // A handle of another type is refused, not used.
    let wrong = pd_run_opts_new();
    let mut info = std::mem::MaybeUninit::<pd_engine_info>::uninit();
    assert_eq!(
        pd_client_engine_info(wrong.cast(), info.as_mut_ptr(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    let mut c = ptr::null_mut();
    assert_eq!(
        pd_container_create(wrong.cast(), ptr::null(), &mut c, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    pd_client_free(wrong.cast()); // ignored: not a client
    pd_run_opts_free(wrong);
    assert_eq!(
        pd_client_open(ptr::null(), ptr::null_mut(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
}

fn bad_utf8() -> &'static [u8] {
    b"/tmp/\xff\xfe.sock\0"
}

#[test]
fn log_levels_outside_the_enum_are_refused_and_the_finaliser_still_runs() {
    static LOG_FREED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    unsafe extern "C" fn count(_: *mut std::ffi::c_void) {
        LOG_FREED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    let st = pd_set_log_callback(9, None, ptr::null_mut(), Some(count), ptr::null_mut());
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    for _ in 0..200 {
        if LOG_FREED.load(std::sync::atomic::Ordering::SeqCst) == 1 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("free_user_data was not called");
}

#[test]
fn blocking_call_from_a_runtime_thread_is_invalid_state() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let st = rt.block_on(async {
        let mut c = ptr::null_mut();
        pd_client_open(ptr::null(), &mut c, ptr::null_mut())
    });
    assert_eq!(st, pd_status::PD_ERR_INVALID_STATE);
}

#[test]
fn argv_and_run_option_setters_check_their_input() {
    let mut err = ptr::null_mut();
    let mut res: *mut pd_exec_result = ptr::null_mut();
    // NULL container comes first.
    let st = pd_run_argv(
        ptr::null_mut(),
        ptr::null(),
        0,
        ptr::null(),
        &mut res,
        &mut err,
    );
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    pd_error_free(err);

    let r = pd_run_opts_new();
    let k = CString::new("K").unwrap();
    assert_eq!(
        pd_run_opts_add_env(r, k.as_ptr(), k.as_ptr(), ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_run_opts_add_env(r, ptr::null(), k.as_ptr(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    // NULL data with a length is refused; NULL with 0 clears.
    assert_eq!(
        pd_run_opts_set_stdin(r, ptr::null(), 5, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_run_opts_set_stdin(r, ptr::null(), 0, ptr::null_mut()),
        pd_status::PD_OK
    );
    let data = b"abc";
    assert_eq!(
        pd_run_opts_set_stdin(r, data.as_ptr(), 3, ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_run_opts_set_user(r, ptr::null(), ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_run_opts_set_workdir(r, ptr::null(), ptr::null_mut()),
        pd_status::PD_OK
    );
    let bad = [0xffu8, 0];
    assert_eq!(
        pd_run_opts_set_user(r, bad.as_ptr().cast(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    pd_run_opts_free(r);

    let o = pd_container_opts_new();
    assert_eq!(
        pd_container_opts_set_agent(o, false, ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_container_opts_set_read_only(o, true, ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_container_opts_set_agent(ptr::null_mut(), true, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    pd_container_opts_free(o);
    assert!(!pd_container_uses_agent(ptr::null()));
    assert_eq!(pd_exec_result_signal(ptr::null()), 0);
    assert!(!pd_exec_result_oom_killed(ptr::null()));
    assert_eq!(pd_exec_result_cpu_user_us(ptr::null()), -1);
    assert_eq!(pd_exec_result_cpu_sys_us(ptr::null()), -1);
    assert_eq!(pd_exec_result_peak_rss_bytes(ptr::null()), -1);
}

#[test]
fn stream_and_process_entry_points_survive_bad_handles() {
    let mut err = ptr::null_mut();
    let mut chunk: *mut pd_chunk = 0x1 as *mut _;
    assert_eq!(
        pd_stream_next(ptr::null_mut(), 0, &mut chunk, &mut err),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(chunk as usize, 0x1);
    pd_error_free(err);
    pd_stream_cancel(ptr::null_mut());
    pd_stream_free(ptr::null_mut());
    pd_chunk_free(ptr::null_mut());
    assert_eq!(pd_chunk_stream(ptr::null()), 0);
    let mut len = 7usize;
    assert!(pd_chunk_data(ptr::null(), &mut len).is_null());
    assert_eq!(len, 0);
    let mut r = ptr::null_mut();
    assert_eq!(
        pd_stream_result(ptr::null_mut(), &mut r, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );

    let mut running = true;
    assert_eq!(
        pd_process_is_running(ptr::null_mut(), &mut running, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert!(running, "untouched on error");
    assert_eq!(
        pd_process_kill(ptr::null_mut(), 9, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_process_wait(ptr::null_mut(), -1, &mut r, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    let mut out = ptr::null_mut();
    assert_eq!(
        pd_process_read(ptr::null_mut(), &mut out, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_process_peek(ptr::null_mut(), &mut out, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(pd_process_id(ptr::null()), 0);
    assert!(!pd_process_buffer_overflow(ptr::null()));
    assert_eq!(pd_process_buffer_size(ptr::null()), 0);
    pd_process_free(ptr::null_mut());
    pd_output_free(ptr::null_mut());
    assert!(pd_output_stdout(ptr::null(), ptr::null_mut()).is_null());
    assert!(pd_output_stderr(ptr::null(), ptr::null_mut()).is_null());
    assert_eq!(pd_process_list_len(ptr::null()), 0);
    assert_eq!(pd_process_list_exit_code(ptr::null(), 0), -1);
    assert!(!pd_process_list_running(ptr::null(), 0));
    assert_eq!(pd_process_list_id(ptr::null(), 0), 0);
    assert_eq!(pd_process_list_pid(ptr::null(), 0), 0);
    pd_process_list_free(ptr::null_mut());
    let r_opts = pd_run_opts_new();
    assert_eq!(
        pd_run_opts_set_buffer_size(r_opts, 1, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_run_opts_set_buffer_size(r_opts, 4096, ptr::null_mut()),
        pd_status::PD_OK
    );
    pd_run_opts_free(r_opts);
    let mut c = ptr::null_mut();
    assert_eq!(
        pd_container_open(ptr::null(), ptr::null(), &mut c, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
}

static FREED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

unsafe extern "C" fn count_free(_: *mut std::ffi::c_void) {
    FREED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

#[test]
fn callback_user_data_is_freed_exactly_once_even_on_bad_handles() {
    let st = pd_process_set_callbacks(
        ptr::null_mut(),
        None,
        None,
        ptr::null_mut(),
        Some(count_free),
        ptr::null_mut(),
    );
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    for _ in 0..100 {
        if FREED.load(std::sync::atomic::Ordering::SeqCst) == 1 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(FREED.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn info_and_hardening_setters_check_their_input() {
    let mut json: *mut std::ffi::c_char = 0x1 as *mut _;
    assert_eq!(
        pd_container_info_json(ptr::null_mut(), &mut json, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(json as usize, 0x1);
    let o = pd_container_opts_new();
    assert_eq!(
        pd_container_opts_use_strict(o, ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(
        pd_container_opts_set_pids_limit(o, -3, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_container_opts_add_tmpfs(o, ptr::null(), ptr::null(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        pd_container_opts_use_strict(ptr::null_mut(), ptr::null_mut()),
        pd_status::PD_ERR_INVALID_ARGUMENT
    );
    pd_container_opts_free(o);
}
