//! The one thread that waits for children. As PID 1 the agent inherits every orphan in the
//! sandbox, so a single `wait4(-1)` loop reaps them all; a run's own pid is registered before
//! the reaper can see it, and its status and resource use are handed to that run.

use std::collections::HashMap;
use std::process::{Child, Command};
use std::sync::mpsc::Sender;
use std::sync::{Condvar, Mutex, OnceLock};

use crate::run::Event;
use crate::sys::{self, Rusage};

pub struct Reaped {
    pub status: i32,
    pub rusage: Rusage,
}

#[derive(Default)]
struct Table {
    waiting: HashMap<i32, Sender<Event>>,
    /// Bumped on every spawn, so the reaper never sleeps through a new child.
    spawns: u64,
}

static TABLE: OnceLock<(Mutex<Table>, Condvar)> = OnceLock::new();

fn table() -> &'static (Mutex<Table>, Condvar) {
    TABLE.get_or_init(Default::default)
}

/// Spawns `cmd` and registers its pid atomically with respect to the reaper.
pub fn spawn(cmd: &mut Command, events: Sender<Event>) -> std::io::Result<Child> {
    let (lock, cv) = table();
    let mut t = lock.lock().unwrap_or_else(|e| e.into_inner());
    let child = cmd.spawn()?;
    t.waiting.insert(child.id() as i32, events);
    t.spawns += 1;
    cv.notify_all();
    Ok(child)
}

pub fn start() {
    std::thread::spawn(|| {
        let (lock, cv) = table();
        loop {
            let seen = lock.lock().unwrap_or_else(|e| e.into_inner()).spawns;
            match sys::wait_any() {
                Ok((pid, status, rusage)) => {
                    let waiter = lock
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .waiting
                        .remove(&pid);
                    if let Some(tx) = waiter {
                        let _ = tx.send(Event::Reaped(Reaped { status, rusage }));
                    }
                }
                Err(e) if e.raw_os_error() == Some(10) => {
                    // ECHILD: nothing to wait for until the next spawn.
                    let t = lock.lock().unwrap_or_else(|e| e.into_inner());
                    drop(cv.wait_while(t, |t| t.spawns == seen));
                }
                Err(_) => {}
            }
        }
    });
}
