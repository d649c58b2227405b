//! Warm pools through the C ABI (what C, Go and Node users call), next to creating a sandbox
//! in the same run:
//!
//! - `pd_pool_acquire` from a warm pool (median, p95) vs `pd_container_create` (create+start);
//! - acquire + the first `pd_run("echo")` vs create + the first run;
//! - sustained acquire/release cycles per second with a pool of 8 refilling behind them;
//! - host processes (conmon on Podman: each engine exec, the agent's relay included, has
//!   one) and this process's memory before and after `BENCH_CYCLES` cycles, and what is left
//!   on the engine after the pool's shutdown; the host processes still naming a released
//!   member (the cycles' own, whatever other clients of the engine do).
//!
//! ```text
//! cargo bench -p pocketdock-capi --bench pool                     # quick: 200 cycles
//! BENCH_CYCLES=1000 BENCH_N=100 cargo bench -p pocketdock-capi --bench pool   # the full run
//! POCKETDOCK_TEST_SOCKETS=/run/podman/podman.sock cargo bench -p pocketdock-capi --bench pool
//! ```

#[path = "../../../benches/common/settings.rs"]
mod settings;
mod support;

use std::ffi::CString;
use std::ptr;
use std::time::{Duration, Instant};

use pocketdock_capi::*;
use support::{check, create, engine_of, open, remove};

const LABEL: &str = "pocketdock.bench";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median and 95th percentile (nearest rank), in ms.
fn p50_p95(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let at = |q: f64| ms(v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1]);
    (at(0.5), at(0.95))
}

fn stats(p: *const pd_pool) -> pd_pool_stats {
    let mut s = pd_pool_stats::default();
    check(
        pd_pool_get_stats(p, &mut s, ptr::null_mut()),
        ptr::null_mut(),
        "stats",
    );
    s
}

/// Waits until the pool has `n` idle members (so the next acquire is a warm one).
fn wait_idle(p: *const pd_pool, n: u64) {
    let start = Instant::now();
    while stats(p).idle < n {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "pool did not refill"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn acquire(p: *const pd_pool) -> *mut pd_container {
    let (mut c, mut err) = (ptr::null_mut(), ptr::null_mut());
    check(
        pd_pool_acquire(p, PD_NO_TIMEOUT, &mut c, &mut err),
        err,
        "acquire",
    );
    c
}

fn release(p: *const pd_pool, c: *mut pd_container) {
    let mut err = ptr::null_mut();
    check(pd_pool_release(p, c, &mut err), err, "release");
    pd_container_free(c);
}

fn echo(c: *mut pd_container) {
    let (mut r, mut err) = (ptr::null_mut(), ptr::null_mut());
    let cmd = CString::new("echo hi").unwrap();
    check(
        pd_run(c, cmd.as_ptr(), ptr::null(), &mut r, &mut err),
        err,
        "run",
    );
    assert_eq!(pd_exec_result_exit_code(r), 0);
    pd_exec_result_free(r);
}

fn new_pool(
    client: *const pd_client,
    min_idle: usize,
    max: usize,
    parallel: usize,
) -> *mut pd_pool {
    let (k, v) = (CString::new(LABEL).unwrap(), CString::new("pool").unwrap());
    let co = pd_container_opts_new();
    pd_container_opts_add_label(co, k.as_ptr(), v.as_ptr(), ptr::null_mut());
    let o = pd_pool_opts_new();
    pd_pool_opts_set_container_opts(o, co, ptr::null_mut());
    pd_pool_opts_set_min_idle(o, min_idle, ptr::null_mut());
    pd_pool_opts_set_max_size(o, max, ptr::null_mut());
    pd_pool_opts_set_parallel(o, parallel, ptr::null_mut());
    let (mut p, mut err) = (ptr::null_mut(), ptr::null_mut());
    check(pd_pool_new(client, o, &mut p, &mut err), err, "pool");
    pd_pool_opts_free(o);
    pd_container_opts_free(co);
    p
}

/// Processes on the host whose command name is `name`.
fn processes(name: &str) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == name))
        .count()
}

/// Every process on the host.
fn processes_total() -> usize {
    std::fs::read_dir("/proc").map_or(0, |d| {
        d.filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            })
            .count()
    })
}

/// Host processes whose command line names one of `ids` (Podman's conmon carries the
/// container id; an exec's conmon also `--exec`); `exec_only`: only those.
fn naming(ids: &[String], exec_only: bool) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| ids.iter().any(|id| c.contains(id.as_str())))
        .filter(|c| !exec_only || c.contains("--exec"))
        .count()
}

