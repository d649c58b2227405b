//! An engine's HTTP answer, as the library reads it: hyper's HTTP/1 response parser
//! (status line, headers, chunked or sized bodies, `101` upgrades), the request funnel's
//! verdict (src/engine/request.rs), then the exec stream through the frame decoder or the
//! body as an engine JSON document; and the hand-read response head of an upgraded exec
//! (src/engine/hijack.rs). Input: a flags byte, a count of cuts, the cuts, then what the
//! engine sends before it closes the connection. Nothing may panic or hang.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pocketdock::fuzzing::{engine_answer, hijack_head, pieces};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Some((&n, rest)) = rest.split_first() else {
        return;
    };
    let (cuts, answer) = rest.split_at(usize::from(n % 8).min(rest.len()));
    if let Some((_, end)) = hijack_head(answer) {
        assert!(end <= answer.len());
    }
    let got = engine_answer(&pieces(answer, cuts), flags & 1 == 1);
    assert!(got.stdout.len() + got.stderr.len() <= answer.len());
    if let Some(e) = got.error {
        assert!(!e.is_empty());
    }
});
