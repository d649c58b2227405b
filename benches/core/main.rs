//! Benchmark of the core slice: create+start, run(`echo hello`) and shutdown through
//! pocketdock, next to the same operations as raw HTTP requests on the same socket, in the
//! same run. Prints median and p95 and the ratio of medians for each engine.
//!
//!     cargo bench --bench core            # both engines started by scripts/engine-up, both paths
//!     POCKETDOCK_TEST_SOCKETS=/run/podman/podman.sock BENCH_N=50 cargo bench --bench core

#[path = "../common/raw_http.rs"]
mod raw_http;
#[path = "../common/settings.rs"]
mod settings;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use pocketdock::{Client, ContainerOptions, RunOptions};

const LABEL: &str = "pocketdock.bench";

struct Stats {
    median: Duration,
    p95: Duration,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        median: at(0.5),
        p95: at(0.95),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn row(op: &str, lib: Vec<Duration>, raw: Vec<Duration>) {
    let (l, r) = (stats(lib), stats(raw));
    println!(
        "  {op:<16} pocketdock {:>8.2} ms (p95 {:>8.2})   raw {:>8.2} ms (p95 {:>8.2})   ratio {:.3}",
        ms(l.median),
        ms(l.p95),
        ms(r.median),
        ms(r.p95),
        ms(l.median) / ms(r.median)
    );
}

fn bench_engine(rt: &tokio::runtime::Runtime, socket: PathBuf, n: usize, agent: bool) {
    let client = rt
        .block_on(Client::connect_to(Some(&socket)))
        .expect("engine answers");
    let info = client.engine_info();
    println!(
        "{:?} {} on {} ({n} iterations), runs through {}",
        info.kind,
        info.version,
        socket.display(),
        if agent {
            "the agent (the default)"
        } else {
            "the engine exec (agent = false)"
        }
    );
    let opts = ContainerOptions {
        labels: vec![(LABEL.into(), "bench".into())],
        agent,
        // The raw create asks for no network mode, so the engine's bridge: the same here
        // (the default image is offline by default, which skips the network setup).
        network: Some(true),
        ..Default::default()
    };
    let image = opts.image.clone();
    let (mut lib_create, mut raw_create) = (Vec::new(), Vec::new());
    let (mut lib_run, mut raw_run) = (Vec::new(), Vec::new());
    let (mut lib_down, mut raw_down) = (Vec::new(), Vec::new());
    let run_opts = RunOptions::default();
    for _ in 0..n {
        // Interleave library and raw so drift in the engine hits both alike.
        let t = Instant::now();
        let c = rt.block_on(client.create_container(&opts)).expect("create");
        lib_create.push(t.elapsed());
        let t = Instant::now();
        let id = raw_http::create(&socket, &image, LABEL);
        raw_create.push(t.elapsed());

        for _ in 0..5 {
            let t = Instant::now();
            let r = rt.block_on(c.run("echo hello", &run_opts)).expect("run");
            lib_run.push(t.elapsed());
            assert_eq!(r.stdout_text(), "hello\n");
            let t = Instant::now();
            let out = raw_http::exec(&socket, &id, &["sh", "-c", "echo hello"]);
            raw_run.push(t.elapsed());
            assert!(out.ends_with(b"hello\n"));
        }

        let t = Instant::now();
        rt.block_on(c.shutdown()).expect("shutdown");
        lib_down.push(t.elapsed());
        let t = Instant::now();
        raw_http::force_remove(&socket, &id);
        raw_down.push(t.elapsed());
    }
    row("create+start", lib_create, raw_create);
    row("run echo hello", lib_run, raw_run);
    row("shutdown", lib_down, raw_down);
}

fn main() {
    let n = settings::count("BENCH_N", 20);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // The engine-exec path is the one the raw requests mirror step for step (the same
    // `sleep` container, the same exec); the agent path adds its volume and PID 1.
    for s in settings::sockets() {
        for agent in [false, true] {
            bench_engine(&rt, PathBuf::from(&s), n, agent);
        }
    }
}
