//! pocketdock-agent: the sandbox's PID 1. Spawns, pipes, limits, kills and accounts for runs
//! on behalf of the pocketdock library, and nothing else. Std only; built static by the
//! pocketdock crate's build.rs (plain rustc, the wire crate passed with `--extern`), embedded
//! in the library and placed in every sandbox through the engine API.
//!
//!   pocketdock-agent serve    PID 1: listen for the relay, run what it asks
//!   pocketdock-agent relay    started per client by an engine exec: stdin/stdout <-> agent
//!   pocketdock-agent version  print the protocol version

mod bufs;
mod detached;
mod files;
mod get;
mod procs;
mod put;
mod reaper;
mod relay;
mod run;
mod serve;
mod shepherd;
mod sys;
mod tar;
mod threads;
mod users;
use pocketdock_wire as wire;

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("relay") => relay::relay(),
        Some("version") => println!("pocketdock-agent protocol {}", wire::VERSION),
        // Extra arguments (an image's CMD appended by the engine) are ignored.
        _ => serve::serve(),
    }
}
