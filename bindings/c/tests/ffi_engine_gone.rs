//! A client whose engine goes away: every call fails at once with an error that names the
//! socket, nothing hangs, and handles stay safe to free. The engine is real (the one named by
//! POCKETDOCK_SOCKET); it is reached through a relay socket this test owns, so "going away"
//! is the relay closing, without stopping the engine other tests use.

mod support;

use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr;
use std::time::{Duration, Instant};

use pocketdock_capi::*;
use support::{agent_on, force_remove, message, socket, TEST_LABEL};
use tokio::net::{UnixListener, UnixStream};

/// Relays every connection on `front` to the engine; aborting the task closes them all.
fn relay(
    rt: &tokio::runtime::Runtime,
    front: &Path,
    engine: PathBuf,
) -> tokio::task::JoinHandle<()> {
    let listener = rt.block_on(async { UnixListener::bind(front) }).unwrap();
    rt.spawn(async move {
        let mut conns = tokio::task::JoinSet::new();
        while let Ok((mut a, _)) = listener.accept().await {
            let engine = engine.clone();
            conns.spawn(async move {
                if let Ok(mut b) = UnixStream::connect(&engine).await {
                    let _ = tokio::io::copy_bidirectional(&mut a, &mut b).await;
                }
            });
        }
    })
}

#[test]
fn calls_on_a_client_whose_engine_went_away_fail_fast_and_name_it() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("pd-gone-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let front = dir.join("engine.sock");
    let task = relay(&rt, &front, socket());

    let sock = CString::new(front.to_str().unwrap()).unwrap();
    let o = pd_client_opts_new();
    pd_client_opts_set_socket(o, sock.as_ptr(), ptr::null_mut());
    let mut client = ptr::null_mut();
    let mut err = ptr::null_mut();
    assert_eq!(pd_client_open(o, &mut client, &mut err), pd_status::PD_OK);
    pd_client_opts_free(o);

    let copts = pd_container_opts_new();
    let (k, v) = (
        CString::new(TEST_LABEL.0).unwrap(),
        CString::new(TEST_LABEL.1).unwrap(),
    );
    pd_container_opts_add_label(copts, k.as_ptr(), v.as_ptr(), ptr::null_mut());
    pd_container_opts_set_agent(copts, agent_on(), ptr::null_mut());
    let mut c = ptr::null_mut();
    let st = pd_container_create(client, copts, &mut c, &mut err);
    pd_container_opts_free(copts);
    assert_eq!(st, pd_status::PD_OK, "{}", message(err));
    let name = unsafe { CStr::from_ptr(pd_container_name(c)) }
        .to_string_lossy()
        .into_owned();
    let _cleanup = Removed(name);

    // The engine goes away: the relay stops, its connections close, its socket is removed.
    task.abort();
    let _ = rt.block_on(task);
    std::fs::remove_file(&front).unwrap();

    let mut list = ptr::null_mut();
    let started = Instant::now();
    let st = pd_container_list(client, ptr::null(), &mut list, &mut err);
    let took = started.elapsed();
    let m = message(err);
    pd_error_free(std::mem::replace(&mut err, ptr::null_mut()));
    eprintln!("list after the engine went away: {st:?}: {m}");
    assert_ne!(st, pd_status::PD_OK);
    assert!(list.is_null());
    assert!(
        m.contains(front.to_str().unwrap()),
        "the error names the socket: {m}"
    );
    assert!(took < Duration::from_secs(5), "list took {took:?}");

    // A run in the container made from it fails fast too (the agent channel went with it).
    let cmd = CString::new("true").unwrap();
    let mut res = ptr::null_mut();
    let started = Instant::now();
    let st = pd_run(c, cmd.as_ptr(), ptr::null(), &mut res, &mut err);
    let took = started.elapsed();
    eprintln!("run after the engine went away: {st:?}: {}", message(err));
    assert_ne!(
        st,
        pd_status::PD_OK,
        "a run through a vanished engine succeeded"
    );
    assert!(res.is_null());
    pd_error_free(err);
    assert!(took < Duration::from_secs(5), "run took {took:?}");

    pd_container_free(c);
    pd_client_free(client);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Removes the container (raw request, not the library) even when an assertion fails.
struct Removed(String);

impl Drop for Removed {
    fn drop(&mut self) {
        force_remove(&self.0);
    }
}
