//! Interactive and bulk I/O through the C ABI, next to the raw floor on the same socket in
//! the same run:
//!
//! - a session round trip, `pd_session_send_and_wait("echo hi")` (through the agent), vs a
//!   raw shell on a hijacked exec connection kept open (`echo hi; echo __END__`);
//! - streaming 100 MB (`head -c 100000000 /dev/zero`) with `pd_run_stream` + `pd_stream_next`
//!   to `PD_STREAM_END`, through the agent and through the engine's exec, vs one raw exec
//!   read with a big buffer and demultiplexed in place (the way bollard reads it).
//!
//! Variants are interleaved so drift on a shared machine hits all alike; the load average
//! is printed next to each section.
//!
//! ```text
//! cargo bench -p pocketdock-capi --bench capi_io
//! POCKETDOCK_TEST_SOCKETS=/run/pocketdock-docker.sock BENCH_SESSIONS=200 BENCH_STREAMS=5 \
//!     cargo bench -p pocketdock-capi --bench capi_io
//! ```

#[path = "../../../benches/common/raw_http.rs"]
mod raw_http;
#[path = "../../../benches/common/settings.rs"]
mod settings;

#[path = "../../../benches/common/raw_hijack.rs"]
mod raw_hijack;
mod support;

use std::ffi::{c_void, CStr, CString};
use std::path::Path;
use std::ptr;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::{Duration, Instant};

use pocketdock_capi::*;
use support::{check, engine_of, open, remove};

const LABEL: &str = "pocketdock.bench";
const IMAGE: &str = "pocketdock/minimal-python";
const STREAM_BYTES: u64 = 100_000_000;

fn load() -> String {
    let l = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// This process's CPU time so far (all threads, user + system), from /proc/self/stat.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')'): utime is 14th, stime 15th overall.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    // Clock ticks are 1/100 s on Linux.
    Duration::from_millis(f.iter().sum::<u64>() * 10)
}

/// Context switches of all this process's threads so far (voluntary + involuntary): each
/// is a sleep or a preemption, the cost a per-chunk handoff between threads pays.
fn switches() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("status")).ok())
        .flat_map(|st| {
            st.lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .sum()
}

/// (median, p95) in milliseconds.
fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(v[v.len() / 2]),
        ms(v[(v.len() * 95 / 100).min(v.len() - 1)]),
    )
}

fn create(client: *const pd_client, agent: bool) -> *mut pd_container {
    let (k, v) = (CString::new(LABEL).unwrap(), CString::new("bench").unwrap());
    let o = pd_container_opts_new();
    pd_container_opts_add_label(o, k.as_ptr(), v.as_ptr(), ptr::null_mut());
    pd_container_opts_set_agent(o, agent, ptr::null_mut());
    let c = support::create(client, o);
    pd_container_opts_free(o);
    c
}

fn id_of(c: *const pd_container) -> String {
    unsafe { CStr::from_ptr(pd_container_id(c)) }
        .to_string_lossy()
        .into_owned()
}

unsafe extern "C" fn on_output(user: *mut c_void, stream: i32, data: *const u8, len: usize) {
    if stream == 1 {
        let tx = unsafe { &*(user as *const Sender<Vec<u8>>) };
        let _ = tx.send(unsafe { std::slice::from_raw_parts(data, len) }.to_vec());
    }
}

unsafe extern "C" fn free_sender(user: *mut c_void) {
    drop(unsafe { Box::from_raw(user as *mut Sender<Vec<u8>>) });
}

/// A second session whose output comes through callbacks (the follow stays open), so a
/// command costs one `Stdin` exchange with the output arriving alongside: what
/// `send_and_wait` would cost as one exchange instead of three.
fn piped_session(c: *mut pd_container) -> (*mut pd_session, Receiver<Vec<u8>>) {
    let (mut s, mut err) = (ptr::null_mut(), ptr::null_mut());
    check(
        pd_session_open(c, ptr::null(), &mut s, &mut err),
        err,
        "session",
    );
    let (tx, rx) = channel::<Vec<u8>>();
    let user = Box::into_raw(Box::new(tx)) as *mut c_void;
    check(
        pd_session_set_callbacks(s, Some(on_output), None, user, Some(free_sender), &mut err),
        err,
        "callbacks",
    );
    (s, rx)
}

