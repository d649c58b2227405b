//! PID 1 mode: listen on the abstract socket, accept only the relay (root, or the agent's own
//! user when the sandbox has no root), and serve each connection's requests concurrently.

use std::collections::HashMap;
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, SyncSender};
use std::sync::{Arc, Mutex};

use crate::bufs::{Payload, Pool};
use crate::detached::Proc;
use crate::get::{self, Flow};
use crate::put::{self, Chunk};
use crate::run::{self, Event, Target};
use crate::wire::{self, Msg};
use crate::{procs, reaper, sys, threads};

/// The write half of a connection; whole frames are written under the lock.
pub struct Writer(Mutex<UnixStream>);

impl Writer {
    pub fn send(&self, id: u32, msg: &Msg) -> io::Result<()> {
        let frame = wire::encode(id, msg);
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write_all(&frame)
    }

    /// Sends frames in one write: the client reads them, and is woken, once.
    pub fn send_all(&self, id: u32, msgs: &[Msg]) -> io::Result<()> {
        let frames: Vec<u8> = msgs.iter().flat_map(|m| wire::encode(id, m)).collect();
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write_all(&frames)
    }
}

/// Environment the library sets on the sandbox for the agent alone (removed before any run).
const OWN_USER: &str = "POCKETDOCK_AGENT_OWN_USER";
const OWN_PATHS: &str = "POCKETDOCK_AGENT_OWN_PATHS";

/// Gives the run user the writable directories of a locked-down sandbox (tmpfs mounts come
/// up owned by root, and engines do not all honour a mode for them).
fn hand_over_dirs() {
    let (Ok(user), Ok(paths)) = (std::env::var(OWN_USER), std::env::var(OWN_PATHS)) else {
        return;
    };
    std::env::remove_var(OWN_USER);
    std::env::remove_var(OWN_PATHS);
    let Ok(ids) = crate::users::resolve(&user) else {
        eprintln!("pocketdock-agent: unknown user {user:?}");
        return;
    };
    for p in paths.split(':').filter(|p| !p.is_empty()) {
        if let Err(e) = std::os::unix::fs::chown(p, Some(ids.uid), Some(ids.gid)) {
            eprintln!("pocketdock-agent: cannot hand {p} to {user}: {e}");
        }
    }
}

pub fn serve() -> ! {
    hand_over_dirs();
    sys::install_signal_handlers();
    sys::become_subreaper();
    reaper::start();
    let listener = SocketAddr::from_abstract_name(wire::SOCKET_NAME)
        .and_then(|a| UnixListener::bind_addr(&a))
        .unwrap_or_else(|e| {
            eprintln!("pocketdock-agent: cannot listen: {e}");
            std::process::exit(1)
        });
    let me = sys::uid();
    for conn in listener.incoming().flatten() {
        match sys::peer_uid(conn.as_raw_fd()) {
            Ok(peer) if peer == 0 || peer == me => {
                // With every pid taken the client is refused (the connection closes)
                // rather than the agent brought down.
                let _ = threads::spawn_with(conn, connection);
            }
            _ => drop(conn),
        }
    }
    std::process::exit(1)
}

fn no_such(writer: &Writer, id: u32, proc: u32) {
    let message = format!("no detached process {proc} in this sandbox");
    let _ = writer.send(id, &Msg::Failed { message });
}

/// Hands a `Data` frame to its write; data of a write that already ended (refused) is
/// dropped.
fn feed_put(puts: &mut HashMap<u32, SyncSender<Chunk>>, id: u32, data: Payload, pool: &Pool) {
    match puts.get(&id) {
        Some(tx) => {
            if tx.send(Chunk::Data(data)).is_err() {
                puts.remove(&id);
            }
        }
        None => pool.give(data.buf),
    }
}

