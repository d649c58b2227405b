//! The agent protocol, shared word for word by the pocketdock library and its in-sandbox
//! agent. Std only: the agent is built static with plain rustc against this crate.
//!
//! A frame is `len: u32 BE | kind: u8 | id: u32 BE | body`, where `len` counts everything
//! after itself. `id` names the request a frame belongs to, so many runs share one
//! connection. Bodies are fields in a fixed order: integers big-endian, byte strings and
//! strings as `u32 length | bytes`, lists as `u32 count | items`, options as `u8 0/1 | item`.
//! `VERSION` is exchanged in `Hello`; the agent refuses a client of another version.
//!
//! Besides the frames, the rules both sides must apply alike live here: container paths and
//! the `docker cp` landing rules (`paths`), and the owner of written files (`owner`).

use std::fmt;

/// Protocol version; bump on any change to the frames below.
pub const VERSION: u32 = 6;
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
    /// Flow control of a blocking or streaming run's output: the agent sends at most this
    /// many `Output` frames ahead of the client's `Credit` (under the run's id) and stops
    /// reading the command's pipes meanwhile, so a client that does not read holds the
    /// command back instead of buffering its output. 0: no flow control.
    pub window: u32,
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
    /// client -> agent: SIGKILL every process in the sandbox but the agent and its relays,
    /// without starting one (it works when the pids limit is exhausted); answered with
    /// `Swept`. Detached processes and runs in progress end as killed.
    KillAll,
    /// agent -> client: how many processes a `KillAll` killed.
    Swept { killed: u32 },
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
    /// client -> agent: one command of a session (see [`session`]): write `line` to
    /// detached process `proc`'s kept stdin and find the command's output in its streams,
    /// read from these offsets, by the markers named `marker` (with `start_markers`, the line
    /// prints start markers; without, the command's output begins at the streams' ends when
    /// the line is written). Answered with `Ran`, after
    /// `Output` frames (each at its position in the stream) of what came before the start
    /// markers and of the command's own output, markers left out; a large output goes ahead
    /// in pieces, a small one comes in the same write as `Ran`. `Exit` if the shell ends
    /// first; `Unfollow` under the same id abandons it.
    Command {
        proc: u32,
        line: Vec<u8>,
        marker: String,
        stdout_from: u64,
        stderr_from: u64,
        start_markers: bool,
    },
    /// agent -> client: a `Command` is over: its exit code, where its output began on each
    /// stream (output before that was not its own) and where its end markers ended (the
    /// next read position).
    Ran {
        exit_code: i32,
        stdout_start: u64,
        stderr_start: u64,
        stdout_end: u64,
        stderr_end: u64,
    },
    /// agent -> client: the run is over; no more frames for this id.
    Exit(Exit),
    /// agent -> client: the request failed (bad request, version mismatch, ...).
    Failed { message: String },
    /// client -> agent: write into the sandbox (see [`files`]).
    Put(Put),
    /// client -> agent: read a file or a tree (see [`files`]).
    Get { path: String, want: Want },
    /// agent -> client: what a `Get` found: the absolute path asked for, the path with
    /// every symlink resolved, and whether it is a directory. Data follows.
    Found {
        path: String,
        resolved: String,
        dir: bool,
    },
    /// either way: a piece of a transfer.
    Data { data: Vec<u8> },
    /// either way: the transfer's data is complete (from the agent: the `Get` is over).
    DataEnd,
    /// client -> agent: `chunks` more `Data` frames of a `Get`, or `Output` frames of a run
    /// with a `window`, may be sent.
    Credit { chunks: u32 },
    /// client -> agent: abandon this transfer.
    Cancel,
    /// agent -> client: a `Put` is complete.
    Done,
    /// agent -> client: a file request failed; `code` is one of [`files::refusal`].
    Refused { code: u8, message: String },
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
                | Msg::Ran { .. }
                | Msg::Swept { .. }
                | Msg::Spawned { .. }
                | Msg::DataEnd
                | Msg::Done
                | Msg::Refused { .. }
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

mod codec;
mod file_frames;
pub mod files;
pub mod owner;
pub mod paths;
pub mod session;
pub use codec::{decode, encode, read_frame, read_frame_into, FrameBuf};
pub use file_frames::{data_head, data_payload, DATA_HEAD};
pub use files::{Put, PutHow, Want};

#[cfg(test)]
mod tests;
