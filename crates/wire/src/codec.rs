//! The byte layout of frames: encoding, decoding, and reassembly from a byte stream.

use crate::file_frames;
use crate::{Exit, Msg, ProcEntry, Spawn, WireError, MAX_FRAME};

const K_HELLO: u8 = 1;
const K_HELLO_OK: u8 = 2;
pub(crate) const K_SPAWN: u8 = 3;
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
// 16-24: file frames (file_frames.rs).
const K_KILL_ALL: u8 = 25;
const K_SWEPT: u8 = 26;
const K_COMMAND: u8 = 27;
const K_RAN: u8 = 28;

/// The fewest bytes a `Procs` entry takes: proc, pid, running, exit code, argv count.
const PROC_ENTRY_MIN: usize = 4 + 4 + 1 + 4 + 4;

pub(crate) struct Out(pub(crate) Vec<u8>);

impl Out {
    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
    pub(crate) fn strs(&mut self, v: &[String]) {
        self.u32(v.len() as u32);
        for s in v {
            self.bytes(s.as_bytes());
        }
    }
    pub(crate) fn opt(&mut self, v: &Option<String>) {
        match v {
            Some(s) => {
                self.u8(1);
                self.bytes(s.as_bytes());
            }
            None => self.u8(0),
        }
    }
}

pub(crate) struct In<'a>(pub(crate) &'a [u8]);

impl<'a> In<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if self.0.len() < n {
            return Err(WireError("frame ends early".into()));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32, WireError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, WireError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(a))
    }
    pub(crate) fn bytes(&mut self) -> Result<Vec<u8>, WireError> {
        let n = self.u32()? as usize;
        Ok(self.take(n)?.to_vec())
    }
    pub(crate) fn string(&mut self) -> Result<String, WireError> {
        String::from_utf8(self.bytes()?).map_err(|_| WireError("string is not UTF-8".into()))
    }
    pub(crate) fn strs(&mut self) -> Result<Vec<String>, WireError> {
        let n = self.u32()? as usize;
        if n > self.0.len() {
            return Err(WireError("list longer than frame".into()));
        }
        (0..n).map(|_| self.string()).collect()
    }
    pub(crate) fn opt(&mut self) -> Result<Option<String>, WireError> {
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
            o.u32(s.window);
        }
        Msg::Stdin { proc, data, close } => {
            o.u8(K_STDIN);
            o.u32(id);
            o.u32(*proc);
            o.bytes(data);
            o.u8(u8::from(*close));
        }
        Msg::Command {
            proc,
            line,
            marker,
            stdout_from,
            stderr_from,
            start_markers,
        } => {
            o.u8(K_COMMAND);
            o.u32(id);
            o.u32(*proc);
            o.bytes(line);
            o.bytes(marker.as_bytes());
            o.u64(*stdout_from);
            o.u64(*stderr_from);
            o.u8(u8::from(*start_markers));
        }
        Msg::Ran {
            exit_code,
            stdout_start,
            stderr_start,
            stdout_end,
            stderr_end,
        } => {
            o.u8(K_RAN);
            o.u32(id);
            o.u32(*exit_code as u32);
            o.u64(*stdout_start);
            o.u64(*stderr_start);
            o.u64(*stdout_end);
            o.u64(*stderr_end);
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
        Msg::KillAll => {
            o.u8(K_KILL_ALL);
            o.u32(id);
        }
        Msg::Swept { killed } => {
            o.u8(K_SWEPT);
            o.u32(id);
            o.u32(*killed);
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
        file_msg => file_frames::encode(&mut o, id, file_msg),
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
            window: i.u32()?,
        }),
        K_STDIN => Msg::Stdin {
            proc: i.u32()?,
            data: i.bytes()?,
            close: i.u8()? != 0,
        },
        K_UNFOLLOW => Msg::Unfollow { proc: i.u32()? },
        K_COMMAND => Msg::Command {
            proc: i.u32()?,
            line: i.bytes()?,
            marker: i.string()?,
            stdout_from: i.u64()?,
            stderr_from: i.u64()?,
            start_markers: i.u8()? != 0,
        },
        K_RAN => Msg::Ran {
            exit_code: i.u32()? as i32,
            stdout_start: i.u64()?,
            stderr_start: i.u64()?,
            stdout_end: i.u64()?,
            stderr_end: i.u64()?,
        },
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
        K_KILL_ALL => Msg::KillAll,
        K_SWEPT => Msg::Swept { killed: i.u32()? },
        K_PROCS => {
            let n = i.u32()? as usize;
            // Each entry takes at least 17 bytes: a count the frame cannot hold is refused
            // before it sizes the list (a 16 MiB frame claiming one entry per byte would
            // otherwise reserve some 800 MB).
            if n > i.0.len() / PROC_ENTRY_MIN {
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
        k => file_frames::decode(k, &mut i)?,
    };
    if !i.0.is_empty() {
        return Err(WireError("trailing bytes in frame".into()));
    }
    Ok((id, msg))
}

/// Reads one frame off a byte stream and returns what follows its length prefix (for
/// [`decode`]); a length over [`MAX_FRAME`] is refused before anything is allocated.
pub fn read_frame(r: &mut impl std::io::Read) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let len = read_frame_into(r, &mut body)?;
    body.truncate(len);
    Ok(body)
}

/// Like [`read_frame`], into `buf`, which is grown if the frame needs it and never shrunk
/// (a reused buffer is neither allocated nor zeroed again): the frame is `buf[..len]`.
pub fn read_frame_into(r: &mut impl std::io::Read, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    if buf.len() < len {
        buf.resize(len, 0);
    }
    r.read_exact(&mut buf[..len])?;
    Ok(len)
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