fn piped_round_trip(s: *mut pd_session, rx: &Receiver<Vec<u8>>, pending: &mut Vec<u8>) {
    let (line, marker) = (c"echo hi; echo __END__", b"__END__\n");
    let mut err = ptr::null_mut();
    check(pd_session_send(s, line.as_ptr(), &mut err), err, "send");
    loop {
        if let Some(p) = pending.windows(marker.len()).position(|w| w == marker) {
            assert!(pending[..p].ends_with(b"hi\n"));
            pending.drain(..p + marker.len());
            return;
        }
        pending.extend(rx.recv().expect("session output"));
    }
}

fn sessions(client: *const pd_client, socket: &Path, n: usize) {
    let c = create(client, true);
    // The raw shell runs in the same sandbox, on the same socket.
    let id = id_of(c);
    let (mut s, mut err) = (ptr::null_mut(), ptr::null_mut());
    check(
        pd_session_open(c, ptr::null(), &mut s, &mut err),
        err,
        "session",
    );
    let mut shell = raw_hijack::Shell::open(socket, &id);
    let (piped, piped_rx) = piped_session(c);
    let (mut piped_out, mut piped_t) = (Vec::new(), Vec::new());
    let cmd = CString::new("echo hi").unwrap();
    let before = load();
    let (mut lib, mut raw, mut bare) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n + 5 {
        // One bare request/answer through the agent (nothing to read): its round trip.
        let t = Instant::now();
        let mut o = ptr::null_mut();
        check(pd_session_read(s, &mut o, &mut err), err, "read");
        let bare_t = t.elapsed();
        pd_output_free(o);

        let t = Instant::now();
        piped_round_trip(piped, &piped_rx, &mut piped_out);
        let pipe_t = t.elapsed();

        let t = Instant::now();
        let mut r = ptr::null_mut();
        check(
            pd_session_send_and_wait(s, cmd.as_ptr(), 30_000, &mut r, &mut err),
            err,
            "send_and_wait",
        );
        let lib_t = t.elapsed();
        let mut len = 0;
        let out = pd_exec_result_stdout(r, &mut len);
        assert_eq!(unsafe { std::slice::from_raw_parts(out, len) }, b"hi\n");
        pd_exec_result_free(r);

        let t = Instant::now();
        let out = shell.round_trip(b"echo hi; echo __END__\n", b"__END__\n");
        let raw_t = t.elapsed();
        assert_eq!(out, b"hi\n");
        // The first few warm both paths up.
        if i >= 5 {
            lib.push(lib_t);
            raw.push(raw_t);
            bare.push(bare_t);
            piped_t.push(pipe_t);
        }
    }
    let ((lm, lp), (rm, rp), (bm, bp)) = (stats(lib), stats(raw), stats(bare));
    let (pm, pp) = stats(piped_t);
    println!(
        "  session round trip, {n} each (load {before} -> {})",
        load()
    );
    println!("    pd_session_send_and_wait (agent)  median {lm:>7.3} ms  p95 {lp:>7.3} ms");
    println!("    raw hijacked sh, same socket      median {rm:>7.3} ms  p95 {rp:>7.3} ms");
    println!("    ratio (median) {:.2}x   (p95) {:.2}x", lm / rm, lp / rp);
    println!("    (one bare agent round trip, pd_session_read: median {bm:.3} ms  p95 {bp:.3} ms)");
    println!(
        "    (one exchange: pd_session_send + output by callback: median {pm:.3} ms  p95 {pp:.3} ms, {:.2}x raw)",
        pm / rm
    );
    pd_session_close(s, ptr::null_mut());
    pd_session_free(s);
    pd_session_close(piped, ptr::null_mut());
    pd_session_free(piped);
    drop(shell);
    remove(c);
}

