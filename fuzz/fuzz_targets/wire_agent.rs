//! The agent's side of its channel (crates/wire, as crates/agent/src/serve.rs reads it):
//! length-prefixed frames read off the connection and decoded, then the pure rules the agent
//! applies to what a request carries (container paths, `docker cp` landings, owners resolved
//! against passwd/group text), and a session command's framing fed the line's bytes as if
//! the sandbox's shell had printed them (the shell's output is the sandbox's to choose).
//! Every frame that decodes must encode back to the same message. Nothing may panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pocketdock_wire::session::Framing;
use pocketdock_wire::{decode, encode, owner, paths, read_frame, Msg, PutHow};

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    while let Ok(body) = read_frame(&mut input) {
        let Ok((id, msg)) = decode(&body) else {
            continue;
        };
        let again = encode(id, &msg);
        assert_eq!(decode(&again[4..]), Ok((id, msg.clone())), "round trip");
        match &msg {
            Msg::Put(p) => {
                let dest = paths::clean("/work", &p.dest);
                let _ = (paths::basename(&dest), paths::parent(&dest));
                if let PutHow::Copy {
                    src_dir,
                    src_name,
                    contents,
                    trailing_slash,
                } = &p.how
                {
                    for kind in [
                        paths::DestKind::Missing,
                        paths::DestKind::File,
                        paths::DestKind::Dir,
                    ] {
                        let _ = paths::landing(
                            *src_dir,
                            src_name.as_deref(),
                            *contents,
                            kind,
                            paths::basename(&dest),
                            *trailing_slash,
                        );
                    }
                }
                if let Some(spec) = &p.owner {
                    let _ = owner::needs_lookup(spec);
                    let _ = owner::resolve(spec, Some(&p.dest), p.owner.as_deref());
                }
            }
            Msg::Get { path, .. } => {
                let _ = paths::clean("/", path);
            }
            Msg::Command {
                line,
                marker,
                stdout_from,
                stderr_from,
                start_markers,
                ..
            } => frame_output(line, marker, [*stdout_from, *stderr_from], *start_markers),
            Msg::Spawn(s) => {
                if let Some(user) = &s.user {
                    let passwd = String::from_utf8_lossy(&s.stdin);
                    let _ = owner::resolve(user, Some(&passwd), s.workdir.as_deref());
                }
            }
            _ => {}
        }
    }
});

/// Feeds `output` to a session command's framing as the shell's two streams would bring it:
/// split in pieces at positions the bytes choose, alternating streams, replays and gaps
/// included, with the agent's own calls in between.
fn frame_output(output: &[u8], marker: &str, from: [u64; 2], start_markers: bool) {
    let mut f = if start_markers {
        Framing::new(marker, from)
    } else {
        Framing::starting_at(marker, from, [from[0].wrapping_add(3), from[1]])
    };
    let mut at = from;
    for piece in output.chunks(7) {
        let stream = 1 + (piece[0] & 1);
        let i = usize::from(stream - 1);
        // Low bits pick a replay (back), a gap (ahead) or the next position.
        let offset = match piece[0] >> 6 {
            0 => at[i].saturating_sub(2),
            1 => at[i].saturating_add(5),
            _ => at[i],
        };
        at[i] = offset.saturating_add(piece.len() as u64);
        let done = f.push(stream, offset, piece);
        let _ = f.pieces(usize::from(piece[0] & 0x0f));
        assert_eq!(done, f.done());
        if done {
            break;
        }
    }
    let _ = f.pieces(0);
    let _ = f.framed();
}
