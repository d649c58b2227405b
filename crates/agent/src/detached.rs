//! Detached processes: they belong to the agent, not to a connection. Each keeps the tail of
//! its output in a ring per stream and its exit, so any client (another process, another
//! language, later) can attach by number, read from any offset still kept, follow it, wait
//! for it and signal it. Finished entries are kept, up to `KEEP_FINISHED`, for late readers.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, OnceLock};

use crate::run::Event;
use crate::serve::Writer;
use crate::wire::session::Framing;
use crate::wire::{Exit, Msg, ProcEntry};

const KEEP_FINISHED: usize = 64;
/// Largest piece of buffered output sent in one frame.
const CHUNK: usize = 256 * 1024;

struct Ring {
    buf: VecDeque<u8>,
    cap: usize,
    /// Bytes the stream produced in all: the offset just past the newest byte.
    end: u64,
}

impl Ring {
    fn push(&mut self, data: &[u8]) {
        self.end += data.len() as u64;
        let data = &data[data.len().saturating_sub(self.cap)..];
        let overflow = (self.buf.len() + data.len()).saturating_sub(self.cap);
        self.buf.drain(..overflow);
        self.buf.extend(data);
    }

    /// Offset of the oldest byte still kept.
    fn start(&self) -> u64 {
        self.end - self.buf.len() as u64
    }

    /// Kept bytes from `from` on (or from the oldest kept), with their offset.
    fn since(&self, from: u64) -> (u64, Vec<u8>) {
        let from = from.clamp(self.start(), self.end);
        let skip = (from - self.start()) as usize;
        (from, self.buf.iter().skip(skip).copied().collect())
    }
}

/// A session command (`Command`) waiting for its end markers in the output.
struct Watch {
    writer: Arc<Writer>,
    req: u32,
    framing: Framing,
}

impl Watch {
    /// Takes a piece of output; false once the command's answer went out (or could not).
    fn feed(&mut self, stream: u8, offset: u64, data: &[u8]) -> bool {
        let done = self.framing.push(stream, offset, data);
        // Until the end, output is held back up to a chunk per stream: a short command's
        // whole answer then leaves in one write.
        let mut msgs: Vec<Msg> = self
            .framing
            .pieces(if done { 0 } else { CHUNK })
            .into_iter()
            .map(|p| Msg::Output {
                stream: p.stream,
                offset: p.offset,
                data: p.data,
            })
            .collect();
        if let Some(f) = self.framing.framed() {
            msgs.push(Msg::Ran {
                exit_code: f.exit_code,
                stdout_start: f.start[0],
                stderr_start: f.start[1],
                stdout_end: f.end[0],
                stderr_end: f.end[1],
            });
        }
        if msgs.is_empty() {
            return true;
        }
        self.writer.send_all(self.req, &msgs).is_ok() && !done
    }
}

struct State {
    rings: [Ring; 2],
    followers: Vec<(Arc<Writer>, u32)>,
    watches: Vec<Watch>,
    exit: Option<Exit>,
    control: Option<Sender<Event>>,
}

pub struct Proc {
    pub id: u32,
    pub pid: AtomicI32,
    argv: Vec<String>,
    /// Open stdin of a process started with `keep_stdin`. Its own lock: a write that blocks
    /// on a full pipe must not stop the output from being collected.
    stdin: Mutex<Option<std::process::ChildStdin>>,
    /// Set once the command was started (or failed to), so `Spawned` is only answered
    /// when its stdin can already be written.
    started: (Mutex<bool>, std::sync::Condvar),
    state: Mutex<State>,
}

static TABLE: OnceLock<Mutex<BTreeMap<u32, Arc<Proc>>>> = OnceLock::new();
static NEXT: AtomicU32 = AtomicU32::new(1);

fn table() -> std::sync::MutexGuard<'static, BTreeMap<u32, Arc<Proc>>> {
    TABLE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

