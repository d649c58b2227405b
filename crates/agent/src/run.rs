//! One run: spawn under a shepherd (shepherd.rs) with separate pipes, pump output to the
//! client under a byte cap, enforce the timeout (TERM, short grace, KILL of the shepherd's
//! whole subtree), and report the exit with the resource use from wait4.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::detached::Proc;
use crate::reaper::{self, Reaped};
use crate::serve::Writer;
use crate::shepherd::{self, Exec, Report, Reports};
use crate::wire::{Exit, Msg, Spawn};
use crate::{procs, sys, threads, users};

/// What the run's controller waits for.
pub enum Event {
    Reaped(Reaped),
    /// Output went over the cap.
    OverCap,
    /// One output pipe reached EOF.
    PipeClosed,
    /// The client asked for a signal.
    Kill(i32),
    /// The client's connection is gone: nobody waits for this run any more.
    ClientGone,
    /// The shepherd could not start the command (the reason, as a shell would put it).
    ExecFailed(String),
    /// The client took this many more `Output` frames (a run with a `window`).
    Credit(u32),
}

/// Time between SIGTERM and SIGKILL when a run is cut short.
const GRACE: Duration = Duration::from_millis(200);
/// How long output pipes may stay open after the command exited while background children
/// of its group hold them, before the result is sent without their output.
const LINGER: Duration = Duration::from_millis(100);
/// Upper bound on waiting for the pipes when nothing of the group is alive (the readers are
/// only late, e.g. on a loaded machine) or when the run was killed.
const DRAIN: Duration = Duration::from_secs(5);

/// Where a run's output and exit go.
pub enum Target {
    /// A blocking or streaming run: frames to the client that asked, under its request id.
    Client { writer: Arc<Writer>, id: u32 },
    /// A detached process: into its rings and to whoever follows it.
    Detached(Arc<Proc>),
}

/// Output of a run under the cap, and whether it may still be sent (no frame after Exit).
struct Sink {
    target: Target,
    open: Mutex<bool>,
    sent: AtomicU64,
    offsets: [AtomicU64; 2],
    cap: u64,
    flow: Flow,
}

/// The client's credit for `Output` frames (a run with a `window`): a pump with none waits
/// here, leaving the command's pipe unread, so the command blocks on its output instead of
/// the client buffering it. `None`: no flow control (a detached run, an old client).
struct Flow {
    state: Mutex<FlowState>,
    more: Condvar,
}

struct FlowState {
    /// Frames that may still be sent; `None`: no limit.
    credit: Option<u64>,
    /// Pumps waiting for credit right now.
    waiters: u32,
}

