//! The agent's side of its channel (crates/wire, as crates/agent/src/serve.rs reads it):
//! length-prefixed frames read off the connection and decoded, then the pure rules the agent
//! applies to what a request carries (container paths, `docker cp` landings, owners resolved
//! against passwd/group text). Every frame that decodes must encode back to the same
//! message. Nothing may panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
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
