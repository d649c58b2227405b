//! Benchmark of the in-sandbox agent: run(`echo hello`) through the agent, through the
//! engine exec (pocketdock with `agent = false`) and as raw HTTP exec requests, in the same
//! run on each engine; then 8 containers running in parallel, agent vs engine exec.
//!
//!     cargo bench --bench agent
//!     POCKETDOCK_TEST_SOCKETS=/run/podman/podman.sock BENCH_N=500 cargo bench --bench agent

#[path = "../common/raw_http.rs"]
mod raw_http;
#[path = "../common/settings.rs"]
mod settings;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use pocketdock::{Client, Container, ContainerOptions, RunOptions};

fn percentile(v: &mut [Duration], q: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0
}

fn report(name: &str, mut v: Vec<Duration>) -> f64 {
    let (m, p) = (percentile(&mut v, 0.5), percentile(&mut v, 0.95));
    println!(
        "  {name:<26} median {m:>8.2} ms   p95 {p:>8.2} ms   (n={})",
        v.len()
    );
    m
}

fn opts(agent: bool) -> ContainerOptions {
    ContainerOptions {
        agent,
        labels: vec![("pocketdock.bench".into(), "agent".into())],
        ..Default::default()
    }
}

/// Runs `per` echo runs on each container concurrently; returns runs per second.
async fn parallel(boxes: &[Container], per: usize) -> f64 {
    let t = Instant::now();
    let o = RunOptions::default();
    futures_util::future::join_all(boxes.iter().map(|c| {
        let o = &o;
        async move {
            for _ in 0..per {
                let r = c.run("echo hello", o).await.expect("run");
                assert_eq!(r.stdout, b"hello\n");
            }
        }
    }))
    .await;
    (boxes.len() * per) as f64 / t.elapsed().as_secs_f64()
}

async fn bench(socket: PathBuf, n: usize) {
    let client = Client::connect_to(Some(&socket)).await.expect("engine");
    let info = client.engine_info().clone();
    println!("{:?} {} on {}", info.kind, info.version, socket.display());
    let with = client.create_container(&opts(true)).await.expect("create");
    let without = client.create_container(&opts(false)).await.expect("create");
    assert!(with.uses_agent() && !without.uses_agent());
    let o = RunOptions::default();
    with.run("true", &o).await.unwrap(); // opens the channel

    let (mut agent, mut exec, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    let exec_n = n.min(100);
    for i in 0..n {
        let t = Instant::now();
        let r = with.run("echo hello", &o).await.unwrap();
        agent.push(t.elapsed());
        assert_eq!(r.stdout, b"hello\n");
        if i < exec_n {
            let t = Instant::now();
            without.run("echo hello", &o).await.unwrap();
            exec.push(t.elapsed());
            let (sock, id) = (socket.clone(), without.id().to_owned());
            let t = Instant::now();
            tokio::task::spawn_blocking(move || {
                raw_http::exec(&sock, &id, &["sh", "-c", "echo hello"])
            })
            .await
            .unwrap();
            raw.push(t.elapsed());
        }
    }
    let a = report("agent", agent);
    let e = report("engine exec (pocketdock)", exec);
    let r = report("engine exec (raw HTTP)", raw);
    println!(
        "  agent is {:.1}x faster than the engine exec, {:.1}x than raw HTTP",
        e / a,
        r / a
    );
    with.shutdown().await.unwrap();
    without.shutdown().await.unwrap();

    for (agent_on, per) in [(true, 200), (false, 25)] {
        let o8 = opts(agent_on);
        let boxes: Vec<Container> =
            futures_util::future::join_all((0..8).map(|_| client.create_container(&o8)))
                .await
                .into_iter()
                .map(|r| r.expect("create"))
                .collect();
        let rate = parallel(&boxes, per).await;
        let label = if agent_on { "agent" } else { "engine exec" };
        println!("  8 containers x {per} runs, {label:<11}: {rate:>8.1} runs/s");
        for b in &boxes {
            b.shutdown().await.unwrap();
        }
    }
}

#[tokio::main]
async fn main() {
    let n = settings::count("BENCH_N", 300);
    for s in settings::sockets() {
        bench(PathBuf::from(s), n).await;
    }
}