impl Proc {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a new detached process with `buffer_size` bytes of output kept.
    pub fn register(argv: Vec<String>, buffer_size: u64) -> Arc<Proc> {
        let half = (buffer_size / 2).max(1) as usize;
        let ring = || Ring {
            buf: VecDeque::new(),
            cap: half,
            end: 0,
        };
        let p = Arc::new(Proc {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            pid: AtomicI32::new(0),
            argv,
            stdin: Mutex::new(None),
            started: (Mutex::new(false), std::sync::Condvar::new()),
            state: Mutex::new(State {
                rings: [ring(), ring()],
                followers: Vec::new(),
                watches: Vec::new(),
                exit: None,
                control: None,
            }),
        });
        table().insert(p.id, p.clone());
        p
    }

    pub fn find(id: u32) -> Option<Arc<Proc>> {
        table().get(&id).cloned()
    }

    pub fn set_control(&self, tx: Sender<Event>) {
        self.state().control = Some(tx);
    }

    pub fn mark_started(&self) {
        *self.started.0.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.started.1.notify_all();
    }

    /// Waits (bounded) until the command was started.
    pub fn wait_started(&self) {
        let g = self.started.0.lock().unwrap_or_else(|e| e.into_inner());
        let _ = self
            .started
            .1
            .wait_timeout_while(g, std::time::Duration::from_secs(10), |s| !*s);
    }

    pub fn set_stdin(&self, stdin: std::process::ChildStdin) {
        *self.stdin.lock().unwrap_or_else(|e| e.into_inner()) = Some(stdin);
    }

    /// Writes to the kept stdin (closing it after if asked); false if there is none.
    pub fn write_stdin(&self, data: &[u8], close: bool) -> bool {
        use std::io::Write;
        let mut stdin = self.stdin.lock().unwrap_or_else(|e| e.into_inner());
        let ok = match stdin.as_mut() {
            Some(w) => w.write_all(data).and_then(|_| w.flush()).is_ok(),
            None => false,
        };
        if close {
            *stdin = None;
        }
        ok
    }

    /// Stops sending this process's output to request `req` of `writer` (a follow or a
    /// session command).
    pub fn unfollow(&self, writer: &Arc<Writer>, req: u32) {
        let mut s = self.state();
        s.followers
            .retain(|(w, id)| !(Arc::ptr_eq(w, writer) && *id == req));
        s.watches
            .retain(|w| !(Arc::ptr_eq(&w.writer, writer) && w.req == req));
    }

    /// A session command: watches the output from `from` for the command's markers, then
    /// writes `line` to the kept stdin. The answer goes out from whichever pump sees the
    /// last marker, so the command costs the client one request and one answer. Without
    /// `start_markers`, the command's output begins at the streams' present ends.
    pub fn command(
        &self,
        writer: &Arc<Writer>,
        req: u32,
        from: [u64; 2],
        line: &[u8],
        marker: &str,
        start_markers: bool,
    ) {
        {
            let mut s = self.state();
            if let Some(e) = &s.exit {
                let _ = writer.send(req, &Msg::Exit(e.clone()));
                return;
            }
            let mut watch = Watch {
                writer: writer.clone(),
                req,
                framing: match start_markers {
                    true => Framing::new(marker, from),
                    false => Framing::starting_at(marker, from, [s.rings[0].end, s.rings[1].end]),
                },
            };
            // Output not read yet comes first (what earlier lines printed); the same lock as
            // `output` takes, so nothing falls between this replay and the watch.
            let mut open = true;
            for (i, stream) in [1u8, 2].into_iter().enumerate() {
                let (offset, data) = s.rings[i].since(from[i]);
                open = open && watch.feed(stream, offset, &data);
            }
            if open {
                s.watches.push(watch);
            }
        }
        if !self.write_stdin(line, false) {
            let mut s = self.state();
            let before = s.watches.len();
            s.watches
                .retain(|w| !(Arc::ptr_eq(&w.writer, writer) && w.req == req));
            if s.watches.len() < before {
                let msg = match &s.exit {
                    Some(e) => Msg::Exit(e.clone()),
                    None => Msg::Failed {
                        message: format!("process {} has no open stdin", self.id),
                    },
                };
                let _ = writer.send(req, &msg);
            }
        }
    }

