//! The agent protocol, shared word for word by the library and the agent (which includes this
//! file with `#[path]`, so it must stay std-only).
//!
//! A frame is `len: u32 BE | kind: u8 | id: u32 BE | body`, where `len` counts everything
//! after itself. `id` names the request a frame belongs to, so many runs share one
//! connection. Bodies are fields in a fixed order: integers big-endian, byte strings and
//! strings as `u32 length | bytes`, lists as `u32 count | items`, options as `u8 0/1 | item`.
//! `VERSION` is exchanged in `Hello`; the agent refuses a client of another version.

use std::fmt;

/// Protocol version; bump on any change to the frames below.
pub const VERSION: u32 = 3;
/// Largest frame either side accepts.
pub const MAX_FRAME: usize = 16 << 20;
/// The abstract Unix socket the agent listens on (no file: works on a read-only root).
pub const SOCKET_NAME: &[u8] = b"pocketdock-agent";

/// What a run asks the agent to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spawn {
    /// Program and arguments; `argv[0]` is looked up in PATH.
    pub argv: Vec<String>,
    /// Extra `KEY=VALUE` entries on top of the sandbox's environment.
    pub env: Vec<String>,
    pub workdir: Option<String>,
    /// `name`, `uid`, `name:group` or `uid:gid`; `None` runs as the agent's user.
    pub user: Option<String>,
    /// Written to the command's stdin, which is then closed.
    pub stdin: Vec<u8>,
    /// 0 means no timeout.
    pub timeout_ms: u64,
    /// Combined stdout+stderr cap in bytes; 0 means no cap.
    pub max_output: u64,
    /// Run in the background: the agent keeps its output (in a ring of `buffer_size`
    /// bytes, split between stdout and stderr) and its exit for any client to attach to;
    /// a client that disconnects does not end it. Answered with `Spawned`.
    pub detached: bool,
    pub buffer_size: u64,
    /// Detached only: keep stdin open for `Stdin` frames (after `stdin` is written).
    pub keep_stdin: bool,
}

/// One detached process, as listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcEntry {
    pub proc: u32,
    pub pid: u32,
    pub running: bool,
    pub exit_code: i32,
    pub argv: Vec<String>,
}

/// How a run ended and what it used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exit {
    /// Exit status, or 128+signal when killed by a signal.
    pub exit_code: i32,
    /// The terminating signal, 0 if it exited.
    pub signal: i32,
    pub timed_out: bool,
    pub truncated: bool,
    pub oom_killed: bool,
    pub wall_us: u64,
    pub user_us: u64,
    pub sys_us: u64,
    pub max_rss_kb: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// client -> agent, first frame of a connection.
    Hello { version: u32 },
    /// agent -> client, answer to `Hello`.
    HelloOk { version: u32, pid: u32 },
    /// client -> agent: start a run under this frame's id.
    Spawn(Spawn),
    /// client -> agent: signal the run's process group.
    Kill { signal: i32 },
    /// agent -> client: output of a run; `stream` 1 = stdout, 2 = stderr; `offset` is the
    /// position of `data` in everything the stream produced (a jump means bytes were lost).
    Output {
        stream: u8,
        offset: u64,
        data: Vec<u8>,
    },
    /// agent -> client: a detached process was started as number `proc`.
    Spawned { proc: u32 },
    /// client -> agent: send detached process `proc`'s output from these offsets, then
    /// either follow it to its `Exit` or end with `Status` (or `Exit` if it is over).
    Attach {
        proc: u32,
        stdout_from: u64,
        stderr_from: u64,
        follow: bool,
    },
    /// agent -> client: a running detached process; ends an `Attach` without follow.
    Status {
        running: bool,
        stdout_end: u64,
        stderr_end: u64,
    },
    /// client -> agent: signal detached process `proc` (answered with `Status`).
    KillProc { proc: u32, signal: i32 },
    /// client -> agent: list the detached processes (answered with `Procs`).
    List,
    /// client -> agent: write to detached process `proc`'s stdin (kept open with
    /// `keep_stdin`), closing it after if `close`; answered with `Status` (or `Exit`).
    Stdin {
        proc: u32,
        data: Vec<u8>,
        close: bool,
    },
    /// client -> agent: stop following `proc` under this request id (answered with `Status`
    /// or `Exit`).
    Unfollow { proc: u32 },
    /// agent -> client: the detached processes.
    Procs(Vec<ProcEntry>),
    /// agent -> client: the run is over; no more frames for this id.
    Exit(Exit),
    /// agent -> client: the request failed (bad request, version mismatch, ...).
    Failed { message: String },
}