/// Streams the command through the C ABI; returns the time and checks every byte came.
fn lib_stream(
    c: *mut pd_container,
    cmd: &CStr,
    opts: *const pd_run_opts,
) -> (Duration, Duration, usize, u64) {
    let (t, cpu0, sw0) = (Instant::now(), cpu(), switches());
    let (mut s, mut err) = (ptr::null_mut(), ptr::null_mut());
    check(
        pd_run_stream(c, cmd.as_ptr(), opts, &mut s, &mut err),
        err,
        "stream",
    );
    let (mut total, mut chunks) = (0u64, 0usize);
    loop {
        let mut chunk = ptr::null_mut();
        match pd_stream_next(s, -1, &mut chunk, &mut err) {
            pd_status::PD_OK => {
                let mut len = 0;
                pd_chunk_data(chunk, &mut len);
                total += len as u64;
                chunks += 1;
                pd_chunk_free(chunk);
            }
            pd_status::PD_STREAM_END => break,
            st => check(st, err, "stream_next"),
        }
    }
    let (elapsed, used, sw) = (t.elapsed(), cpu() - cpu0, switches() - sw0);
    let mut r = ptr::null_mut();
    check(pd_stream_result(s, &mut r, &mut err), err, "result");
    assert_eq!(pd_exec_result_exit_code(r), 0);
    assert!(!pd_exec_result_truncated(r));
    pd_exec_result_free(r);
    pd_stream_free(s);
    assert_eq!(total, STREAM_BYTES);
    (elapsed, used, chunks, sw)
}

/// Diagnostic: the same engine-exec stream read through the Rust API on a one-thread runtime,
/// so the driver and the reader share a thread and no chunk costs a cross-thread wake.
fn rust_stream(rt: &tokio::runtime::Runtime, socket: &str, id: &str, cmd: &str) -> Duration {
    rt.block_on(async {
        let client = pocketdock::Client::connect_with(&pocketdock::ClientOptions::socket(socket))
            .await
            .expect("connect");
        let c = client.get_container(id).await.expect("container");
        let opts = pocketdock::RunOptions {
            max_output: 2 * STREAM_BYTES as usize,
            timeout: Some(Duration::from_secs(300)),
            ..Default::default()
        };
        let t = Instant::now();
        let mut s = c.run_stream(cmd, &opts).await.expect("stream");
        let mut total = 0u64;
        while let Some(ev) = s.next().await {
            match ev.expect("event") {
                pocketdock::StreamEvent::Output(chunk) => total += chunk.data.len() as u64,
                pocketdock::StreamEvent::Exit(r) => assert_eq!(r.exit_code, 0),
            }
        }
        assert_eq!(total, STREAM_BYTES);
        t.elapsed()
    })
}

fn mbps(v: &[Duration]) -> (f64, f64) {
    let mut s: Vec<f64> = v
        .iter()
        .map(|d| STREAM_BYTES as f64 / 1e6 / d.as_secs_f64())
        .collect();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    // Median, and the 5th-percentile throughput (the slow tail, like a p95 time).
    (s[s.len() / 2], s[s.len() * 5 / 100])
}