/// This process's resident memory, in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn bench_engine(socket: &str, n: usize, cycles: usize) {
    let sock = CString::new(socket).unwrap();
    let client = open(&sock);
    println!(
        "{} on {socket} ({n} iterations, {cycles} cycles)",
        engine_of(client)
    );
    let (k, v) = (CString::new(LABEL).unwrap(), CString::new("pool").unwrap());
    let co = pd_container_opts_new();
    pd_container_opts_add_label(co, k.as_ptr(), v.as_ptr(), ptr::null_mut());

    // The baseline: a sandbox made when it is needed, and its first run.
    let (mut create_t, mut create_run_t) = (Vec::new(), Vec::new());
    for _ in 0..n.min(20) {
        let t = Instant::now();
        let c = create(client, co);
        create_t.push(t.elapsed());
        echo(c);
        create_run_t.push(t.elapsed());
        remove(c);
    }
    pd_container_opts_free(co);

    // Warm acquires: the pool is back at min_idle before each one.
    let p = new_pool(client, 2, 8, 2);
    let (mut acq_t, mut acq_run_t) = (Vec::new(), Vec::new());
    for _ in 0..n {
        wait_idle(p, 2);
        let t = Instant::now();
        let c = acquire(p);
        acq_t.push(t.elapsed());
        echo(c);
        acq_run_t.push(t.elapsed());
        release(p, c);
    }
    check(
        pd_pool_shutdown(p, ptr::null_mut()),
        ptr::null_mut(),
        "shutdown",
    );
    pd_pool_free(p);

    let (a50, a95) = p50_p95(acq_t);
    let (c50, c95) = p50_p95(create_t);
    let (ar50, ar95) = p50_p95(acq_run_t);
    let (cr50, cr95) = p50_p95(create_run_t);
    println!("  warm pd_pool_acquire        median {a50:>7.2} ms  p95 {a95:>7.2} ms");
    println!(
        "  pd_container_create         median {c50:>7.2} ms  p95 {c95:>7.2} ms   ratio {:.0}x",
        c50 / a50
    );
    println!("  acquire + first run(echo)   median {ar50:>7.2} ms  p95 {ar95:>7.2} ms");
    println!(
        "  create + first run(echo)    median {cr50:>7.2} ms  p95 {cr95:>7.2} ms   ratio {:.0}x",
        cr50 / ar50
    );

    // Sustained: a pool of 8 refilling (4 creates at once) while acquire/release cycles run
    // back to back; then what those cycles left on the host.
    let (conmon0, rss0) = (processes("conmon"), rss_mib());
    let p = new_pool(client, 8, 8, 4);
    wait_idle(p, 8);
    let all0 = processes_total();
    let mut ids = Vec::new();
    let t = Instant::now();
    for _ in 0..cycles {
        let c = acquire(p);
        ids.push(
            unsafe { std::ffi::CStr::from_ptr(pd_container_id(c)) }
                .to_string_lossy()
                .into_owned(),
        );
        release(p, c);
    }
    let took = t.elapsed();
    let s = stats(p);
    let conmon_busy = processes("conmon");
    let all_busy = processes_total();
    check(
        pd_pool_shutdown(p, ptr::null_mut()),
        ptr::null_mut(),
        "shutdown",
    );
    pd_pool_free(p);
    println!(
        "  sustained acquire/release   {:>7.1} cycles/s ({cycles} in {:.1} s; acquire p50 {:.2} ms p95 {:.2} ms while refilling; {} created, {} failed)",
        cycles as f64 / took.as_secs_f64(),
        took.as_secs_f64(),
        s.acquire_p50_us as f64 / 1000.0,
        s.acquire_p95_us as f64 / 1000.0,
        s.created,
        s.failed
    );
    std::thread::sleep(Duration::from_secs(2));
    println!(
        "  host after {cycles} cycles      conmon {conmon0} before, {conmon_busy} at the end, {} 2 s after shutdown; RSS {rss0:.1} -> {:.1} MiB",
        processes("conmon"),
        rss_mib()
    );
    // Other clients of the engine move the counts above; these are the cycles' own: host
    // processes (conmon of an exec or of the container) still naming a released member.
    println!(
        "  host processes              {all0} before, {all_busy} at the end; naming one of the {} released members 2 s after shutdown: {} (exec conmons among them: {})",
        ids.len(),
        naming(&ids, false),
        naming(&ids, true)
    );
    pd_client_free(client);
}

fn main() {
    let n = settings::count("BENCH_N", 40);
    let cycles = settings::count("BENCH_CYCLES", 200);
    for socket in settings::sockets() {
        bench_engine(&socket, n, cycles);
    }
}