impl Msg {
    /// Whether this frame is the last one of its request.
    pub fn ends_request(&self) -> bool {
        matches!(
            self,
            Msg::Exit(_)
                | Msg::Failed { .. }
                | Msg::Status { .. }
                | Msg::Procs(_)
                | Msg::Spawned { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "agent protocol: {}", self.0)
    }
}

const K_HELLO: u8 = 1;
const K_HELLO_OK: u8 = 2;
const K_SPAWN: u8 = 3;
const K_KILL: u8 = 4;
const K_OUTPUT: u8 = 5;
const K_EXIT: u8 = 6;
const K_FAILED: u8 = 7;
const K_SPAWNED: u8 = 8;
const K_ATTACH: u8 = 9;
const K_STATUS: u8 = 10;
const K_KILL_PROC: u8 = 11;
const K_LIST: u8 = 12;
const K_PROCS: u8 = 13;
const K_STDIN: u8 = 14;
const K_UNFOLLOW: u8 = 15;

struct Out(Vec<u8>);

impl Out {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
    fn strs(&mut self, v: &[String]) {
        self.u32(v.len() as u32);
        for s in v {
            self.bytes(s.as_bytes());
        }
    }
    fn opt(&mut self, v: &Option<String>) {
        match v {
            Some(s) => {
                self.u8(1);
                self.bytes(s.as_bytes());
            }
            None => self.u8(0),
        }
    }
}

struct In<'a>(&'a [u8]);

impl<'a> In<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if self.0.len() < n {
            return Err(WireError("frame ends early".into()));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, WireError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, WireError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(a))
    }
    fn bytes(&mut self) -> Result<Vec<u8>, WireError> {
        let n = self.u32()? as usize;
        Ok(self.take(n)?.to_vec())
    }
    fn string(&mut self) -> Result<String, WireError> {
        String::from_utf8(self.bytes()?).map_err(|_| WireError("string is not UTF-8".into()))
    }
    fn strs(&mut self) -> Result<Vec<String>, WireError> {
        let n = self.u32()? as usize;
        if n > self.0.len() {
            return Err(WireError("list longer than frame".into()));
        }
        (0..n).map(|_| self.string()).collect()
    }
    fn opt(&mut self) -> Result<Option<String>, WireError> {
        match self.u8()? {
            0 => Ok(None),
            _ => self.string().map(Some),
        }
    }
}

/// Encodes one frame, length prefix included.
pub fn encode(id: u32, msg: &Msg) -> Vec<u8> {
    let mut o = Out(vec![0, 0, 0, 0]);
    match msg {
        Msg::Hello { version } => {
            o.u8(K_HELLO);
            o.u32(id);
            o.u32(*version);
        }
        Msg::HelloOk { version, pid } => {
            o.u8(K_HELLO_OK);
            o.u32(id);
            o.u32(*version);
            o.u32(*pid);
        }
        Msg::Spawn(s) => {
            o.u8(K_SPAWN);
            o.u32(id);
            o.strs(&s.argv);
            o.strs(&s.env);
            o.opt(&s.workdir);
            o.opt(&s.user);
            o.bytes(&s.stdin);
            o.u64(s.timeout_ms);
            o.u64(s.max_output);
            o.u8(u8::from(s.detached));
            o.u64(s.buffer_size);
            o.u8(u8::from(s.keep_stdin));
        }
        Msg::Stdin { proc, data, close } => {
            o.u8(K_STDIN);
            o.u32(id);
            o.u32(*proc);
            o.bytes(data);
            o.u8(u8::from(*close));
        }
        Msg::Unfollow { proc } => {
            o.u8(K_UNFOLLOW);
            o.u32(id);
            o.u32(*proc);
        }
        Msg::Kill { signal } => {
            o.u8(K_KILL);
            o.u32(id);
            o.u32(*signal as u32);
        }
        Msg::Output {
            stream,
            offset,
            data,
        } => {
            o.u8(K_OUTPUT);
            o.u32(id);
            o.u8(*stream);
            o.u64(*offset);
            o.bytes(data);
        }
        Msg::Spawned { proc } => {
            o.u8(K_SPAWNED);
            o.u32(id);
            o.u32(*proc);
        }
        Msg::Attach {
            proc,
            stdout_from,
            stderr_from,
            follow,
        } => {
            o.u8(K_ATTACH);
            o.u32(id);
            o.u32(*proc);
            o.u64(*stdout_from);
            o.u64(*stderr_from);
            o.u8(u8::from(*follow));
        }
        Msg::Status {
            running,
            stdout_end,
            stderr_end,
        } => {
            o.u8(K_STATUS);
            o.u32(id);
            o.u8(u8::from(*running));
            o.u64(*stdout_end);
            o.u64(*stderr_end);
        }
        Msg::KillProc { proc, signal } => {
            o.u8(K_KILL_PROC);
            o.u32(id);
            o.u32(*proc);
            o.u32(*signal as u32);
        }
        Msg::List => {
            o.u8(K_LIST);
            o.u32(id);
        }
        Msg::Procs(list) => {
            o.u8(K_PROCS);
            o.u32(id);
            o.u32(list.len() as u32);
            for p in list {
                o.u32(p.proc);
                o.u32(p.pid);
                o.u8(u8::from(p.running));
                o.u32(p.exit_code as u32);
                o.strs(&p.argv);
            }
        }
        Msg::Exit(e) => {
            o.u8(K_EXIT);
            o.u32(id);
            o.u32(e.exit_code as u32);
            o.u32(e.signal as u32);
            o.u8(u8::from(e.timed_out) | u8::from(e.truncated) << 1 | u8::from(e.oom_killed) << 2);
            o.u64(e.wall_us);
            o.u64(e.user_us);
            o.u64(e.sys_us);
            o.u64(e.max_rss_kb);
        }
        Msg::Failed { message } => {
            o.u8(K_FAILED);
            o.u32(id);
            o.bytes(message.as_bytes());
        }
    }
    let len = (o.0.len() - 4) as u32;
    o.0[..4].copy_from_slice(&len.to_be_bytes());
    o.0
}