fn streams(client: *const pd_client, socket: &Path, n: usize) {
    let with_agent = create(client, true);
    let without = create(client, false);
    let raw_id = id_of(without);
    let cmd_line = format!("head -c {STREAM_BYTES} /dev/zero");
    let cmd = CString::new(cmd_line.clone()).unwrap();
    let opts = pd_run_opts_new();
    let mut err = ptr::null_mut();
    check(
        pd_run_opts_set_max_output(opts, 2 * STREAM_BYTES as usize, &mut err),
        err,
        "max_output",
    );
    check(
        pd_run_opts_set_timeout_ms(opts, 300_000, &mut err),
        err,
        "timeout",
    );
    let argv = ["sh", "-c", cmd_line.as_str()];
    let before = load();
    let (mut agent, mut exec, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    let (mut agent_chunks, mut exec_chunks) = (0, 0);
    let mut cpus = [Duration::ZERO; 4];
    let mut sws = [0u64; 4];
    let one_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rust = Vec::new();
    for i in 0..n + 1 {
        let (a, a_cpu, ac, a_sw) = lib_stream(with_agent, &cmd, opts);
        let (e, e_cpu, ec, e_sw) = lib_stream(without, &cmd, opts);
        let (t, cpu0, sw0) = (Instant::now(), cpu(), switches());
        let (out, _, code) = raw_hijack::exec_count(socket, &raw_id, &argv, 1 << 20);
        let (r, r_cpu, r_sw) = (t.elapsed(), cpu() - cpu0, switches() - sw0);
        let (cpu0, sw0) = (cpu(), switches());
        let d = rust_stream(&one_thread, &socket.to_string_lossy(), &raw_id, &cmd_line);
        let (d_cpu, d_sw) = (cpu() - cpu0, switches() - sw0);
        assert_eq!((out, code), (STREAM_BYTES, 0));
        // The first run of each warms caches and connections.
        if i > 0 {
            agent.push(a);
            exec.push(e);
            raw.push(r);
            rust.push(d);
            agent_chunks += ac;
            exec_chunks += ec;
            for (sum, x) in cpus.iter_mut().zip([a_cpu, e_cpu, r_cpu, d_cpu]) {
                *sum += x;
            }
            for (sum, x) in sws.iter_mut().zip([a_sw, e_sw, r_sw, d_sw]) {
                *sum += x;
            }
        }
    }
    let ((am, al), (em, el), (rm, rl)) = (mbps(&agent), mbps(&exec), mbps(&raw));
    let cpu_ms = |i: usize| cpus[i].as_millis() as usize / n;
    let sw = |i: usize| sws[i] / n as u64;
    println!("  stream 100 MB, {n} each (load {before} -> {})", load());
    println!(
        "    pd_run_stream, agent        median {am:>7.1} MB/s  slowest-5% {al:>7.1} MB/s  ({} chunks, {} ms CPU, {} switches /run)",
        agent_chunks / n,
        cpu_ms(0),
        sw(0)
    );
    println!(
        "    pd_run_stream, engine exec  median {em:>7.1} MB/s  slowest-5% {el:>7.1} MB/s  ({} chunks, {} ms CPU, {} switches /run)",
        exec_chunks / n,
        cpu_ms(1),
        sw(1)
    );
    println!(
        "    raw exec, 1 MiB reads       median {rm:>7.1} MB/s  slowest-5% {rl:>7.1} MB/s  ({} ms CPU, {} switches /run)",
        cpu_ms(2),
        sw(2)
    );
    let (dm, _) = mbps(&rust);
    println!(
        "    (diagnostic: Rust API, engine exec, one-thread runtime: median {dm:>7.1} MB/s, {} ms CPU, {} switches /run, {:.2}x raw)",
        cpu_ms(3),
        sw(3),
        dm / rm
    );
    println!(
        "    ratio (median) agent {:.2}x   engine exec {:.2}x",
        am / rm,
        em / rm
    );
    pd_run_opts_free(opts);
    remove(with_agent);
    remove(without);
}

fn main() {
    let sessions_n = settings::count("BENCH_SESSIONS", 200);
    let streams_n = settings::count("BENCH_STREAMS", 5);
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    for socket in settings::sockets() {
        let sock = CString::new(socket.as_str()).unwrap();
        let client = open(&sock);
        println!("{} on {socket} ({IMAGE})", engine_of(client));
        if only != "stream" {
            sessions(client, Path::new(&socket), sessions_n);
        }
        if only != "session" {
            streams(client, Path::new(&socket), streams_n);
        }
        pd_client_free(client);
    }
}
