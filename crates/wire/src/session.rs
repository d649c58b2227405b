//! A session's command framing, shared by the library (which writes the lines) and the
//! agent (which finds the command's output in the shell's streams and answers with it once).
//!
//! The shell's first input, [`prelude()`], defines two functions; each command is then one
//! short line, [`line()`]: `__pd <n> '<command>'` prints a start marker on stdout and stderr,
//! runs the command, and prints an end marker on each (the stdout one with the exit code);
//! `__pq` is the same without the start markers:
//!
//! ```text
//! \n<M>S\n (stdout and stderr)   command output   \n<M> <exit code>\n (stdout)   \n<M>\n (stderr)
//! ```
//!
//! where `<M>` is the session's marker prefix followed by `<n>` ([`marker()`]). Each marker's
//! leading newline is the framing's own, so output without a trailing newline is kept
//! exactly, and waiting for the stderr marker too attributes all of the command's stderr to
//! it. The start markers set aside what came before them on each stream: output of lines
//! sent as they are (a `send`), which may still be running when the command is written, is
//! kept for a later read. When nothing was sent since the last command ended, the shell is
//! idle when the line arrives, and the agent takes the streams' ends at that moment as the
//! command's start instead ([`Framing::starting_at`]): two pipe writes fewer per command.
//!
//! Why functions and `printf %s`: bash reads its input from a pipe one byte per `read` call
//! (so that a command could read the rest), so every byte of a line costs a system call (the
//! 210-byte line this replaced cost bash about 120 µs of CPU per `echo hi`); bash's `printf`
//! writes its format's text at each newline but a `%s` argument in one piece, so each marker
//! is one pipe write (one wake-up of the agent) instead of two; and `trap` is a system call
//! or three, so the INT trap is set once and looks at a variable.
//!
//! `__pd_run` evals the command with stdin from /dev/null, so a command that reads stdin
//! cannot swallow the next line, and `eval` of a single-quoted argument cannot break the
//! framing (a syntax error in the command is just its error; POSIX sh, unlike bash, exits
//! on it). An interrupt (SIGINT, sent when a command times out) makes the trap return 130
//! from `__pd_run`, ending the whole command, and the end markers follow; outside a command
//! the trap does nothing, so the shell survives it.

/// The shell's first input, for a session whose markers begin with `prefix`.
pub fn prelude(prefix: &str) -> Vec<u8> {
    format!(
        "trap '[ -n \"$__pd_in\" ] && return 130' INT\n\
         __pd_run() {{ __pd_in=1; eval \"$1\" </dev/null; __pd_rc=$?; __pd_in=; return $__pd_rc; }}\n\
         __pd_nl='\n'\n\
         __pd_m={}\n\
         __pq() {{ __pd_run \"$2\"; __pd_rc=$?; __pd_in=; \
         printf %s \"$__pd_nl$__pd_m$1 $__pd_rc$__pd_nl\"; printf %s \"$__pd_nl$__pd_m$1$__pd_nl\" >&2; }}\n\
         __pd() {{ printf %s \"$__pd_nl$__pd_m${{1}}S$__pd_nl\"; printf %s \"$__pd_nl$__pd_m${{1}}S$__pd_nl\" >&2; \
         __pq \"$@\"; }}\n",
        sh_quote(prefix)
    )
    .into_bytes()
}

/// The marker of command `n` of a session whose markers begin with `prefix`.
pub fn marker(prefix: &str, n: u64) -> String {
    format!("{prefix}{n}")
}

/// `'…'` quoting for sh: every `'` becomes `'\''`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The line that runs `command` as command `n` of the session (see the module's text),
/// with or without start markers.
pub fn line(n: u64, command: &str, start_markers: bool) -> Vec<u8> {
    let f = if start_markers { "__pd" } else { "__pq" };
    format!("{f} {n} {}\n", sh_quote(command)).into_bytes()
}

/// A settled piece of a stream: `stream` 1 or 2, `offset` its position in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub stream: u8,
    pub offset: u64,
    pub data: Vec<u8>,
}

/// Where the command's output lay, once both end markers were seen: per stream, the
/// position just past its start marker (output before it is not the command's) and just
/// past its end marker (where the next reader starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framed {
    pub exit_code: i32,
    pub start: [u64; 2],
    pub end: [u64; 2],
}

/// One stream's bytes not handed out yet.
#[derive(Default)]
struct Side {
    started: bool,
    /// Where the command's output begins when the line prints no start marker.
    begins: Option<u64>,
    done: bool,
    /// Bytes not settled; `base` is the stream position of the first.
    buf: Vec<u8>,
    base: u64,
    /// No marker starts in `buf` before this index (where the next search resumes, so a
    /// large output is searched once, not once per piece).
    clear: usize,
    /// Settled bytes not handed out yet, with the position of the first: from before the
    /// start marker, and the command's own.
    early: (u64, Vec<u8>),
    own: (u64, Vec<u8>),
    start: u64,
    end: u64,
}

impl Side {
    /// Settles the first `n` bytes of `buf`.
    fn settle(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let (at, to) = if self.started {
            &mut self.own
        } else {
            &mut self.early
        };
        if to.is_empty() {
            *at = self.base;
        }
        to.extend_from_slice(&self.buf[..n]);
        self.buf.drain(..n);
        self.base = self.base.saturating_add(n as u64);
        self.clear = self.clear.saturating_sub(n);
    }

    fn settled(&self) -> usize {
        self.early.1.len() + self.own.1.len()
    }