    pub fn output(&self, stream: u8, data: &[u8]) {
        let mut s = self.state();
        let ring = &mut s.rings[usize::from(stream == 2)];
        let offset = ring.end;
        ring.push(data);
        if !s.followers.is_empty() {
            let msg = Msg::Output {
                stream,
                offset,
                data: data.to_vec(),
            };
            s.followers.retain(|(w, id)| w.send(*id, &msg).is_ok());
        }
        s.watches.retain_mut(|w| w.feed(stream, offset, data));
    }

    pub fn finish(&self, exit: Exit) {
        self.mark_started();
        {
            let mut s = self.state();
            for (w, id) in s.followers.drain(..) {
                let _ = w.send(id, &Msg::Exit(exit.clone()));
            }
            for w in s.watches.drain(..) {
                let _ = w.writer.send(w.req, &Msg::Exit(exit.clone()));
            }
            s.exit = Some(exit);
            s.control = None;
        }
        let mut t = table();
        let finished: Vec<u32> = t
            .values()
            .filter(|p| p.state().exit.is_some())
            .map(|p| p.id)
            .collect();
        for id in finished
            .iter()
            .take(finished.len().saturating_sub(KEEP_FINISHED))
        {
            t.remove(id);
        }
    }

    /// Sends output from the given offsets, then follows or ends with Status/Exit.
    pub fn attach(&self, writer: &Arc<Writer>, req: u32, from: [u64; 2], follow: bool) {
        let mut s = self.state();
        for (i, stream) in [1u8, 2].into_iter().enumerate() {
            let (offset, data) = s.rings[i].since(from[i]);
            for (n, piece) in data.chunks(CHUNK).enumerate() {
                let msg = Msg::Output {
                    stream,
                    offset: offset + (n * CHUNK) as u64,
                    data: piece.to_vec(),
                };
                let _ = writer.send(req, &msg);
            }
        }
        match (&s.exit, follow) {
            (Some(e), _) => {
                let _ = writer.send(req, &Msg::Exit(e.clone()));
            }
            (None, true) => s.followers.push((writer.clone(), req)),
            (None, false) => {
                let msg = Msg::Status {
                    running: true,
                    stdout_end: s.rings[0].end,
                    stderr_end: s.rings[1].end,
                };
                let _ = writer.send(req, &msg);
            }
        }
    }

    /// Asks the process's controller to signal it; false once it has finished.
    pub fn signal(&self, sig: i32) -> bool {
        match &self.state().control {
            Some(tx) => tx.send(Event::Kill(sig)).is_ok(),
            None => false,
        }
    }

    pub fn list() -> Vec<ProcEntry> {
        table()
            .values()
            .map(|p| {
                let s = p.state();
                ProcEntry {
                    proc: p.id,
                    pid: p.pid.load(Ordering::Relaxed).max(0) as u32,
                    running: s.exit.is_none(),
                    exit_code: s.exit.as_ref().map_or(0, |e| e.exit_code),
                    argv: p.argv.clone(),
                }
            })
            .collect()
    }

    pub fn status(&self) -> Msg {
        let s = self.state();
        match &s.exit {
            Some(e) => Msg::Exit(e.clone()),
            None => Msg::Status {
                running: true,
                stdout_end: s.rings[0].end,
                stderr_end: s.rings[1].end,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(cap: usize) -> Ring {
        Ring {
            buf: VecDeque::new(),
            cap,
            end: 0,
        }
    }

    #[test]
    fn a_ring_keeps_the_tail_and_counts_everything() {
        let mut r = ring(4);
        r.push(b"ab");
        assert_eq!(r.since(0), (0, b"ab".to_vec()));
        r.push(b"cdef");
        assert_eq!((r.start(), r.end), (2, 6));
        // From before the oldest kept byte: what is kept, with its real offset.
        assert_eq!(r.since(0), (2, b"cdef".to_vec()));
        assert_eq!(r.since(5), (5, b"f".to_vec()));
        assert_eq!(r.since(99), (6, Vec::new()));
        // A piece larger than the ring keeps only its own tail.
        r.push(b"0123456789");
        assert_eq!(r.since(0), (12, b"6789".to_vec()));
        assert_eq!(r.end, 16);
    }
}