impl Flow {
    fn new(window: u32, target: &Target) -> Flow {
        let on = window > 0 && matches!(target, Target::Client { .. });
        Flow {
            state: Mutex::new(FlowState {
                credit: on.then_some(u64::from(window)),
                waiters: 0,
            }),
            more: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FlowState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes one frame's credit, waiting for it (not once the flow is lifted).
    fn take(&self) {
        let mut st = self.lock();
        loop {
            match st.credit.as_mut() {
                None => return,
                Some(n) if *n > 0 => {
                    *n -= 1;
                    return;
                }
                Some(_) => {
                    st.waiters += 1;
                    st = self.more.wait(st).unwrap_or_else(|e| e.into_inner());
                    st.waiters -= 1;
                }
            }
        }
    }

    fn grant(&self, chunks: u32) {
        let mut st = self.lock();
        if let Some(n) = st.credit.as_mut() {
            *n = n.saturating_add(u64::from(chunks));
        }
        self.more.notify_all();
    }

    /// Whether a pump waits for the client's credit (the client is behind, not the pumps).
    fn waiting(&self) -> bool {
        self.lock().waiters > 0
    }

    /// No more waiting (the run is over or its client gone): pumps drain the pipes.
    fn lift(&self) {
        self.lock().credit = None;
        self.more.notify_all();
    }
}

impl Sink {
    fn new(target: Target, req: &Spawn) -> Sink {
        Sink {
            flow: Flow::new(req.window, &target),
            target,
            open: Mutex::new(true),
            sent: AtomicU64::new(0),
            offsets: [AtomicU64::new(0), AtomicU64::new(0)],
            cap: req.max_output,
        }
    }

    /// Sends a piece of output, cut to the cap; returns false once the cap is reached.
    /// Waits for the client's credit first when the run has a window.
    fn output(&self, stream: u8, data: &[u8]) -> bool {
        let before = self.sent.fetch_add(data.len() as u64, Ordering::SeqCst);
        let room = if self.cap == 0 {
            u64::MAX
        } else {
            self.cap.saturating_sub(before)
        };
        let keep = (data.len() as u64).min(room) as usize;
        // Credit is taken only for a frame that goes out: output dropped past the cap must
        // not wait for a client that will never be sent anything to credit back.
        if keep > 0 {
            self.flow.take();
        }
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if *open && keep > 0 {
            let data = &data[..keep];
            match &self.target {
                Target::Client { writer, id } => {
                    let offset = self.offsets[usize::from(stream == 2)]
                        .fetch_add(keep as u64, Ordering::SeqCst);
                    let msg = Msg::Output {
                        stream,
                        offset,
                        data: data.to_vec(),
                    };
                    let _ = writer.send(*id, &msg);
                }
                Target::Detached(p) => p.output(stream, data),
            }
        }
        keep == data.len()
    }

    fn finish(&self, exit: Exit) {
        self.flow.lift();
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        *open = false;
        match &self.target {
            Target::Client { writer, id } => {
                let _ = writer.send(*id, &Msg::Exit(exit));
            }
            Target::Detached(p) => p.finish(exit),
        }
    }
}

/// The shepherd's command (std sets up its pipes, directory and process group) and what
/// the shepherd then executes.
fn build(req: &Spawn) -> Result<(Command, Exec), String> {
    if req.argv.is_empty() {
        return Err("empty argv".into());
    }
    let mut env = Vec::new();
    let mut user = None;
    if let Some(spec) = &req.user {
        let ids = users::resolve(spec)?;
        if let Some(home) = ids.home {
            env.push(("HOME".to_owned(), home));
        }
        user = Some((ids.uid, ids.gid));
    }
    for kv in &req.env {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("bad env entry {kv:?}"))?;
        env.push((k.to_owned(), v.to_owned()));
    }
    let exec = Exec::new(&req.argv, &env, user)?;
    // The shepherd is the agent's own image until it forks the command.
    let mut cmd = Command::new("/proc/self/exe");
    cmd.process_group(0);
    if let Some(dir) = &req.workdir {
        cmd.current_dir(dir);
    }
    let stdin = if req.stdin.is_empty() && !req.keep_stdin {
        Stdio::null()
    } else {
        Stdio::piped()
    };
    cmd.stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Ok((cmd, exec))
}

/// Starts the shepherd; returns it with its reports and the command's pid.
fn spawn(req: &Spawn) -> Result<(std::process::Child, Reports, i32), String> {
    let cannot = |e: &dyn std::fmt::Display| format!("cannot run {:?}: {e}", req.argv[0]);
    // A fork refused for want of pids (EAGAIN) is the pids limit: say so, as a thread that
    // cannot start does.
    let cannot_fork = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::WouldBlock => format!("cannot run: {}", threads::PIDS_FULL),
        _ => cannot(&e),
    };
    let (mut cmd, exec) = build(req)?;
    let mut reports = shepherd::install(&mut cmd, exec).map_err(cannot_fork)?;
    // The shepherd's own end is of no interest to the reaper: its reports say what the
    // command did.
    let child = reaper::spawn(&mut cmd, channel().0).map_err(cannot_fork)?;
    reports.spawned();
    match reports.next() {
        Some(Report::Started(pid)) => Ok((child, reports, pid)),
        _ => Err(cannot(&"the shepherd did not start it")),
    }
}

/// Passes the shepherd's further reports on to the run's controller; false when no thread
/// could start.
fn forward_reports(reports: Reports, events: Sender<Event>, argv0: String) -> bool {
    threads::spawn_with((reports, events, argv0), |(mut reports, events, argv0)| {
        let mut exited = false;
        while let Some(r) = reports.next() {
            let ev = match r {
                Report::Started(_) => continue,
                Report::ExecFailed(e) => Event::ExecFailed(format!("cannot run {argv0:?}: {e}")),
                Report::Exited { status, rusage } => {
                    exited = true;
                    Event::Reaped(Reaped { status, rusage })
                }
            };
            let _ = events.send(ev);
        }
        if !exited {
            // The shepherd died before its command (only root can kill it): the command's
            // status is lost; report it as killed.
            let _ = events.send(Event::Reaped(Reaped {
                status: sys::SIGKILL,
                rusage: sys::Rusage::default(),
            }));
        }
    })
    .is_ok()
}