    fn pieces(&mut self, stream: u8, out: &mut Vec<Piece>) {
        for (offset, data) in [&mut self.early, &mut self.own] {
            if !data.is_empty() {
                out.push(Piece {
                    stream,
                    offset: *offset,
                    data: std::mem::take(data),
                });
            }
        }
    }
}

/// Finds a command's output in the shell's two streams by its markers.
pub struct Framing {
    start_marker: Vec<u8>,
    out_marker: Vec<u8>,
    err_marker: Vec<u8>,
    sides: [Side; 2],
    exit_code: i32,
}

impl Framing {
    /// Framing for markers named `marker`, reading the streams from positions `from`, for a
    /// line that prints start markers ([`line()`] with `start_markers`).
    pub fn new(marker: &str, from: [u64; 2]) -> Framing {
        Framing::with_starts(marker, from, None)
    }

    /// Framing for a line without start markers, whose command's output begins at `start`
    /// (the streams' ends when the line was written): what lies between `from` and `start`
    /// came before it.
    pub fn starting_at(marker: &str, from: [u64; 2], start: [u64; 2]) -> Framing {
        Framing::with_starts(marker, from, Some(start))
    }

    fn with_starts(marker: &str, from: [u64; 2], start: Option<[u64; 2]>) -> Framing {
        let side = |i: usize| Side {
            base: from[i],
            begins: start.map(|s| s[i].max(from[i])),
            ..Side::default()
        };
        Framing {
            start_marker: format!("\n{marker}S\n").into_bytes(),
            out_marker: format!("\n{marker} ").into_bytes(),
            err_marker: format!("\n{marker}\n").into_bytes(),
            sides: [side(0), side(1)],
            exit_code: -1,
        }
    }

    /// Whether both end markers were seen.
    pub fn done(&self) -> bool {
        self.sides[0].done && self.sides[1].done
    }

    /// Adds output of `stream` (1 stdout, 2 stderr) found at `offset`; true once both end
    /// markers were seen. Bytes already seen are skipped (a replay from the read position);
    /// positions come from the sandbox and saturate at the end of the range.
    pub fn push(&mut self, stream: u8, offset: u64, data: &[u8]) -> bool {
        let i = usize::from(stream == 2);
        let side = &mut self.sides[i];
        if side.done {
            return self.done();
        }
        let have = side.base.saturating_add(side.buf.len() as u64);
        if offset > have {
            // Bytes were lost before this piece (the ring dropped them): no marker spans the
            // gap, so what came before it is settled, and positions go on from the piece's.
            let n = side.buf.len();
            side.settle(n);
            side.base = offset;
            side.clear = 0;
        }
        let have = side.base.saturating_add(side.buf.len() as u64);
        let skip = have.saturating_sub(offset);
        if skip < data.len() as u64 {
            side.buf.extend_from_slice(&data[skip as usize..]);
        }
        if let (false, Some(at)) = (side.started, side.begins) {
            // No start marker: the command's output begins at a known position (or where
            // the stream goes on, if it was lost).
            let have = side.base.saturating_add(side.buf.len() as u64);
            if have < at {
                side.clear = side.buf.len();
                return false;
            }
            let at = at.max(side.base);
            side.settle((at - side.base) as usize);
            side.start = at;
            side.started = true;
        }
        if !side.started {
            match find(&side.buf, side.clear, &self.start_marker) {
                Some(pos) => {
                    // The marker's leading newline is ours: what is before it came before.
                    side.settle(pos);
                    let len = self.start_marker.len();
                    side.buf.drain(..len);
                    side.base = side.base.saturating_add(len as u64);
                    side.start = side.base;
                    side.clear = 0;
                    side.started = true;
                }
                None => {
                    side.clear = side.buf.len().saturating_sub(self.start_marker.len() - 1);
                    return false;
                }
            }
        }
        let marker = if i == 0 {
            &self.out_marker
        } else {
            &self.err_marker
        };
        let Some(pos) = find(&side.buf, side.clear, marker) else {
            side.clear = side.buf.len().saturating_sub(marker.len() - 1);
            return false;
        };
        side.clear = pos;
        let mut past = pos + marker.len();
        if i == 0 {
            // The stdout marker carries the exit code, up to its newline.
            let rest = &side.buf[past..];
            let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
                return false;
            };
            self.exit_code = std::str::from_utf8(&rest[..nl])
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(-1);
            past += nl + 1;
        }
        side.end = side.base.saturating_add(past as u64);
        side.settle(pos);
        side.buf.clear();
        side.done = true;
        self.done()
    }

    /// Hands out what is settled: output before the start markers and the command's own,
    /// as far as no marker can still begin in it. With `at_least` > 0, only when some stream
    /// has that much (a large output goes ahead in pieces; a small one waits for the end).
    pub fn pieces(&mut self, at_least: usize) -> Vec<Piece> {
        for side in &mut self.sides {
            if !side.done {
                let n = side.clear;
                side.settle(n);
            }
        }
        if at_least > 0 && self.sides.iter().all(|s| s.settled() < at_least) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, side) in self.sides.iter_mut().enumerate() {
            side.pieces(i as u8 + 1, &mut out);
        }
        out
    }

    /// Where the command's output lay, once both end markers were seen.
    pub fn framed(&self) -> Option<Framed> {
        self.done().then(|| Framed {
            exit_code: self.exit_code,
            start: [self.sides[0].start, self.sides[1].start],
            end: [self.sides[0].end, self.sides[1].end],
        })
    }
}

/// The first `needle` in `hay` at or after `from`.
fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
