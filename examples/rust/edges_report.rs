//! The figures of issue 13 ("hard edges"), measured on the engines at hand:
//!
//! 1. kill latency: a run with a 1 s timeout whose command leaves a hostile descendant
//!    (`env -i setsid` with a TERM trap, a double fork, `nohup`, a fork loop); the time from
//!    the start of the run to its return, and to no descendant being left in the sandbox;
//! 2. peak RSS (VmHWM) of this process for a streaming run whose reader pauses;
//! 3. a small soak: create/run/shutdown cycles, printing our containers, fds and RSS at
//!    cycle 0, N/4, N/2 and N.
//!
//! ```text
//! cargo run --release --example edges_report                 # both local engines, both paths
//! POCKETDOCK_SOCKET=/run/podman/podman.sock EDGES_STREAM_MB=4096 EDGES_SOAK=1000 \
//!     cargo run --release --example edges_report             # the full figures
//! ```
//!
//! `EDGES_PHASES=stream,kill,soak` picks phases, `EDGES_PATHS=agent|exec` one path.
//! Defaults are small (a 256 MiB stream, 20 soak cycles) so that it runs in a minute or two;
//! the issue's figures are a 4 GiB stream and 1000 cycles. Containers carry
//! `pocketdock.test=edges-report` and are shut down by the program.

use std::time::{Duration, Instant};

use pocketdock::{Client, ContainerOptions, RunOptions, StreamEvent};

const LABEL: (&str, &str) = ("pocketdock.test", "edges-report");

/// The hostile descendants: each leaves a process whose command line holds its marker.
const HOSTILE: &[(&str, &str, &str)] = &[
    (
        "env -i setsid + TERM trap",
        "47101",
        "env -i setsid sh -c 'trap \"\" TERM; sleep 47101' & sleep 30",
    ),
    (
        "double fork",
        "47102",
        "sh -c '(sleep 47102 >/dev/null 2>&1 &)'; sleep 30",
    ),
    (
        "nohup",
        "47103",
        "nohup sleep 47103 >/dev/null 2>&1 & sleep 30",
    ),
    (
        "fork loop",
        "47104",
        "while :; do sleep 47104 & sleep 0.05; done",
    ),
    (
        "issue 13's command (all above)",
        "47105",
        "env -i setsid sh -c 'trap \"\" TERM; sleep 47105' & \
         (env -i sh -c '(setsid nohup sleep 47105 >/dev/null 2>&1 &)' &) ; sleep 100",
    ),
];

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

fn opts(agent: bool) -> ContainerOptions {
    ContainerOptions {
        labels: vec![(LABEL.0.into(), LABEL.1.into())],
        agent,
        ..ContainerOptions::default()
    }
}

/// How many processes in the sandbox carry `marker` on their command line.
async fn left(s: &pocketdock::Container, marker: &str) -> pocketdock::Result<usize> {
    let probe = format!(
        "n=0; for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' <$f 2>/dev/null | grep -q '^sleep {marker}' && n=$((n+1)); done; echo $n"
    );
    let r = s.run(&probe, &RunOptions::default()).await?;
    Ok(r.stdout_text().trim().parse().unwrap_or(usize::MAX))
}

