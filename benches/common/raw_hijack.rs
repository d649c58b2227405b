//! Raw floors for long-lived and bulk exec streams: a hijacked (`Upgrade: tcp`) shell kept
//! open across commands, and an exec whose multiplexed output is read as fast as one thread
//! can (a big buffer, headers demultiplexed in place, payload counted, never copied), the
//! way a hyper-based client such as bollard reads it. Plain blocking sockets, no library.
//! Include it next to `raw_http` (as `mod raw_http;`): it sends its plain requests.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use super::raw_http::request;

/// Splits the engine's multiplexed stream (`[stream,0,0,0,len_be32]` + payload) as it comes.
#[derive(Default)]
pub struct Demux {
    header: [u8; 8],
    header_len: usize,
    remaining: usize,
    stream: u8,
}

impl Demux {
    /// Feeds raw bytes; `emit(stream, payload)` gets each payload piece in order.
    pub fn feed(&mut self, mut input: &[u8], mut emit: impl FnMut(u8, &[u8])) {
        while !input.is_empty() {
            if self.remaining == 0 {
                let take = (8 - self.header_len).min(input.len());
                self.header[self.header_len..self.header_len + take]
                    .copy_from_slice(&input[..take]);
                self.header_len += take;
                input = &input[take..];
                if self.header_len == 8 {
                    self.header_len = 0;
                    self.stream = self.header[0];
                    let h = self.header;
                    self.remaining = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
                }
                continue;
            }
            let take = self.remaining.min(input.len());
            emit(self.stream, &input[..take]);
            self.remaining -= take;
            input = &input[take..];
        }
    }
}

fn exec_create(socket: &Path, id: &str, body: &str) -> String {
    let (st, b) = request(
        socket,
        "POST",
        &format!("/containers/{id}/exec"),
        Some(body),
    );
    assert_eq!(st, 201, "{}", String::from_utf8_lossy(&b));
    let v: serde_json::Value = serde_json::from_slice(&b).expect("JSON answer");
    v["Id"].as_str().expect("exec id").to_owned()
}

/// Writes an exec start request and reads the response head; returns the connection, the
/// status and the stream bytes that came with the head.
fn start(socket: &Path, exec_id: &str, upgrade: bool) -> (UnixStream, u16, Vec<u8>) {
    let mut s = UnixStream::connect(socket).expect("connect");
    let body = r#"{"Detach":false,"Tty":false}"#;
    let (version, upgrade) = if upgrade {
        ("1.1", "Connection: Upgrade\r\nUpgrade: tcp\r\n")
    } else {
        // HTTP/1.0: the engine ends the output by closing, no chunked encoding to undo.
        ("1.0", "")
    };
    write!(
        s,
        "POST /v1.41/exec/{exec_id}/start HTTP/{version}\r\nHost: d\r\n{upgrade}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = s.read(&mut chunk).expect("read head");
        assert!(n > 0, "engine closed during exec start");
        buf.extend_from_slice(&chunk[..n]);
    };
    let status = std::str::from_utf8(&buf[..end])
        .ok()
        .and_then(|h| h.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (s, status, buf[end..].to_vec())
}

/// A shell on a hijacked exec connection, kept open between commands.
pub struct Shell {
    conn: UnixStream,
    demux: Demux,
    stdout: Vec<u8>,
    buf: Vec<u8>,
}

impl Shell {
    /// `sh` in container `id` with stdin, stdout and stderr attached, upgraded to a raw stream.
    pub fn open(socket: &Path, id: &str) -> Shell {
        let exec_id = exec_create(
            socket,
            id,
            r#"{"AttachStdin":true,"AttachStdout":true,"AttachStderr":true,"Tty":false,"Cmd":["sh"]}"#,
        );
        let (conn, status, early) = start(socket, &exec_id, true);
        assert!(
            status == 101 || status == 200,
            "exec start answered {status}"
        );
        let mut sh = Shell {
            conn,
            demux: Demux::default(),
            stdout: Vec::new(),
            buf: vec![0; 64 * 1024],
        };
        let out = &mut sh.stdout;
        sh.demux.feed(&early, |k, b| {
            if k == 1 {
                out.extend_from_slice(b)
            }
        });
        sh
    }

    /// Writes `line` and reads stdout until it holds `marker`; returns what came before it.
    pub fn round_trip(&mut self, line: &[u8], marker: &[u8]) -> Vec<u8> {
        self.conn.write_all(line).expect("write to shell");
        loop {
            if let Some(p) = self.stdout.windows(marker.len()).position(|w| w == marker) {
                let before = self.stdout[..p].to_vec();
                self.stdout.drain(..p + marker.len());
                return before;
            }
            let n = self.conn.read(&mut self.buf).expect("read shell");
            assert!(n > 0, "the raw shell closed");
            let out = &mut self.stdout;
            self.demux.feed(&self.buf[..n], |k, b| {
                if k == 1 {
                    out.extend_from_slice(b)
                }
            });
        }
    }
}

/// Runs `argv` by exec create + start + inspect, reading the output with a `buf_size` buffer
/// and counting it; returns (stdout bytes, stderr bytes, exit code).
pub fn exec_count(socket: &Path, id: &str, argv: &[&str], buf_size: usize) -> (u64, u64, i64) {
    let cmd = serde_json::to_string(argv).unwrap();
    let exec_id = exec_create(
        socket,
        id,
        &format!(r#"{{"AttachStdout":true,"AttachStderr":true,"Tty":false,"Cmd":{cmd}}}"#),
    );
    let (mut conn, status, early) = start(socket, &exec_id, false);
    assert_eq!(status, 200, "exec start answered {status}");
    let (mut out, mut err) = (0u64, 0u64);
    let mut demux = Demux::default();
    let mut count = |k: u8, b: &[u8]| match k {
        1 => out += b.len() as u64,
        2 => err += b.len() as u64,
        _ => {}
    };
    demux.feed(&early, &mut count);
    let mut buf = vec![0u8; buf_size];
    loop {
        let n = conn.read(&mut buf).expect("read exec output");
        if n == 0 {
            break;
        }
        demux.feed(&buf[..n], &mut count);
    }
    let (st, b) = request(socket, "GET", &format!("/exec/{exec_id}/json"), None);
    assert_eq!(st, 200);
    let v: serde_json::Value = serde_json::from_slice(&b).expect("JSON answer");
    (out, err, v["ExitCode"].as_i64().unwrap_or(-1))
}
