//! Run latency on a remote engine, through the C ABI: `pd_run("echo hello")` (the agent
//! path) on ONE daemon, scripts/remote-up's second dockerd, reached four ways in the same
//! run: its local Unix socket (the baseline), plain TCP on loopback, TCP+TLS with client
//! certificates, and ssh:// (a forwarded socket). Also each client's open (connect, TLS
//! handshake or ssh login, `/_ping`, `/version`) and a create+start, each against the socket.
//!
//! ```text
//! scripts/remote-up
//! cargo bench -p pocketdock-capi --bench remote            # BENCH_N=200 by default
//! ```
//! The figures are loopback: they show what TLS and ssh framing add per run, not a network.

mod support;

use std::collections::HashMap;
use std::ffi::CString;
use std::ptr;
use std::time::{Duration, Instant};

use pocketdock_capi::*;
use support::{check, create, engine_of, remove};

fn settings() -> HashMap<String, String> {
    let path = std::env::var("POCKETDOCK_TEST_REMOTE")
        .unwrap_or_else(|_| "/run/pocketdock-remote/env".into());
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/remote-up first)"));
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn cs(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn open(host: &str, setters: &[(&str, &str)]) -> *mut pd_client {
    let o = pd_client_opts_new();
    let mut err = ptr::null_mut();
    check(
        pd_client_opts_set_host(o, cs(host).as_ptr(), &mut err),
        err,
        "host",
    );
    for (what, value) in setters {
        let v = cs(value);
        let st = match *what {
            "tls_dir" => pd_client_opts_set_tls_dir(o, v.as_ptr(), &mut err),
            "ssh_identity" => pd_client_opts_set_ssh_identity(o, v.as_ptr(), &mut err),
            "ssh_known_hosts" => pd_client_opts_set_ssh_known_hosts(o, v.as_ptr(), &mut err),
            _ => unreachable!(),
        };
        check(st, err, what);
    }
    let mut c = ptr::null_mut();
    check(pd_client_open(o, &mut c, &mut err), err, "open");
    pd_client_opts_free(o);
    c
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(v[v.len() / 2]),
        ms(v[(v.len() * 95 / 100).min(v.len() - 1)]),
    )
}

struct Figures {
    open: Duration,
    create: Duration,
    run: (f64, f64),
}

fn measure(host: &str, setters: &[(&str, &str)], n: usize) -> Figures {
    let started = Instant::now();
    let client = open(host, setters);
    let open_took = started.elapsed();
    let o = pd_container_opts_new();
    pd_container_opts_add_label(
        o,
        cs("pocketdock.bench").as_ptr(),
        cs("remote").as_ptr(),
        ptr::null_mut(),
    );
    let started = Instant::now();
    let c = create(client, o);
    let create_took = started.elapsed();
    pd_container_opts_free(o);
    let cmd = cs("echo hello");
    let mut times = Vec::with_capacity(n);
    for i in 0..n + 5 {
        let (mut res, mut err) = (ptr::null_mut(), ptr::null_mut());
        let t = Instant::now();
        check(
            pd_run(c, cmd.as_ptr(), ptr::null(), &mut res, &mut err),
            err,
            "run",
        );
        let took = t.elapsed();
        assert_eq!(pd_exec_result_exit_code(res), 0);
        pd_exec_result_free(res);
        // The first runs open the agent channel: warm-up, not counted.
        if i >= 5 {
            times.push(took);
        }
    }
    remove(c);
    pd_client_free(client);
    Figures {
        open: open_took,
        create: create_took,
        run: stats(times),
    }
}

/// A way to the daemon: its name, the address, and the option setters it needs.
type Way<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

fn main() {
    let s = settings();
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let good = format!("{}/good", s["PD_REMOTE_CERTS"]);
    let ssh = [
        ("ssh_identity", s["PD_REMOTE_SSH_KEY"].as_str()),
        ("ssh_known_hosts", s["PD_REMOTE_SSH_KNOWN_HOSTS"].as_str()),
    ];
    let ways: [Way; 4] = [
        ("unix socket (baseline)", &s["PD_REMOTE_SOCKET"], vec![]),
        ("tcp, plain (loopback)", &s["PD_REMOTE_PLAIN"], vec![]),
        (
            "tcp + TLS",
            &s["PD_REMOTE_TLS"],
            vec![("tls_dir", good.as_str())],
        ),
        (
            "ssh:// (forwarded socket)",
            &s["PD_REMOTE_SSH"],
            ssh.to_vec(),
        ),
    ];
    let probe = open(&s["PD_REMOTE_SOCKET"], &[]);
    println!(
        "remote engine: {} reached four ways; pd_run(\"echo hello\") through the agent, {n} runs each",
        engine_of(probe)
    );
    pd_client_free(probe);
    println!(
        "  {:<27} {:>9} {:>9} {:>9} {:>13} {:>12}",
        "", "run p50", "run p95", "ratio", "open client", "create+start"
    );
    let mut base = None;
    for (name, host, setters) in ways {
        let f = measure(host, &setters, n);
        let b = *base.get_or_insert(f.run.0);
        println!(
            "  {name:<27} {:>6.2} ms {:>6.2} ms {:>9.2} {:>10.1} ms {:>9.1} ms",
            f.run.0,
            f.run.1,
            f.run.0 / b,
            f.open.as_secs_f64() * 1000.0,
            f.create.as_secs_f64() * 1000.0
        );
    }
}
