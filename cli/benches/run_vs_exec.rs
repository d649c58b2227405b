//! `pocketdock run <box> true` (process start to exit) next to `docker exec <box> true` and
//! `podman exec <box> true` on the same sandbox, in the same run; plus the CLI's own start-up
//! (`pocketdock --version`, no engine), and `pocketdock run` with the agent reached through
//! the engine exec relay (`POCKETDOCK_AGENT_CHANNEL=relay`). Prints medians, p95 and the
//! ratios.
//!
//!   cargo bench -p pocketdock-cli --bench run_vs_exec            (both engines)
//!   POCKETDOCK_SOCKET=/run/podman/podman.sock cargo bench -p pocketdock-cli --bench run_vs_exec
//!   POCKETDOCK_BENCH_ITERS=40 ...                                (default 20)

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PODMAN: &str = "/run/podman/podman.sock";
const DOCKER: &str = "/run/pocketdock-docker.sock";
/// Debian's docker CLI matches the engine here (docs/engines.md); /usr/local/bin/docker is
/// the fallback.
const DOCKER_CLIS: &[&str] = &["/usr/bin/docker", "/usr/local/bin/docker"];

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_pocketdock")
}

fn time(cmd: &mut Command) -> Duration {
    let t = Instant::now();
    let st = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .stdin(Stdio::null())
        .status()
        .expect("runs");
    let d = t.elapsed();
    assert!(st.success(), "{cmd:?} failed");
    d
}

struct Stats {
    median: f64,
    p95: f64,
}

fn measure(iters: usize, mut make: impl FnMut() -> Command) -> Stats {
    for _ in 0..3 {
        time(&mut make());
    }
    let mut ms: Vec<f64> = (0..iters)
        .map(|_| time(&mut make()).as_secs_f64() * 1e3)
        .collect();
    ms.sort_by(|a, b| a.total_cmp(b));
    Stats {
        median: ms[ms.len() / 2],
        p95: ms[(ms.len() * 95 / 100).min(ms.len() - 1)],
    }
}

fn pd(socket: &str) -> Command {
    let mut c = Command::new(bin());
    c.env("POCKETDOCK_SOCKET", socket);
    c
}

fn row(what: &str, s: &Stats, base: Option<&Stats>) {
    let ratio = base.map_or(String::new(), |b| {
        format!("  ({:.1}x pocketdock run)", s.median / b.median)
    });
    println!(
        "  {what:<44} median {:>8.2} ms   p95 {:>8.2} ms{ratio}",
        s.median, s.p95
    );
}

fn bench_engine(socket: &str, iters: usize) {
    let name = format!("pdbench-{}", std::process::id());
    let out = pd(socket)
        .args([
            "create",
            "-q",
            "--name",
            &name,
            "--label",
            "pocketdock.test=cli",
        ])
        .output()
        .expect("create");
    assert!(
        out.status.success(),
        "create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let engine = if socket == DOCKER { "docker" } else { "podman" };
    println!("\n{engine} ({socket}), {iters} iterations each, sandbox {name}:");
    let ours = measure(iters, || {
        let mut c = pd(socket);
        c.args(["run", &name, "true"]);
        c
    });
    row("pocketdock run <box> true", &ours, None);
    // The agent reached through the engine exec relay instead of directly (remote engines,
    // rootless, and every local engine before the direct channel).
    let relay = measure(iters, || {
        let mut c = pd(socket);
        c.env("POCKETDOCK_AGENT_CHANNEL", "relay")
            .args(["run", &name, "true"]);
        c
    });
    row(
        "pocketdock run <box> true (exec relay)",
        &relay,
        Some(&ours),
    );
    if engine == "docker" {
        if let Some(cli) = DOCKER_CLIS
            .iter()
            .find(|p| std::path::Path::new(p).exists())
        {
            let s = measure(iters, || {
                let mut c = Command::new(cli);
                c.args(["-H", &format!("unix://{socket}"), "exec", &name, "true"]);
                c
            });
            row(&format!("{cli} exec <box> true"), &s, Some(&ours));
        }
    } else {
        let s = measure(iters, || {
            let mut c = Command::new("podman");
            c.args(["--url", &format!("unix://{socket}"), "exec", &name, "true"]);
            c
        });
        row("podman --url unix://... exec <box> true", &s, Some(&ours));
        let s = measure(iters, || {
            let mut c = Command::new("podman");
            c.args(["exec", &name, "true"]);
            c
        });
        row("podman exec <box> true (local)", &s, Some(&ours));
    }
    let _ = pd(socket).args(["destroy", "-y", "-q", &name]).output();
}

fn main() {
    // `cargo bench` passes --bench; nothing else is taken.
    let iters: usize = std::env::var("POCKETDOCK_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let startup = measure(iters, || {
        let mut c = Command::new(bin());
        c.arg("--version");
        c
    });
    println!(
        "pocketdock start-up (--version, no engine): median {:.2} ms, p95 {:.2} ms",
        startup.median, startup.p95
    );
    let sockets: Vec<String> = match std::env::var("POCKETDOCK_SOCKET") {
        Ok(s) if !s.is_empty() => vec![s],
        _ => vec![PODMAN.into(), DOCKER.into()],
    };
    for s in sockets {
        bench_engine(&s, iters);
    }
}
