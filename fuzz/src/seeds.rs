//! Writes the seed corpus (`fuzz/corpus/<target>/`) from the real encoders: the wire crate's
//! `encode`, the `tar` crate the library packs with, the agent's own tar writer, and the
//! engine captures in src/engine/models/fixtures. Run from the repository root with
//! `cargo run --manifest-path fuzz/Cargo.toml --bin seeds` (no sanitizer needed); the
//! output is committed, so the fuzz runs start from inputs that reach deep.
#![allow(dead_code)]

use std::fs;
use std::path::Path;

use pocketdock_wire::{encode, Exit, Msg, ProcEntry, Put, PutHow, Spawn, Want};

#[path = "../../crates/agent/src/tar.rs"]
mod agent_tar;

fn write(target: &str, name: &str, data: &[u8]) {
    let dir = Path::new("fuzz/corpus").join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), data).unwrap();
}

/// One frame of the engine's multiplexed stream.
fn mux(stream: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![stream, 0, 0, 0];
    v.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn exec_output() -> Vec<u8> {
    [
        mux(1, b"hello "),
        mux(2, b"oops\n"),
        mux(1, b""),
        mux(0, b"stdin echo"),
        mux(1, b"world\n"),
    ]
    .concat()
}

fn frames() {
    write(
        "frames",
        "mixed",
        &[&[2u8, 3, 11][..], &exec_output()].concat(),
    );
    write(
        "frames",
        "big",
        &[&[0u8][..], &mux(1, &[b'x'; 3000])].concat(),
    );
    write(
        "frames",
        "cut-header",
        &[&[1u8, 4][..], &mux(2, b"err")[..6]].concat(),
    );
}

fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in body.chunks(7) {
        out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn engine_http() {
    let stream = exec_output();
    let docker = [
        &b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
        &chunked(&stream),
    ]
    .concat();
    write(
        "engine_http",
        "docker-chunked",
        &[&[1u8, 1, 40][..], &docker].concat(),
    );
    let podman = [
        &b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n"[..],
        &stream,
    ]
    .concat();
    write(
        "engine_http",
        "podman-raw",
        &[&[1u8, 0][..], &podman].concat(),
    );
    let upgraded = [
        &b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"[..],
        &stream,
    ]
    .concat();
    write(
        "engine_http",
        "upgraded",
        &[&[1u8, 0][..], &upgraded].concat(),
    );
    let body = r#"{"message":"No such exec instance: 0123abcd"}"#;
    let refusal = format!(
        "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes();
    write(
        "engine_http",
        "refusal",
        &[&[0u8, 0][..], &refusal].concat(),
    );
    let inspect = include_bytes!("../../src/engine/models/fixtures/docker-inspect-running.json");
    let ok = [
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            inspect.len()
        )
        .as_bytes(),
        &inspect[..],
    ]
    .concat();
    write("engine_http", "inspect", &[&[0u8, 0][..], &ok].concat());
    let chunked_err = [
        &b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
        &chunked(br#"{"cause":"x","message":"container state improper","response":500}"#),
    ]
    .concat();
    write(
        "engine_http",
        "chunked-error",
        &[&[0u8, 0][..], &chunked_err].concat(),
    );
}

fn engine_json() {
    let fixtures = Path::new("src/engine/models/fixtures");
    let kinds: &[(&str, u8)] = &[
        ("inspect", 0),
        ("list", 1),
        ("top", 3),
        ("exec", 4),
        ("image", 5),
        ("build", 6),
        ("error", 7),
    ];
    for entry in fs::read_dir(fixtures).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(&(_, kind)) = kinds.iter().find(|(k, _)| name.contains(k)) else {
            continue;
        };
        let data = fs::read(entry.path()).unwrap();
        write("engine_json", &name, &[&[kind][..], &data].concat());
    }
    for engine in ["docker", "podman"] {
        let s = fs::read(fixtures.join(format!("{engine}-stats.json"))).unwrap();
        let pair = [&b"["[..], &s, b",", &s, b"]"].concat();
        write(
            "engine_json",
            &format!("{engine}-stats-pair"),
            &[&[2u8][..], &pair].concat(),
        );
    }
    // A path stat header as each engine writes it (standard and URL-safe base64).
    write(
        "engine_json",
        "docker-path-stat",
        b"\x08eyJuYW1lIjoiZCIsInNpemUiOjQwOTYsIm1vZGUiOjIxNDc0ODQxNDF9",
    );
    write(
        "engine_json",
        "podman-path-stat",
        b"\x08eyJuYW1lIjoiZCIsInNpemUiOjEsIm1vZGUiOjEzNDIxODIzOSwibGlua1RhcmdldCI6Ii90bXAvZCJ9",
    );
}

fn agent_stream(frames: &[(u32, Msg)]) -> Vec<u8> {
    let wire: Vec<u8> = frames.iter().flat_map(|(id, m)| encode(*id, m)).collect();
    // The relay's stdout, as the engine multiplexes it (in 8 KiB pieces, as Podman does).
    wire.chunks(8192).flat_map(|c| mux(1, c)).collect()
}

fn wire_client() {
    let exit = Exit {
        exit_code: 3,
        signal: 0,
        timed_out: false,
        truncated: true,
        oom_killed: false,
        wall_us: 1500,
        user_us: 20,
        sys_us: 30,
        max_rss_kb: 4096,
    };
    let run = agent_stream(&[
        (0, Msg::HelloOk { version: pocketdock_wire::VERSION, pid: 1 }),
        (
            1,
            Msg::Output {
                stream: 1,
                offset: 0,
                data: b"hi\n".to_vec(),
            },
        ),
        (
            1,
            Msg::Output {
                stream: 2,
                offset: 0,
                data: b"err\n".to_vec(),
            },
        ),
        (
            1,
            Msg::Output {
                stream: 1,
                offset: 9,
                data: b"lost some\n".to_vec(),
            },
        ),
        (1, Msg::Exit(exit)),
    ]);
    write(
        "wire_client",
        "run",
        &[&[0u8; 16][..], &[2, 5, 40], &run].concat(),
    );
    let session = agent_stream(&[
        (
            2,
            Msg::Output {
                stream: 1,
                offset: 0,
                data: b"early\n\nPDFUZZS\nout\n\nPDFUZZ 0\n".to_vec(),
            },
        ),
        (
            2,
            Msg::Output {
                stream: 2,
                offset: 0,
                data: b"\nPDFUZZS\nerr\n\nPDFUZZ\n".to_vec(),
            },
        ),
        (
            2,
            Msg::Status {
                running: true,
                stdout_end: 30,
                stderr_end: 20,
            },
        ),
    ]);
    write(
        "wire_client",
        "session",
        &[&[0u8; 16][..], &[0], &session].concat(),
    );
    let procs = agent_stream(&[
        (
            3,
            Msg::Procs(vec![ProcEntry {
                proc: 1,
                pid: 42,
                running: false,
                exit_code: 0,
                argv: vec!["sleep".into(), "1".into()],
            }]),
        ),
        (0, Msg::Spawned { proc: 2 }),
        (1, Msg::Swept { killed: 3 }),
        (
            2,
            Msg::Found {
                path: "/a".into(),
                resolved: "/b/a".into(),
                dir: false,
            },
        ),
        (
            2,
            Msg::Data {
                data: b"contents".to_vec(),
            },
        ),
        (2, Msg::DataEnd),
        (
            3,
            Msg::Refused {
                code: 2,
                message: "no such file".into(),
            },
        ),
        (
            0,
            Msg::Failed {
                message: "bad request".into(),
            },
        ),
        (1, Msg::Done),
        (
            3,
            Msg::Ran {
                exit_code: 3,
                stdout_start: 5,
                stderr_start: 0,
                stdout_end: 20,
                stderr_end: 9,
            },
        ),
    ]);
    write(
        "wire_client",
        "misc",
        &[&[0u8; 16][..], &[1, 9], &procs].concat(),
    );
}

fn wire_agent() {
    let spawn = Spawn {
        argv: vec!["sh".into(), "-c".into(), "echo hi".into()],
        env: vec!["A=B".into()],
        workdir: Some("/work".into()),
        user: Some("sandbox:users".into()),
        stdin: b"root:x:0:0:root:/root:/bin/sh\nsandbox:x:1000:100::/home/sandbox:/bin/sh\n"
            .to_vec(),
        timeout_ms: 1000,
        max_output: 1 << 20,
        detached: true,
        buffer_size: 1 << 16,
        keep_stdin: true,
        window: 16,
    };
    let frames: Vec<u8> = [
        encode(1, &Msg::Hello { version: pocketdock_wire::VERSION }),
        encode(2, &Msg::Spawn(spawn)),
        encode(2, &Msg::Kill { signal: 15 }),
        encode(
            3,
            &Msg::Attach {
                proc: 1,
                stdout_from: 0,
                stderr_from: u64::MAX,
                follow: true,
            },
        ),
        encode(4, &Msg::KillProc { proc: 1, signal: 9 }),
        encode(5, &Msg::List),
        encode(6, &Msg::KillAll),
        encode(
            7,
            &Msg::Stdin {
                proc: 1,
                data: b"input".to_vec(),
                close: true,
            },
        ),
        encode(8, &Msg::Unfollow { proc: 1 }),
    ]
    .concat();
    write("wire_agent", "runs", &frames);
    let files: Vec<u8> = [
        encode(1, &Msg::Hello { version: pocketdock_wire::VERSION }),
        encode(
            2,
            &Msg::Put(Put {
                dest: "/work/out.txt".into(),
                owner: Some("1000:100".into()),
                how: PutHow::File,
            }),
        ),
        encode(
            2,
            &Msg::Data {
                data: b"contents".to_vec(),
            },
        ),
        encode(2, &Msg::DataEnd),
        encode(
            3,
            &Msg::Put(Put {
                dest: "sub/../dir/".into(),
                owner: None,
                how: PutHow::Copy {
                    src_dir: true,
                    src_name: Some("src".into()),
                    contents: false,
                    trailing_slash: true,
                },
            }),
        ),
        encode(
            4,
            &Msg::Get {
                path: "/etc/passwd".into(),
                want: Want::Tree,
            },
        ),
        encode(4, &Msg::Credit { chunks: 8 }),
        encode(4, &Msg::Cancel),
    ]
    .concat();
    write("wire_agent", "files", &files);
    // A session command whose line is also what its framing reads (the target feeds it as
    // the shell's output): start markers, output, both end markers.
    let shell = b"\nM7S\nout\n\nM7S\nerr\n\nM7 3\n\nM7\n".to_vec();
    let session: Vec<u8> = [
        encode(1, &Msg::Hello { version: pocketdock_wire::VERSION }),
        encode(
            2,
            &Msg::Command {
                proc: 1,
                line: shell,
                marker: "M7".into(),
                stdout_from: 0,
                stderr_from: 0,
                start_markers: true,
            },
        ),
        encode(2, &Msg::Unfollow { proc: 1 }),
    ]
    .concat();
    write("wire_agent", "session", &session);
}

fn library_tar(top: &str) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    let mut add = |b: &mut tar::Builder<Vec<u8>>,
                   path: &str,
                   kind: tar::EntryType,
                   data: &[u8],
                   link: Option<&str>| {
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(if kind == tar::EntryType::Directory {
            0o755
        } else {
            0o644
        });
        h.set_mtime(1_700_000_000);
        match link {
            Some(l) => b.append_link(&mut h, path, l).unwrap(),
            None => b.append_data(&mut h, path, data).unwrap(),
        }
    };
    add(
        &mut b,
        &format!("{top}/"),
        tar::EntryType::Directory,
        b"",
        None,
    );
    add(
        &mut b,
        &format!("{top}/a.txt"),
        tar::EntryType::Regular,
        b"hello\n",
        None,
    );
    add(
        &mut b,
        &format!("{top}/sub/"),
        tar::EntryType::Directory,
        b"",
        None,
    );
    let long = format!("{top}/sub/{}", "n".repeat(120));
    add(&mut b, &long, tar::EntryType::Regular, b"long name\n", None);
    add(
        &mut b,
        &format!("{top}/link"),
        tar::EntryType::Symlink,
        b"",
        Some("a.txt"),
    );
    add(
        &mut b,
        &format!("{top}/hard"),
        tar::EntryType::Link,
        b"",
        Some(&format!("{top}/a.txt")),
    );
    b.into_inner().unwrap()
}

/// Names that try to leave the destination: `..`, absolute, through a symlink.
fn hostile_tar() -> Vec<u8> {
    let mut out = Vec::new();
    let mut entry = |name: &[u8], kind: tar::EntryType, data: &[u8], link: &[u8]| {
        let mut h = tar::Header::new_old();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.as_old_mut().linkname[..link.len()].copy_from_slice(link);
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o4755);
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    };
    entry(b"x/../evil", tar::EntryType::Regular, b"no", b"");
    entry(b"/x/abs", tar::EntryType::Regular, b"no", b"");
    entry(b"x/up", tar::EntryType::Symlink, b"", b"..");
    entry(b"x/up/evil", tar::EntryType::Regular, b"no", b"");
    entry(b"x/h", tar::EntryType::Link, b"", b"/etc/passwd");
    entry(b"x/fifo", tar::EntryType::Fifo, b"", b"");
    out.extend_from_slice(&[0u8; 1024]);
    out
}

