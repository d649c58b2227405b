//! What C, Go and Node users get: the core through the C ABI (the `pd_*` functions the
//! shared library exports), next to raw HTTP requests on the same socket in the same run.
//!
//! - create+start with an open `pd_client` (ABI 2) vs the raw floor, and vs what ABI 1 did
//!   (connect, i.e. discover and ask `/version`, on every create);
//! - `pd_run("echo hello")` through the agent vs a raw engine exec.
//!
//! Run with (both engines started by scripts/engine-up):
//!
//! ```text
//! cargo bench -p pocketdock-capi --bench capi
//! POCKETDOCK_TEST_SOCKETS=/run/podman/podman.sock BENCH_N=30 cargo bench -p pocketdock-capi --bench capi
//! ```

#[path = "../../../benches/common/raw_http.rs"]
mod raw_http;
#[path = "../../../benches/common/settings.rs"]
mod settings;
mod support;

use std::ffi::CString;
use std::path::Path;
use std::ptr;
use std::time::{Duration, Instant};

use pocketdock_capi::*;
use support::{check, create, engine_of, open, remove};

const LABEL: &str = "pocketdock.bench";

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn row(op: &str, lib: Vec<Duration>, base_name: &str, base: Vec<Duration>) {
    let (l, b) = (median(lib), median(base));
    println!(
        "  {op:<34} {l:>8.2} ms   {base_name:<22} {b:>8.2} ms   ratio {:.3}",
        l / b
    );
}

fn bench_engine(socket: &str, n: usize) {
    let sock = CString::new(socket).unwrap();
    let path = Path::new(socket);
    let client = open(&sock);
    println!("{} on {socket} ({n} iterations)", engine_of(client));

    let (k, v) = (CString::new(LABEL).unwrap(), CString::new("bench").unwrap());
    let opts_for = |agent: bool| {
        let o = pd_container_opts_new();
        pd_container_opts_add_label(o, k.as_ptr(), v.as_ptr(), ptr::null_mut());
        pd_container_opts_set_agent(o, agent, ptr::null_mut());
        // The raw floor gets the engine's default network: so must the library's sandbox.
        pd_container_opts_set_network(o, true, ptr::null_mut());
        o
    };
    let (exec_opts, agent_opts) = (opts_for(false), opts_for(true));
    let image = "pocketdock/minimal-python";

    let (mut held, mut per_call, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    let mut agent_create = Vec::new();
    for _ in 0..n {
        // Interleaved, so drift in the engine hits every variant alike.
        let t = Instant::now();
        let c = create(client, exec_opts);
        held.push(t.elapsed());
        remove(c);

        let t = Instant::now();
        let fresh = open(&sock);
        let c = create(fresh, exec_opts);
        per_call.push(t.elapsed());
        pd_client_free(fresh);
        remove(c);

        let t = Instant::now();
        let id = raw_http::create(path, image, LABEL);
        raw.push(t.elapsed());
        raw_http::force_remove(path, &id);

        let t = Instant::now();
        let c = create(client, agent_opts);
        agent_create.push(t.elapsed());
        remove(c);
    }
    row(
        "create+start, open client",
        held.clone(),
        "raw create+start",
        raw.clone(),
    );
    row(
        "create+start, connect each (ABI 1)",
        per_call,
        "raw create+start",
        raw.clone(),
    );
    row(
        "create+start with the agent",
        agent_create,
        "raw create+start",
        raw,
    );

    // Blocking runs: the agent through pd_run vs the engine's own exec, raw. Each in a loop
    // of its own: an engine exec leaves the engine busy cleaning up for a while, and a run
    // right after one would measure that, not the library.
    let c = create(client, agent_opts);
    let id = raw_http::create(path, image, LABEL);
    let cmd = CString::new("echo hello").unwrap();
    let (mut lib_run, mut raw_run) = (Vec::new(), Vec::new());
    for _ in 0..(n * 20) {
        let t = Instant::now();
        let (mut r, mut err) = (ptr::null_mut(), ptr::null_mut());
        check(
            pd_run(c, cmd.as_ptr(), ptr::null(), &mut r, &mut err),
            err,
            "run",
        );
        lib_run.push(t.elapsed());
        assert_eq!(pd_exec_result_exit_code(r), 0);
        pd_exec_result_free(r);
    }
    for _ in 0..(n * 5) {
        let t = Instant::now();
        let out = raw_http::exec(path, &id, &["sh", "-c", "echo hello"]);
        raw_run.push(t.elapsed());
        assert!(out.ends_with(b"hello\n"));
    }
    row(
        "pd_run echo hello (agent)",
        lib_run,
        "raw engine exec",
        raw_run,
    );
    remove(c);
    raw_http::force_remove(path, &id);
    pd_container_opts_free(exec_opts);
    pd_container_opts_free(agent_opts);
    pd_client_free(client);
}

fn main() {
    let n = settings::count("BENCH_N", 20);
    for s in settings::sockets() {
        bench_engine(&s, n);
    }
}
