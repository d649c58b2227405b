//! `cargo bench -p pocketdock-cli --bench mcp`: `pocketdock mcp` driven by a real MCP client
//! (the official Rust SDK's, over stdio), next to the library in the same run:
//!
//! - `run_python("x = 1")` on a warm session (the persistent interpreter), against
//!   `Container::run("python3 -c 'x = 1'")` on a sandbox with the same options (a fresh
//!   interpreter per call, no MCP in between);
//! - the first call of a new session (a sandbox, the interpreter's start, the code), with
//!   the pool keeping one sandbox warm (`--warm 1`) and without (`--warm 0`).
//!
//! Engine: POCKETDOCK_SOCKET (else discovery). BENCH_N: iterations (default 30).

use std::time::{Duration, Instant};

use pocketdock::{Client, ContainerOptions, RunOptions};
use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};

type Mcp = RunningService<RoleClient, ()>;

fn n() -> usize {
    std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(v[v.len() / 2]),
        ms(v[(v.len() * 95 / 100).min(v.len() - 1)]),
    )
}

async fn server(warm: u32) -> Mcp {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_pocketdock"));
    // A fixed name: when the client ends a server before its shutdown removed everything
    // (the SDK kills the child on cancel), the next server of that name removes the orphans.
    let name = format!("bench-mcp-{warm}");
    cmd.args([
        "mcp",
        "--name",
        &name,
        "--warm",
        &warm.to_string(),
        "--max-sessions",
        "8",
    ])
    .args(["--label", "pocketdock.test=mcp", "--log-file", "/dev/null"]);
    let transport = TokioChildProcess::new(cmd).expect("starting pocketdock mcp");
    ().serve(transport).await.expect("MCP initialize")
}

/// One run_python call; returns the session id and the client-side round trip.
async fn run_python(c: &Mcp, code: &str, session: Option<&str>) -> (String, Duration) {
    let mut args = serde_json::Map::new();
    args.insert("code".into(), code.into());
    if let Some(s) = session {
        args.insert("session_id".into(), s.into());
    }
    let t = Instant::now();
    let r = c
        .call_tool(CallToolRequestParams::new("run_python").with_arguments(args))
        .await
        .expect("tools/call");
    let took = t.elapsed();
    assert_ne!(r.is_error, Some(true), "{r:?}");
    let s = r.structured_content.expect("structured content");
    assert_eq!(s["exit_code"], 0, "{s}");
    (s["session_id"].as_str().unwrap().to_owned(), took)
}

async fn close(c: &Mcp, id: &str) {
    let mut args = serde_json::Map::new();
    args.insert("session_id".into(), id.into());
    c.call_tool(CallToolRequestParams::new("close_session").with_arguments(args))
        .await
        .expect("close_session");
}

/// First calls of new sessions, each closed after; with a warm pool, time to refill between.
async fn first_calls(c: &Mcp, rounds: usize, pause: Duration) -> Vec<Duration> {
    let mut v = Vec::new();
    for _ in 0..rounds {
        tokio::time::sleep(pause).await;
        let (id, took) = run_python(c, "x = 1", None).await;
        v.push(took);
        close(c, &id).await;
    }
    v
}

#[tokio::main]
async fn main() {
    let n = n();
    let client = Client::connect().await.expect("an engine");
    println!(
        "engine: {:?} {}",
        client.engine_info().kind,
        client.engine_info().version
    );

    // The library: a fresh python3 per call, on a sandbox like a session's.
    let mut opts = ContainerOptions::strict();
    opts.image = "pocketdock/datasci".into();
    opts.labels.push(("pocketdock.test".into(), "mcp".into()));
    let sandbox = client.create_container(&opts).await.expect("create");
    let run = RunOptions::default();
    sandbox
        .run("python3 -c 'x = 1'", &run)
        .await
        .expect("warm-up");
    let mut lib = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let r = sandbox.run("python3 -c 'x = 1'", &run).await.expect("run");
        lib.push(t.elapsed());
        assert_eq!(r.exit_code, 0);
    }
    sandbox.shutdown().await.expect("shutdown");

    // MCP, warm session.
    let warm = server(1).await;
    tokio::time::sleep(Duration::from_secs(3)).await; // the pool's first sandbox
    let (sid, _) = run_python(&warm, "x = 1", None).await;
    run_python(&warm, "x = 1", Some(&sid)).await;
    let mut mcp = Vec::new();
    for _ in 0..n {
        mcp.push(run_python(&warm, "x = 1", Some(&sid)).await.1);
    }
    close(&warm, &sid).await;
    let rounds = (n / 3).max(3);
    let pooled = first_calls(&warm, rounds, Duration::from_secs(2)).await;
    warm.cancel().await.ok();

    let cold = server(0).await;
    let unpooled = first_calls(&cold, rounds, Duration::from_millis(200)).await;
    cold.cancel().await.ok();

    let (lib50, lib95) = stats(lib);
    let (mcp50, mcp95) = stats(mcp);
    let (p50, p95) = stats(pooled);
    let (u50, u95) = stats(unpooled);
    println!("{:<62} {:>9} {:>9}", "", "median", "p95");
    println!(
        "{:<62} {lib50:>6.1} ms {lib95:>6.1} ms",
        "library run(\"python3 -c 'x = 1'\") (baseline)"
    );
    println!(
        "{:<62} {mcp50:>6.1} ms {mcp95:>6.1} ms  ({:.2}x the baseline)",
        "MCP run_python(\"x = 1\"), warm session",
        mcp50 / lib50
    );
    println!(
        "{:<62} {p50:>6.1} ms {p95:>6.1} ms",
        "MCP first call of a new session, pool warm (--warm 1)"
    );
    println!(
        "{:<62} {u50:>6.1} ms {u95:>6.1} ms  ({:.1}x the pooled)",
        "MCP first call of a new session, no pool (--warm 0)",
        u50 / p50
    );
    println!("({n} warm iterations, {rounds} new sessions each way)");
}
