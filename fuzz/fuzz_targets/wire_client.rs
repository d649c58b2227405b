//! The client's side of the agent channel, fed by a hostile sandbox (src/agent/conn.rs and
//! its callers): the relay's multiplexed stream through the frame decoder and the wire
//! crate's `FrameBuf`, frames routed to waiting requests, then what runs, detached
//! processes and sessions do with them (output caps, exits, listings, read cursors, session
//! framing). Input: 16 bytes of read cursors, a count of cuts, the cuts, then the stream.
//! Nothing may panic, and the outcome must not depend on how the stream was cut.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pocketdock::fuzzing::{agent_replies, pieces};

fuzz_target!(|data: &[u8]| {
    if data.len() < 17 {
        return;
    }
    let (head, rest) = data.split_at(16);
    let from = [
        u64::from_be_bytes(head[..8].try_into().unwrap()),
        u64::from_be_bytes(head[8..].try_into().unwrap()),
    ];
    let n = usize::from(rest[0] % 16);
    let (cuts, stream) = rest[1..].split_at(n.min(rest.len() - 1));
    let whole = agent_replies(&[stream], from);
    let cut = agent_replies(&pieces(stream, cuts), from);
    assert_eq!(whole.routed, cut.routed);
    assert_eq!(whole.error, cut.error);
});