/// The cgroup's OOM-kill counter (v2 or v1), if the sandbox exposes it.
fn oom_kills() -> Option<u64> {
    [
        "/sys/fs/cgroup/memory.events",
        "/sys/fs/cgroup/memory/memory.oom_control",
    ]
    .iter()
    .find_map(|p| std::fs::read_to_string(p).ok())
    .and_then(|t| {
        t.lines().find_map(|l| {
            l.strip_prefix("oom_kill ")
                .and_then(|n| n.trim().parse().ok())
        })
    })
}

/// Ends a run that could not start (or lost its helpers) like a shell would: 127, with the
/// reason on stderr.
fn refuse(sink: &Sink, started: Instant, msg: &str) {
    sink.output(2, format!("pocketdock-agent: {msg}\n").as_bytes());
    sink.finish(Exit {
        exit_code: 127,
        wall_us: started.elapsed().as_micros() as u64,
        ..Exit::default()
    });
}

type Done = Box<dyn FnOnce() + Send>;

/// Starts a run; returns the sender its controller listens on. The run reports to `target`
/// and then calls `done`.
pub fn start(req: Spawn, target: Target, done: impl FnOnce() + Send + 'static) -> Sender<Event> {
    let (tx, rx) = channel::<Event>();
    let job = (req, target, Box::new(done) as Done, rx, tx.clone());
    if let Err((req, target, done, _, _)) = threads::spawn_with(job, control) {
        let mut sink = Sink::new(target, &req);
        sink.flow = Flow::new(0, &sink.target);
        refuse(
            &sink,
            Instant::now(),
            &format!("cannot run: {}", threads::PIDS_FULL),
        );
        done();
    }
    tx
}

