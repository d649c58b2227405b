//! The callback forms of runs and streams through the C ABI (pd_run_async,
//! pd_run_argv_async, pd_stream_set_callbacks), on the engine named by POCKETDOCK_SOCKET:
//! bad input, the finaliser called exactly once on every path, and many slow runs in flight
//! with no thread waiting for them.

mod support;

use std::ffi::{c_void, CStr, CString};
use std::ptr;
use std::sync::mpsc::{channel, Sender};
use std::time::{Duration, Instant};

use pocketdock_capi::*;

use support::{message, CContainer};

fn cs(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// What the callbacks report, sent to the test thread.
#[derive(Debug, PartialEq)]
enum Event {
    Done(pd_status, i32, String),
    Output(i32, Vec<u8>),
    Exit(bool),
    Freed,
}

fn sender(tx: &Sender<Event>) -> *mut c_void {
    Box::into_raw(Box::new(tx.clone())).cast()
}

unsafe fn tx<'a>(ud: *mut c_void) -> &'a Sender<Event> {
    &*ud.cast::<Sender<Event>>()
}

unsafe extern "C" fn on_done(
    ud: *mut c_void,
    status: pd_status,
    r: *const pd_exec_result,
    err: *const pd_error,
) {
    let text = if r.is_null() {
        message(err)
    } else {
        let p = pd_exec_result_stdout_text(r);
        let s = CStr::from_ptr(p).to_string_lossy().into_owned();
        pd_string_free(p);
        s
    };
    let _ = tx(ud).send(Event::Done(status, pd_exec_result_exit_code(r), text));
}

unsafe extern "C" fn on_output(ud: *mut c_void, stream: i32, data: *const u8, len: usize) {
    let bytes = std::slice::from_raw_parts(data, len).to_vec();
    let _ = tx(ud).send(Event::Output(stream, bytes));
}

unsafe extern "C" fn on_exit(ud: *mut c_void, r: *const pd_exec_result) {
    let _ = tx(ud).send(Event::Exit(
        !r.is_null() && pd_exec_result_exit_code(r) == 0,
    ));
}

unsafe extern "C" fn on_free(ud: *mut c_void) {
    let tx = Box::from_raw(ud.cast::<Sender<Event>>());
    let _ = tx.send(Event::Freed);
}

#[test]
fn bad_input_is_refused_and_user_data_is_freed_once() {
    let (t, rx) = channel();
    let cmd = cs("true");
    let mut err = ptr::null_mut();
    let st = pd_run_async(
        ptr::null_mut(),
        cmd.as_ptr(),
        ptr::null(),
        Some(on_done),
        sender(&t),
        Some(on_free),
        &mut err,
    );
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    assert!(message(err).contains("NULL"), "{}", message(err));
    pd_error_free(err);
    let st = pd_run_argv_async(
        ptr::null_mut(),
        ptr::null(),
        0,
        ptr::null(),
        None,
        sender(&t),
        Some(on_free),
        ptr::null_mut(),
    );
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    let st = pd_stream_set_callbacks(
        ptr::null_mut(),
        None,
        None,
        sender(&t),
        Some(on_free),
        ptr::null_mut(),
    );
    assert_eq!(st, pd_status::PD_ERR_INVALID_ARGUMENT);
    for _ in 0..3 {
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(Event::Freed));
    }
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
}

#[test]
fn slow_runs_in_flight_do_not_delay_a_quick_one() {
    let box_ = CContainer::new();
    let (t, rx) = channel();
    let slow = cs("sleep 2; echo slow");
    for _ in 0..16 {
        let st = pd_run_async(
            box_.c,
            slow.as_ptr(),
            ptr::null(),
            Some(on_done),
            sender(&t),
            Some(on_free),
            ptr::null_mut(),
        );
        assert_eq!(st, pd_status::PD_OK);
    }
    // Every call returned at once; an argv run started now ends long before the sleeps.
    let t0 = Instant::now();
    let argv = [cs("echo"), cs("quick")];
    let ptrs: Vec<_> = argv.iter().map(|a| a.as_ptr()).collect();
    let st = pd_run_argv_async(
        box_.c,
        ptrs.as_ptr(),
        2,
        ptr::null(),
        Some(on_done),
        sender(&t),
        Some(on_free),
        ptr::null_mut(),
    );
    assert_eq!(st, pd_status::PD_OK);
    let (mut done, mut freed, mut quick) = (Vec::new(), 0, None);
    while done.len() < 17 || freed < 17 {
        match rx.recv_timeout(Duration::from_secs(60)).expect("callbacks") {
            Event::Done(st, code, text) => {
                if text == "quick\n" {
                    quick = Some(t0.elapsed());
                }
                done.push((st, code, text));
            }
            Event::Freed => freed += 1,
            e => panic!("unexpected {e:?}"),
        }
    }
    let quick = quick.expect("the quick run ended");
    assert!(
        quick < Duration::from_millis(1500),
        "quick run took {quick:?}"
    );
    let slow_ok = done
        .iter()
        .filter(|d| **d == (pd_status::PD_OK, 0, "slow\n".to_string()))
        .count();
    assert_eq!(slow_ok, 16);
}

#[test]
fn a_stream_pushes_its_output_then_its_end() {
    let box_ = CContainer::new();
    let (t, rx) = channel();
    let cmd = cs("echo out; echo err >&2; sleep 0.2; echo more");
    let mut s = ptr::null_mut();
    let mut err = ptr::null_mut();
    let st = pd_run_stream(box_.c, cmd.as_ptr(), ptr::null(), &mut s, &mut err);
    assert_eq!(st, pd_status::PD_OK, "{}", message(err));
    let st = pd_stream_set_callbacks(
        s,
        Some(on_output),
        Some(on_exit),
        sender(&t),
        Some(on_free),
        ptr::null_mut(),
    );
    assert_eq!(st, pd_status::PD_OK);
    // Set twice: refused, and the second user_data is freed too.
    let st = pd_stream_set_callbacks(s, None, None, sender(&t), Some(on_free), &mut err);
    assert_eq!(st, pd_status::PD_ERR_INVALID_STATE);
    pd_error_free(err);
    let (mut out, mut errs, mut exit, mut freed) = (Vec::new(), Vec::new(), None, 0);
    while freed < 2 {
        match rx.recv_timeout(Duration::from_secs(30)).expect("callbacks") {
            Event::Output(1, b) => out.extend(b),
            Event::Output(_, b) => errs.extend(b),
            Event::Exit(ok) => {
                assert!(exit.is_none(), "one exit");
                exit = Some(ok);
            }
            Event::Freed => freed += 1,
            e => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(String::from_utf8_lossy(&out), "out\nmore\n");
    assert_eq!(String::from_utf8_lossy(&errs), "err\n");
    assert_eq!(exit, Some(true));
    let mut r = ptr::null_mut();
    assert_eq!(
        pd_stream_result(s, &mut r, ptr::null_mut()),
        pd_status::PD_OK
    );
    assert_eq!(pd_exec_result_exit_code(r), 0);
    pd_exec_result_free(r);
    let mut chunk = ptr::null_mut();
    assert_eq!(
        pd_stream_next(s, 0, &mut chunk, ptr::null_mut()),
        pd_status::PD_ERR_INVALID_STATE
    );
    pd_stream_free(s);
}
