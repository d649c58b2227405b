//! Threads that may not start. The pids limit counts threads too, so in a sandbox whose code
//! holds every pid (a fork bomb) `std::thread::spawn` would panic; the agent must instead
//! answer at once that nothing can start, and stay up for `kill_all`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a run or transfer that could not start reports.
pub const PIDS_FULL: &str = "the sandbox's process limit is reached (pids limit): nothing can \
     start until some of its processes end; kill_all ends every process but the agent";

/// Runs `f(data)` on a new thread; when no thread can start, gives `data` back.
pub fn spawn_with<T, F>(data: T, f: F) -> Result<(), T>
where
    T: Send + 'static,
    F: FnOnce(T) + Send + 'static,
{
    let (slot, job) = handoff(data, f);
    start(job, &slot)
}

/// `f(data)` as a job, and the slot `data` waits in until the job runs: a job that never runs
/// (no thread could start for it) leaves `data` there, to be given back.
fn handoff<T, F>(data: T, f: F) -> (Arc<Mutex<Option<T>>>, Job)
where
    T: Send + 'static,
    F: FnOnce(T) + Send + 'static,
{
    let slot = Arc::new(Mutex::new(Some(data)));
    let theirs = slot.clone();
    let job: Job = Box::new(move || {
        let data = theirs.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(data) = data {
            f(data);
        }
    });
    (slot, job)
}

/// Runs `body` on a new thread; when none can start, gives back the data waiting in `slot`.
fn start<T>(body: impl FnOnce() + Send + 'static, slot: &Mutex<Option<T>>) -> Result<(), T> {
    match std::thread::Builder::new().spawn(body) {
        Ok(_) => Ok(()),
        Err(_) => Err(slot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .expect("a thread that did not start took nothing")),
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// Threads that finished a job and wait for another: `(worker id, where to send it)`.
static IDLE: Mutex<Vec<(u64, SyncSender<Job>)>> = Mutex::new(Vec::new());
static WORKER_IDS: AtomicU64 = AtomicU64::new(1);
/// Idle threads kept, and for how long: each holds a pid of the sandbox's limit.
const MAX_IDLE: usize = 2;
const IDLE_FOR: Duration = Duration::from_secs(2);

/// Like [`spawn_with`], on a thread that an earlier job left idle when there is one: a file
/// transfer then costs no thread start and exit (with its stack's page faults), measured at
/// a fifth of the agent's time for a small write. Only for jobs that leave nothing behind
/// in their thread (no credentials, namespaces, signal masks or thread-locals changed).
pub fn spawn_reused<T, F>(data: T, f: F) -> Result<(), T>
where
    T: Send + 'static,
    F: FnOnce(T) + Send + 'static,
{
    let (slot, mut job) = handoff(data, f);
    loop {
        let idle = IDLE.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let Some((_, tx)) = idle else { break };
        match tx.try_send(job) {
            Ok(()) => return Ok(()),
            // Cannot happen (an idle worker's slot is free and it waits on it): try another.
            Err(TrySendError::Full(j) | TrySendError::Disconnected(j)) => job = j,
        }
    }
    start(move || work(job), &slot)
}

/// Runs `first`, then jobs handed to this thread while it is idle; ends after [`IDLE_FOR`]
/// without one, or at once when enough threads are idle already.
fn work(first: Job) {
    let id = WORKER_IDS.fetch_add(1, Ordering::Relaxed);
    let mut job = first;
    loop {
        job();
        let (tx, rx) = sync_channel::<Job>(1);
        {
            let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() >= MAX_IDLE {
                return;
            }
            idle.push((id, tx));
        }
        job = match rx.recv_timeout(IDLE_FOR) {
            Ok(j) => j,
            Err(_) => {
                let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
                match idle.iter().position(|(w, _)| *w == id) {
                    Some(i) => {
                        idle.remove(i);
                        return;
                    }
                    // Taken off the list just now: its job is on the way.
                    None => {
                        drop(idle);
                        match rx.recv() {
                            Ok(j) => j,
                            Err(_) => return,
                        }
                    }
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_reaches_the_thread() {
        let (tx, rx) = std::sync::mpsc::channel();
        assert!(spawn_with(7, move |n| tx.send(n).unwrap()).is_ok());
        assert_eq!(rx.recv().unwrap(), 7);
    }

    #[test]
    fn reused_threads_run_every_job_and_a_later_one_reuses_an_idle_thread() {
        let (tx, rx) = std::sync::mpsc::channel();
        for n in 0..20 {
            let tx = tx.clone();
            assert!(spawn_reused(n, move |n| tx
                .send((n, std::thread::current().id()))
                .unwrap())
            .is_ok());
        }
        let mut got: Vec<_> = (0..20).map(|_| rx.recv().unwrap()).collect();
        got.sort_by_key(|g| g.0);
        assert_eq!(
            got.iter().map(|g| g.0).collect::<Vec<_>>(),
            (0..20).collect::<Vec<_>>()
        );
        // One job at a time: the second runs on the thread the first left idle.
        let (tx, rx) = std::sync::mpsc::channel();
        let t = tx.clone();
        spawn_reused((), move |()| t.send(std::thread::current().id()).unwrap()).unwrap();
        let first = rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        spawn_reused((), move |()| tx.send(std::thread::current().id()).unwrap()).unwrap();
        let second = rx.recv().unwrap();
        let idle = IDLE.lock().unwrap().len();
        assert!(
            first == second || idle == MAX_IDLE,
            "reused, or enough were idle"
        );
    }
}
