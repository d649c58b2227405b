//! pocketdock-agent: the sandbox's PID 1. Spawns, pipes, limits, kills and accounts for runs
//! on behalf of the pocketdock library, and nothing else. Built static by the crate's
//! build.rs with plain rustc (std only), and placed in every sandbox through the engine API.
//!
//!   pocketdock-agent serve    PID 1: listen for the relay, run what it asks
//!   pocketdock-agent relay    started per client by an engine exec: stdin/stdout <-> agent
//!   pocketdock-agent version  print the protocol version
//!   pocketdock-agent signal-run MARKER SIGNAL   (internal) signal a run's processes as
//!                             the run's own user, who may read their environments

mod detached;
mod procs;
mod reaper;
mod relay;
mod run;
mod serve;
mod sys;
mod users;
#[allow(dead_code)]
#[path = "../wire.rs"]
mod wire;

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("relay") => relay::relay(),
        Some("version") => println!("pocketdock-agent protocol {}", wire::VERSION),
        Some("signal-run") => signal_run(),
        // Extra arguments (an image's CMD appended by the engine) are ignored.
        _ => serve::serve(),
    }
}

fn signal_run() {
    let args: Vec<String> = std::env::args().skip(2).collect();
    match (args.first(), args.get(1).and_then(|s| s.parse::<i32>().ok())) {
        (Some(marker), Some(sig)) => procs::signal_marked(marker.as_bytes(), sig),
        _ => std::process::exit(2),
    }
}