/// The run's controller, on a thread of its own.
fn control((req, target, done, rx, events): (Spawn, Target, Done, Receiver<Event>, Sender<Event>)) {
    let started = Instant::now();
    let detached = match &target {
        Target::Detached(p) => Some(p.clone()),
        Target::Client { .. } => None,
    };
    let sink = Arc::new(Sink::new(target, &req));
    let oom_before = oom_kills();
    let (mut child, reports, pid) = match spawn(&req) {
        Ok(c) => c,
        Err(msg) => {
            refuse(&sink, started, &msg);
            done();
            return;
        }
    };
    if let Some(p) = &detached {
        p.pid.store(pid, Ordering::Relaxed);
    }
    let scope = procs::Scope {
        shepherd: child.id() as i32,
    };
    // Past this point the command runs: a helper thread that cannot start ends it.
    let lost_helper = |sink: &Sink, done: Done| {
        scope.kill_all();
        refuse(sink, started, &format!("run ended: {}", threads::PIDS_FULL));
        done();
    };
    if !forward_reports(reports, events.clone(), req.argv[0].clone()) {
        return lost_helper(&sink, done);
    }
    if let Some(mut stdin) = child.stdin.take() {
        match (&detached, req.keep_stdin) {
            (Some(p), true) => {
                let _ = stdin.write_all(&req.stdin);
                p.set_stdin(stdin);
            }
            _ => {
                let feed = threads::spawn_with((stdin, req.stdin), |(mut stdin, data)| {
                    let _ = stdin.write_all(&data);
                });
                if feed.is_err() {
                    return lost_helper(&sink, done);
                }
            }
        }
    }
    if let Some(p) = &detached {
        p.mark_started();
    }
    let pipes: Vec<(u8, Box<dyn Read + Send>)> = vec![
        (1, Box::new(child.stdout.take().expect("piped stdout"))),
        (2, Box::new(child.stderr.take().expect("piped stderr"))),
    ];
    for (stream, pipe) in pipes {
        let job = (pipe, sink.clone(), events.clone());
        let pump = threads::spawn_with(job, move |(mut pipe, sink, events)| {
            let mut buf = vec![0u8; 64 * 1024];
            let mut over = false;
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if !sink.output(stream, &buf[..n]) && !over {
                            over = true;
                            let _ = events.send(Event::OverCap);
                        }
                    }
                }
            }
            let _ = events.send(Event::PipeClosed);
        });
        if pump.is_err() {
            return lost_helper(&sink, done);
        }
    }
    drop(events);

    let deadline = (req.timeout_ms > 0).then(|| started + Duration::from_millis(req.timeout_ms));
    let mut exit = Exit::default();
    let mut kill_at: Option<Instant> = None;
    let mut reaped: Option<Reaped> = None;
    let mut pipes_open = 2;
    let mut linger_until: Option<Instant> = None;
    let mut drain_until: Option<Instant> = None;
    let mut killed = false;
    let cut_short = |exit: &mut Exit, why: fn(&mut Exit), kill_at: &mut Option<Instant>| {
        why(exit);
        if kill_at.is_none() {
            scope.signal(sys::SIGTERM);
            *kill_at = Some(Instant::now() + GRACE);
        }
    };
    loop {
        if reaped.is_some() && pipes_open == 0 {
            break;
        }
        if linger_until.is_some_and(|t| Instant::now() >= t) {
            // Output still unread while the group is gone means the readers are merely
            // behind: wait for them (bounded); a live group member holds the pipes.
            // A client that is behind (no credit left) is waited for: what the pipes still
            // hold is the command's output, and the client's `Credit` or its departure
            // moves things on.
            let drained = drain_until.is_some_and(|t| Instant::now() >= t);
            if scope.alive() || (drained && !sink.flow.waiting()) {
                break;
            }
            linger_until = Some(Instant::now() + Duration::from_millis(20));
        }
        let wake = [
            deadline.filter(|_| kill_at.is_none()),
            kill_at.filter(|_| !killed),
            linger_until,
        ]
        .into_iter()
        .flatten()
        .min();
        let ev = match wake {
            Some(t) => rx.recv_timeout(t.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match ev {
            Ok(Event::Reaped(r)) => {
                reaped = Some(r);
                drain_until = Some(Instant::now() + DRAIN);
                if kill_at.is_some() {
                    // Cut short: whatever it left behind dies with it, grace or not.
                    scope.kill_all();
                    linger_until = Some(Instant::now() + LINGER);
                } else {
                    linger_until = Some(Instant::now() + LINGER);
                }
            }
            Ok(Event::PipeClosed) => pipes_open -= 1,
            Ok(Event::ExecFailed(msg)) => {
                // Like a shell: 127 for "cannot run", with the reason on stderr.
                sink.output(2, format!("pocketdock-agent: {msg}\n").as_bytes());
                reaped = Some(Reaped {
                    status: 127 << 8,
                    rusage: sys::Rusage::default(),
                });
                linger_until = Some(Instant::now() + LINGER);
                drain_until = Some(Instant::now() + DRAIN);
            }
            Ok(Event::OverCap) => cut_short(&mut exit, |e| e.truncated = true, &mut kill_at),
            Ok(Event::ClientGone) => {
                // Nobody takes output any more: let the pumps drain the pipes.
                sink.flow.lift();
                cut_short(&mut exit, |_| {}, &mut kill_at)
            }
            Ok(Event::Credit(chunks)) => sink.flow.grant(chunks),
            // SIGKILL means "end the run": everything it started goes too.
            Ok(Event::Kill(sig)) if sig == sys::SIGKILL => scope.kill_all(),
            Ok(Event::Kill(sig)) => scope.signal(sig),
            Err(RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                if kill_at.is_some_and(|t| now >= t) && !killed && reaped.is_none() {
                    scope.kill_all();
                    killed = true;
                } else if deadline.is_some_and(|t| now >= t) && kill_at.is_none() {
                    cut_short(&mut exit, |e| e.timed_out = true, &mut kill_at);
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    if let Some(r) = reaped {
        let (code, sig) = sys::decode_status(r.status);
        exit.exit_code = code;
        exit.signal = sig;
        exit.user_us = sys::micros(r.rusage.utime);
        exit.sys_us = sys::micros(r.rusage.stime);
        exit.max_rss_kb = r.rusage.maxrss.max(0) as u64;
        exit.oom_killed =
            sig == sys::SIGKILL && matches!((oom_before, oom_kills()), (Some(a), Some(b)) if b > a);
    }
    exit.wall_us = started.elapsed().as_micros() as u64;
    sink.finish(exit);
    done();
}
