//! The engine's multiplexed stdout/stderr decoder (src/engine/frames.rs). Input: a count of
//! cut positions, the cuts, then the raw stream. The decoder must not panic, and must give
//! the same output however the stream is cut into reads.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pocketdock::fuzzing::{demux, pieces};

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let (cuts, stream) = rest.split_at(usize::from(n % 16).min(rest.len()));
    let whole = demux(&[stream]);
    let cut = demux(&pieces(stream, cuts));
    assert_eq!(whole, cut, "output depends on how the stream was cut");
    assert!(whole.0.len() + whole.1.len() <= stream.len());
});
