//! pocketdock-agent: the sandbox's PID 1. Spawns, pipes, limits, kills and accounts for runs
//! on behalf of the pocketdock library, and nothing else. Std only; built static by the
//! pocketdock crate's build.rs (plain rustc, the wire crate passed with `--extern`), embedded
//! in the library and placed in every sandbox through the engine API.
//!
//!   pocketdock-agent serve    PID 1: listen for the relay, run what it asks
//!   pocketdock-agent relay    started per client by an engine exec: stdin/stdout <-> agent
//!   pocketdock-agent version  print the protocol version
//!   pocketdock-agent signal-run MARKER SIGNAL PGID   (internal) signal a run's processes as
//!                             the run's own user, who may read their environments

mod detached;
mod files;
mod get;
mod procs;
mod put;
mod reaper;
mod relay;
mod run;
mod serve;
mod sys;
mod tar;
mod users;
use pocketdock_wire as wire;

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
    let num = |i: usize| args.get(i).and_then(|s| s.parse::<i32>().ok());
    match (args.first(), num(1), num(2)) {
        (Some(marker), Some(sig), Some(group)) => {
            procs::signal_marked(marker.as_bytes(), sig, group)
        }
        _ => std::process::exit(2),
    }
}
