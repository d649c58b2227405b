//! Round trips of every frame, reassembly and garbage.

use crate::codec::K_SPAWN;
use crate::*;

fn samples() -> Vec<(u32, Msg)> {
    vec![
        (0, Msg::Hello { version: VERSION }),
        (0, Msg::HelloOk { version: 1, pid: 1 }),
        (
            7,
            Msg::Spawn(Spawn {
                argv: vec!["sh".into(), "-c".into(), "echo ü".into()],
                env: vec!["A=1".into()],
                workdir: Some("/tmp".into()),
                user: None,
                stdin: vec![0, 1, 2, 255],
                timeout_ms: 1500,
                max_output: 10 << 20,
                detached: true,
                buffer_size: 1 << 20,
                keep_stdin: true,
                window: 16,
            }),
        ),
        (7, Msg::Kill { signal: -9 }),
        (
            7,
            Msg::Output {
                stream: 2,
                offset: 1 << 40,
                data: b"err\n".to_vec(),
            },
        ),
        (3, Msg::Spawned { proc: 4 }),
        (
            3,
            Msg::Attach {
                proc: 4,
                stdout_from: 5,
                stderr_from: u64::MAX,
                follow: true,
            },
        ),
        (
            3,
            Msg::Status {
                running: true,
                stdout_end: 9,
                stderr_end: 0,
            },
        ),
        (
            3,
            Msg::KillProc {
                proc: 4,
                signal: 15,
            },
        ),
        (3, Msg::List),
        (3, Msg::KillAll),
        (3, Msg::Swept { killed: 300 }),
        (
            5,
            Msg::Stdin {
                proc: 4,
                data: b"ls\n".to_vec(),
                close: true,
            },
        ),
        (5, Msg::Unfollow { proc: 4 }),
        (
            5,
            Msg::Command {
                proc: 4,
                line: b"printf x\n".to_vec(),
                marker: "__PD_1__".into(),
                stdout_from: 3,
                stderr_from: u64::MAX,
                start_markers: true,
            },
        ),
        (
            5,
            Msg::Ran {
                exit_code: -1,
                stdout_start: 7,
                stderr_start: 0,
                stdout_end: 1 << 40,
                stderr_end: 9,
            },
        ),
        (
            3,
            Msg::Procs(vec![ProcEntry {
                proc: 4,
                pid: 77,
                running: false,
                exit_code: 3,
                argv: vec!["sleep".into(), "1".into()],
            }]),
        ),
        (
            7,
            Msg::Exit(Exit {
                exit_code: -1,
                signal: 9,
                timed_out: true,
                truncated: false,
                oom_killed: true,
                wall_us: 1,
                user_us: 2,
                sys_us: 3,
                max_rss_kb: u64::MAX,
            }),
        ),
        (
            9,
            Msg::Failed {
                message: "nope".into(),
            },
        ),
        (
            10,
            Msg::Put(Put {
                dest: "rel/ü.txt".into(),
                owner: Some("sandbox:staff".into()),
                how: PutHow::File,
            }),
        ),
        (
            11,
            Msg::Put(Put {
                dest: "/tmp/x/".into(),
                owner: None,
                how: PutHow::Copy {
                    src_dir: true,
                    src_name: None,
                    contents: true,
                    trailing_slash: true,
                },
            }),
        ),
        (
            12,
            Msg::Get {
                path: "/etc".into(),
                want: Want::Tree,
            },
        ),
        (
            12,
            Msg::Get {
                path: "f".into(),
                want: Want::File,
            },
        ),
        (
            12,
            Msg::Found {
                path: "/a/l".into(),
                resolved: "/b".into(),
                dir: true,
            },
        ),
        (12, Msg::Data { data: vec![0; 3] }),
        (12, Msg::DataEnd),
        (12, Msg::Credit { chunks: 4 }),
        (12, Msg::Cancel),
        (10, Msg::Done),
        (
            10,
            Msg::Refused {
                code: files::refusal::NOT_FOUND,
                message: "/nope".into(),
            },
        ),
    ]
}