fn tar_extract() {
    write(
        "tar_extract",
        "path-x",
        &[&[1u8][..], &library_tar("x")].concat(),
    );
    write(
        "tar_extract",
        "path-d",
        &[&[2u8][..], &library_tar("d")].concat(),
    );
    write(
        "tar_extract",
        "root",
        &[&[0u8][..], &library_tar("etc")].concat(),
    );
    write(
        "tar_extract",
        "hostile",
        &[&[1u8][..], &hostile_tar()].concat(),
    );
}

fn agent_tar() {
    let mut w = agent_tar::Writer::new(Vec::new());
    let header = |name: &[u8], kind, size, link: &[u8]| agent_tar::Header {
        name: name.to_vec(),
        kind,
        mode: 0o644,
        uid: 1000,
        gid: 100,
        size,
        mtime: 1_700_000_000,
        link: link.to_vec(),
    };
    w.header(&header(b"top", agent_tar::Kind::Dir, 0, b""))
        .unwrap();
    w.header(&header(b"top/f", agent_tar::Kind::File, 5, b""))
        .unwrap();
    w.content_writer().extend_from_slice(b"hello");
    w.end_content(5).unwrap();
    let long = [&b"top/"[..], &[b'l'; 150]].concat();
    w.header(&header(&long, agent_tar::Kind::Symlink, 0, &[b't'; 130]))
        .unwrap();
    let mut big = header(b"top/big", agent_tar::Kind::File, 0, b"");
    big.uid = 1 << 40;
    big.mtime = u64::from(u32::MAX) << 8;
    w.header(&big).unwrap();
    let written = w.finish().unwrap();
    write("agent_tar", "agent-writer", &written);
    // What the agent writes for a `Get` is what the library extracts: base-256 numbers too.
    write(
        "tar_extract",
        "agent-writer",
        &[&[0u8][..], &written].concat(),
    );
    write("agent_tar", "library-tar", &library_tar("x"));
    // A PAX path record, as GNU tar writes for long names in --format=posix.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.set_size(2);
    h.set_mode(0o600);
    b.append_pax_extensions([("path", &b"pax/long/name"[..])])
        .unwrap();
    b.append_data(&mut h, "short", &b"ok"[..]).unwrap();
    write("agent_tar", "pax", &b.into_inner().unwrap());
}

fn project_config() {
    write(
        "project_config",
        "full",
        b"# comment\nproject_name: \"my \\\"proj\\\"\"  # trailing\ndefault_profile: dev\n\
          default_persist: true\nsocket: '/run/it''s.sock'\nlogging:\n  history: false\n  \
          max_file_size: 1m\n  max_run_logs: 3\n  max_age_days: 0\n",
    );
    write("project_config", "minimal", b"project_name: demo\n");
    write(
        "project_config",
        "nulls",
        b"---\nsocket: ~\ndefault_profile: null\nlogging:\n  run_logs: true\n",
    );
}

fn main() {
    frames();
    engine_http();
    engine_json();
    wire_client();
    wire_agent();
    tar_extract();
    agent_tar();
    project_config();
}
