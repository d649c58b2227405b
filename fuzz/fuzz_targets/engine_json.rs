//! The engine's JSON documents (src/engine/models) as the library reads and uses them:
//! container inspect (name, labels, user, start time, address, ports), list, two stats
//! samples (CPU and memory figures), top, exec inspect, image inspect, build/load progress
//! lines, error bodies, and the archive API's base64 path stat. Input: a byte choosing the
//! document, then its bytes. A document may be refused, never crash the library.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, json)) = data.split_first() else {
        return;
    };
    let _ = pocketdock::fuzzing::engine_json(kind, json);
});