#[test]
fn every_message_round_trips() {
    for (id, m) in samples() {
        let f = encode(id, &m);
        assert_eq!(decode(&f[4..]).unwrap(), (id, m));
    }
}

#[test]
fn frames_split_anywhere_are_reassembled() {
    let stream: Vec<u8> = samples()
        .iter()
        .flat_map(|(id, m)| encode(*id, m))
        .collect();
    for step in [1, 2, 3, 5, 7, 64, stream.len()] {
        let mut fb = FrameBuf::default();
        let mut got = Vec::new();
        for chunk in stream.chunks(step) {
            fb.push(chunk);
            while let Some(f) = fb.next_frame().unwrap() {
                got.push(f);
            }
        }
        assert_eq!(got, samples(), "chunk size {step}");
    }
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    assert!(decode(&[]).is_err());
    assert!(decode(&[99, 0, 0, 0, 1]).is_err());
    assert!(decode(&[K_SPAWN, 0, 0, 0, 1, 255, 255, 255, 255]).is_err());
    let mut f = encode(1, &Msg::Kill { signal: 9 });
    f.push(0);
    assert!(decode(&f[4..]).is_err());
    let mut fb = FrameBuf::default();
    fb.push(&[0xff, 0xff, 0xff, 0xff]);
    assert!(fb.next_frame().is_err());
}

/// A `Procs` count its frame cannot hold is refused before the list is sized: one entry
/// per byte of a 16 MiB frame would have reserved some 800 MB in the client.
#[test]
fn a_procs_count_the_frame_cannot_hold_is_refused_at_once() {
    let mut body = vec![13u8, 0, 0, 0, 1];
    let entries = 1000u32;
    body.extend_from_slice(&entries.to_be_bytes());
    body.resize(body.len() + 16 * entries as usize, 0);
    let e = decode(&body).unwrap_err();
    assert!(e.0.contains("list longer than frame"), "{e}");
    // Exactly enough bytes for the entries (empty argv) still decodes.
    let mut ok = encode(1, &Msg::Procs(vec![ProcEntry::default(); 3]));
    assert_eq!(
        decode(&ok[4..]).unwrap().1,
        Msg::Procs(vec![ProcEntry::default(); 3])
    );
    ok.pop();
    assert!(decode(&ok[4..]).is_err());
}

#[test]
fn data_frames_written_by_head_and_payload_match_encode() {
    for len in [0, 1, 511, 70_000] {
        let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut f = data_head(77, len).to_vec();
        f.extend_from_slice(&data);
        assert_eq!(f, encode(77, &Msg::Data { data: data.clone() }));
        let (id, range) = data_payload(&f[4..]).unwrap();
        assert_eq!((id, &f[4..][range]), (77, &data[..]));
    }
    // Anything else, or a payload length that disagrees with the frame's, is not one.
    assert_eq!(data_payload(&encode(3, &Msg::DataEnd)[4..]), None);
    let mut f = encode(3, &Msg::Data { data: vec![1; 4] });
    f.push(0);
    assert_eq!(data_payload(&f[4..]), None);
    assert_eq!(data_payload(&f[4..8]), None);
}

#[test]
fn frames_read_into_a_reused_buffer() {
    let stream: Vec<u8> = [
        encode(1, &Msg::Data { data: vec![9; 100] }),
        encode(2, &Msg::Done),
    ]
    .concat();
    let mut input = &stream[..];
    let mut buf = Vec::new();
    let n = read_frame_into(&mut input, &mut buf).unwrap();
    assert_eq!(decode(&buf[..n]).unwrap().0, 1);
    let n = read_frame_into(&mut input, &mut buf).unwrap();
    assert_eq!(decode(&buf[..n]).unwrap(), (2, Msg::Done));
    assert!(buf.len() >= 100, "the buffer is kept, not shrunk");
}