async fn kill_latency(client: &Client, agent: bool) -> pocketdock::Result<()> {
    for (name, marker, cmd) in HOSTILE {
        let s = client.create_container(&opts(agent)).await?;
        let ro = RunOptions {
            timeout: Some(Duration::from_secs(1)),
            ..RunOptions::default()
        };
        let t0 = Instant::now();
        let r = s.run(cmd, &ro).await;
        let returned = t0.elapsed();
        let mut clean = None;
        while t0.elapsed() < Duration::from_secs(15) {
            if left(&s, marker).await? == 0 {
                clean = Some(t0.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let timed_out = r.as_ref().map(|r| r.timed_out).unwrap_or(false);
        println!(
            "  {name:<28} returned {:>6.2} s (timed_out {timed_out}), nothing left after {}",
            returned.as_secs_f64(),
            clean.map_or("NEVER (15 s)".to_owned(), |d| format!(
                "{:.2} s",
                d.as_secs_f64()
            ))
        );
        s.shutdown().await?;
    }
    Ok(())
}

async fn paused_reader(client: &Client, agent: bool, mb: u64) -> pocketdock::Result<()> {
    let s = client.create_container(&opts(agent)).await?;
    let before = status_kb("VmRSS:");
    let ro = RunOptions {
        timeout: Some(Duration::from_secs(600)),
        max_output: usize::MAX,
        ..RunOptions::default()
    };
    let t0 = Instant::now();
    let mut st = s
        .run_stream(format!("head -c {}M /dev/zero", mb), &ro)
        .await?;
    let (mut bytes, mut paused) = (0u64, false);
    let mut peak_rss = 0;
    while let Some(ev) = st.next().await {
        match ev? {
            StreamEvent::Output(c) => {
                bytes += c.data.len() as u64;
                if !paused && bytes > 0 {
                    // The reader pauses: what does the client hold meanwhile?
                    paused = true;
                    for _ in 0..50 {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        peak_rss = peak_rss.max(status_kb("VmRSS:"));
                    }
                }
            }
            StreamEvent::Exit(_) => break,
        }
    }
    println!(
        "  {mb} MiB stream, reader paused 5 s after the first chunk: {:.1} MiB read in {:.1} s; \
         RSS {:.1} MiB before, peak during the pause {:.1} MiB, VmHWM {:.1} MiB",
        bytes as f64 / 1048576.0,
        t0.elapsed().as_secs_f64(),
        before as f64 / 1024.0,
        peak_rss as f64 / 1024.0,
        status_kb("VmHWM:") as f64 / 1024.0
    );
    s.shutdown().await
}

/// How many containers carry our label, asked of the engine directly (other programs'
/// containers on the same engine are not counted).
fn ours(socket: &str) -> usize {
    use std::io::{Read, Write};
    let filter = format!("%7B%22label%22%3A%5B%22{}%3D{}%22%5D%7D", LABEL.0, LABEL.1);
    let Ok(mut s) = std::os::unix::net::UnixStream::connect(socket) else {
        return usize::MAX;
    };
    let _ = write!(
        s,
        "GET /v1.41/containers/json?all=true&filters={filter} HTTP/1.0\r\nHost: d\r\n\r\n"
    );
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.split_once("\r\n\r\n")
        .map_or(usize::MAX, |(_, body)| body.matches("\"Id\"").count())
}

async fn soak(client: &Client, socket: &str, agent: bool, cycles: usize) -> pocketdock::Result<()> {
    let marks = [0, cycles / 4, cycles / 2, cycles];
    let t0 = Instant::now();
    for i in 0..=cycles {
        if marks.contains(&i) {
            println!(
                "  cycle {i:>5}: our containers {}, fds {}, RSS {:.1} MiB, {:.1} s",
                ours(socket),
                fds(),
                status_kb("VmRSS:") as f64 / 1024.0,
                t0.elapsed().as_secs_f64()
            );
        }
        if i == cycles {
            break;
        }
        let s = client.create_container(&opts(agent)).await?;
        s.run("echo soak", &RunOptions::default()).await?;
        s.shutdown().await?;
    }
    Ok(())
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> pocketdock::Result<()> {
    let sockets: Vec<String> = match std::env::var("POCKETDOCK_SOCKET") {
        Ok(s) if !s.is_empty() => vec![s],
        _ => vec![
            "/run/podman/podman.sock".into(),
            "/run/pocketdock-docker.sock".into(),
        ],
    };
    let mb = env_num("EDGES_STREAM_MB", 256);
    let cycles = env_num("EDGES_SOAK", 20) as usize;
    let paths: Vec<bool> = match std::env::var("EDGES_PATHS").as_deref() {
        Ok("agent") => vec![true],
        Ok("exec") => vec![false],
        _ => vec![true, false],
    };
    let phases = std::env::var("EDGES_PHASES").unwrap_or_else(|_| "stream,kill,soak".into());
    let phase = |p: &str| phases.split(',').any(|x| x == p);
    // The stream first: VmHWM is the process's peak, so it must not include other phases.
    for socket in sockets.iter().filter(|_| phase("stream")) {
        let client = Client::connect_with(&pocketdock::ClientOptions::socket(socket)).await?;
        let kind = client.engine_info().kind;
        for &agent in &paths {
            let path = if agent { "agent" } else { "engine exec" };
            println!("{kind:?} ({socket}), {path}: paused-reader stream");
            paused_reader(&client, agent, mb).await?;
        }
    }
    for socket in &sockets {
        let client = Client::connect_with(&pocketdock::ClientOptions::socket(socket)).await?;
        let kind = client.engine_info().kind;
        for &agent in &paths {
            let path = if agent { "agent" } else { "engine exec" };
            if phase("kill") {
                println!("{kind:?} ({socket}), {path}: kill latency, 1 s timeout");
                kill_latency(&client, agent).await?;
            }
            if phase("soak") {
                println!("{kind:?} ({socket}), {path}: soak of {cycles} cycles");
                soak(&client, socket, agent, cycles).await?;
            }
        }
    }
    Ok(())
}