fn connection(conn: UnixStream) {
    let Ok(w) = conn.try_clone() else { return };
    let writer = Arc::new(Writer(Mutex::new(w)));
    let runs: Arc<Mutex<HashMap<u32, Sender<Event>>>> = Arc::default();
    // File transfers in progress; dropped with the connection, which cancels them.
    let mut puts: HashMap<u32, SyncSender<Chunk>> = HashMap::new();
    let mut gets: HashMap<u32, Sender<Flow>> = HashMap::new();
    let pool = Arc::new(Pool::default());
    let mut reader = io::BufReader::new(conn);
    let mut greeted = false;
    loop {
        let mut buf = pool.take();
        let Ok(len) = wire::read_frame_into(&mut reader, &mut buf) else {
            break;
        };
        // A write's data goes to its thread in the buffer it was read into.
        if let Some((id, range)) = wire::data_payload(&buf[..len]).filter(|_| greeted) {
            feed_put(&mut puts, id, Payload { buf, range }, &pool);
            continue;
        }
        let decoded = wire::decode(&buf[..len]);
        pool.give(buf);
        let (id, msg) = match decoded {
            Ok(m) => m,
            Err(e) => {
                let _ = writer.send(
                    0,
                    &Msg::Failed {
                        message: e.to_string(),
                    },
                );
                break;
            }
        };
        match msg {
            Msg::Hello { version } if version == wire::VERSION => {
                greeted = true;
                let pid = sys::pid() as u32;
                let _ = writer.send(id, &Msg::HelloOk { version, pid });
            }
            Msg::Hello { version } => {
                let message = format!("agent speaks protocol {}, client {version}", wire::VERSION);
                let _ = writer.send(id, &Msg::Failed { message });
                break;
            }
            _ if !greeted => break,
            Msg::Spawn(req) if req.detached => {
                // Not in this connection's table: it outlives the connection.
                let p = Proc::register(req.argv.clone(), req.buffer_size);
                let tx = run::start(req, Target::Detached(p.clone()), || {});
                p.set_control(tx);
                p.wait_started();
                let _ = writer.send(id, &Msg::Spawned { proc: p.id });
            }
            Msg::Spawn(req) => {
                // Not under the table's lock: a run that cannot start (every pid taken) ends
                // inside `start`, on this thread, and its end takes the lock (which held here
                // deadlocked this connection for good). A run that ended before it is entered
                // is not entered: its end runs before the flag is read under the lock.
                let table = runs.clone();
                let ended = Arc::new(AtomicBool::new(false));
                let ended_here = ended.clone();
                let target = Target::Client {
                    writer: writer.clone(),
                    id,
                };
                let tx = run::start(req, target, move || {
                    ended_here.store(true, Ordering::SeqCst);
                    table.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                });
                let mut map = runs.lock().unwrap_or_else(|e| e.into_inner());
                if !ended.load(Ordering::SeqCst) {
                    map.insert(id, tx);
                }
            }
            Msg::Attach {
                proc,
                stdout_from,
                stderr_from,
                follow,
            } => match Proc::find(proc) {
                Some(p) => p.attach(&writer, id, [stdout_from, stderr_from], follow),
                None => no_such(&writer, id, proc),
            },
            Msg::KillAll => {
                // On this connection's reader (up to the sweep limit): it must work when no
                // thread can start.
                let killed = procs::kill_everything();
                let _ = writer.send(id, &Msg::Swept { killed });
            }
            Msg::KillProc { proc, signal } => match Proc::find(proc) {
                Some(p) => {
                    p.signal(signal);
                    let _ = writer.send(id, &p.status());
                }
                None => no_such(&writer, id, proc),
            },
            Msg::Stdin { proc, data, close } => match Proc::find(proc) {
                Some(p) => {
                    if !p.write_stdin(&data, close) && !data.is_empty() {
                        let message = format!("process {proc} has no open stdin");
                        let _ = writer.send(id, &Msg::Failed { message });
                    } else {
                        let _ = writer.send(id, &p.status());
                    }
                }
                None => no_such(&writer, id, proc),
            },
            Msg::Command {
                proc,
                line,
                marker,
                stdout_from,
                stderr_from,
                start_markers,
            } => match Proc::find(proc) {
                Some(p) => {
                    let from = [stdout_from, stderr_from];
                    p.command(&writer, id, from, &line, &marker, start_markers)
                }
                None => no_such(&writer, id, proc),
            },
            Msg::Unfollow { proc } => match Proc::find(proc) {
                Some(p) => {
                    p.unfollow(&writer, id);
                    let _ = writer.send(id, &p.status());
                }
                None => no_such(&writer, id, proc),
            },
            Msg::List => {
                let _ = writer.send(id, &Msg::Procs(Proc::list()));
            }
            Msg::Put(_) | Msg::Get { .. } if crate::files::unsupported().is_some() => {
                let refusal = crate::files::unsupported().expect("checked");
                let _ = writer.send(id, &refusal.into_msg());
            }
            Msg::Put(p) => {
                puts.insert(id, put::start(p, writer.clone(), id, pool.clone()));
            }
            // Only a malformed `Data` frame gets here, and decoding refused it above.
            Msg::Data { data } => {
                let range = 0..data.len();
                feed_put(&mut puts, id, Payload { buf: data, range }, &pool);
            }
            Msg::DataEnd => {
                if let Some(tx) = puts.remove(&id) {
                    let _ = tx.send(Chunk::End);
                }
            }
            Msg::Get { path, want } => {
                // Finished reads have dropped their receivers: forget them.
                gets.retain(|_, tx| tx.send(Flow::Credit(0)).is_ok());
                gets.insert(id, get::start(path, want, writer.clone(), id));
            }
            Msg::Credit { chunks } => {
                if let Some(tx) = gets.get(&id) {
                    let _ = tx.send(Flow::Credit(chunks));
                } else if let Some(tx) = runs.lock().unwrap_or_else(|e| e.into_inner()).get(&id) {
                    let _ = tx.send(Event::Credit(chunks));
                }
            }
            Msg::Cancel => {
                if let Some(tx) = puts.remove(&id) {
                    let _ = tx.send(Chunk::Cancel);
                }
                if let Some(tx) = gets.remove(&id) {
                    let _ = tx.send(Flow::Cancel);
                }
            }
            Msg::Kill { signal } => {
                if let Some(tx) = runs.lock().unwrap_or_else(|e| e.into_inner()).get(&id) {
                    let _ = tx.send(Event::Kill(signal));
                }
            }
            other => {
                let message = format!("unexpected request {other:?}");
                let _ = writer.send(id, &Msg::Failed { message });
            }
        }
    }
    // The client is gone: its blocking runs have nobody to report to.
    for tx in runs.lock().unwrap_or_else(|e| e.into_inner()).values() {
        let _ = tx.send(Event::ClientGone);
    }
}