/// Decodes the part of a frame after its length prefix.
pub fn decode(frame: &[u8]) -> Result<(u32, Msg), WireError> {
    let mut i = In(frame);
    let kind = i.u8()?;
    let id = i.u32()?;
    let msg = match kind {
        K_HELLO => Msg::Hello { version: i.u32()? },
        K_HELLO_OK => Msg::HelloOk {
            version: i.u32()?,
            pid: i.u32()?,
        },
        K_SPAWN => Msg::Spawn(Spawn {
            argv: i.strs()?,
            env: i.strs()?,
            workdir: i.opt()?,
            user: i.opt()?,
            stdin: i.bytes()?,
            timeout_ms: i.u64()?,
            max_output: i.u64()?,
            detached: i.u8()? != 0,
            buffer_size: i.u64()?,
            keep_stdin: i.u8()? != 0,
        }),
        K_STDIN => Msg::Stdin {
            proc: i.u32()?,
            data: i.bytes()?,
            close: i.u8()? != 0,
        },
        K_UNFOLLOW => Msg::Unfollow { proc: i.u32()? },
        K_KILL => Msg::Kill {
            signal: i.u32()? as i32,
        },
        K_OUTPUT => Msg::Output {
            stream: i.u8()?,
            offset: i.u64()?,
            data: i.bytes()?,
        },
        K_SPAWNED => Msg::Spawned { proc: i.u32()? },
        K_ATTACH => Msg::Attach {
            proc: i.u32()?,
            stdout_from: i.u64()?,
            stderr_from: i.u64()?,
            follow: i.u8()? != 0,
        },
        K_STATUS => Msg::Status {
            running: i.u8()? != 0,
            stdout_end: i.u64()?,
            stderr_end: i.u64()?,
        },
        K_KILL_PROC => Msg::KillProc {
            proc: i.u32()?,
            signal: i.u32()? as i32,
        },
        K_LIST => Msg::List,
        K_PROCS => {
            let n = i.u32()? as usize;
            if n > i.0.len() {
                return Err(WireError("list longer than frame".into()));
            }
            let mut list = Vec::with_capacity(n);
            for _ in 0..n {
                list.push(ProcEntry {
                    proc: i.u32()?,
                    pid: i.u32()?,
                    running: i.u8()? != 0,
                    exit_code: i.u32()? as i32,
                    argv: i.strs()?,
                });
            }
            Msg::Procs(list)
        }
        K_EXIT => {
            let exit_code = i.u32()? as i32;
            let signal = i.u32()? as i32;
            let flags = i.u8()?;
            Msg::Exit(Exit {
                exit_code,
                signal,
                timed_out: flags & 1 != 0,
                truncated: flags & 2 != 0,
                oom_killed: flags & 4 != 0,
                wall_us: i.u64()?,
                user_us: i.u64()?,
                sys_us: i.u64()?,
                max_rss_kb: i.u64()?,
            })
        }
        K_FAILED => Msg::Failed {
            message: i.string()?,
        },
        k => return Err(WireError(format!("unknown frame kind {k}"))),
    };
    if !i.0.is_empty() {
        return Err(WireError("trailing bytes in frame".into()));
    }
    Ok((id, msg))
}

/// Collects bytes as they arrive and hands out whole frames.
#[derive(Default)]
pub struct FrameBuf {
    buf: Vec<u8>,
}

impl FrameBuf {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, if one has arrived.
    pub fn next_frame(&mut self) -> Result<Option<(u32, Msg)>, WireError> {
        if self.buf.len() < 4 {
            return Ok(None);
        }
        let len = u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize;
        if len > MAX_FRAME {
            return Err(WireError(format!("frame of {len} bytes is too large")));
        }
        if self.buf.len() < 4 + len {
            return Ok(None);
        }
        let decoded = decode(&self.buf[4..4 + len]);
        self.buf.drain(..4 + len);
        decoded.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
