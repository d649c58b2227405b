//! The one process-global tokio runtime behind every blocking C call.
//!
//! fork() copies the runtime's state but not its worker threads, so in a forked child every
//! call would wait forever for a worker that does not exist. The runtime remembers the
//! process that built it, and a call from any other process is refused at once.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use pocketdock::{Error, Result};

/// The runtime and the id of the process it was built in.
static RUNTIME: OnceLock<(tokio::runtime::Runtime, u32)> = OnceLock::new();

fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    if let Some((rt, pid)) = RUNTIME.get() {
        if *pid != std::process::id() {
            return Err(forked());
        }
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("pocketdock-rt")
        .enable_all()
        .build()
        .map_err(Error::Io)?;
    Ok(&RUNTIME.get_or_init(|| (rt, std::process::id())).0)
}

fn forked() -> Error {
    Error::InvalidState(
        "pocketdock was used in this process's parent before fork(): its runtime threads and \
         engine connections do not exist here. Use the library only in the parent, or in a \
         child that exec()s a new program (which may then use it from scratch)"
            .into(),
    )
}

/// Whether this process is a fork of the one that started the runtime.
pub(crate) fn is_forked_child() -> bool {
    RUNTIME
        .get()
        .is_some_and(|(_, pid)| *pid != std::process::id())
}

/// Runs `fut` to completion on the global runtime. Called from a runtime thread (for example
/// inside a callback) it refuses with `InvalidState` instead of deadlocking or panicking.
pub(crate) fn block_on<T>(fut: impl Future<Output = Result<T>>) -> Result<T> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::InvalidState(
            "blocking pocketdock call made from a runtime thread".into(),
        ));
    }
    runtime()?.block_on(fut)
}

/// Runs `fut` on the global runtime without waiting for it (the callback forms).
pub(crate) fn spawn(fut: impl Future<Output = ()> + Send + 'static) -> Result<()> {
    runtime()?.spawn(fut);
    Ok(())
}

/// Like [`spawn`], but polls `fut` once here first, on the calling thread, inside the runtime.
/// A run's request then leaves now, as it does from `block_on`, instead of after a runtime
/// thread was woken to start the task: that wake-up (tens to hundreds of µs on a loaded
/// machine) overlaps the command instead of preceding it.
///
/// Nor is the task spawned at once: spawning from a thread outside the runtime unparks an
/// idle worker (which, as tokio's last searching worker, unparks the other one too) only to
/// poll a future that waits for its reply, two wake-ups per call that preempt the caller
/// and the engine on a small machine. The first poll's waker owns the future instead and
/// spawns it when woken: by the reply, on the runtime worker that read it, where the task
/// goes to that worker's own queue and runs next, waking no other thread. A panic in the
/// first poll is returned as an error like any other panic in a call.
pub(crate) fn spawn_polled(fut: impl Future<Output = ()> + Send + 'static) -> Result<()> {
    let rt = runtime()?;
    let mut fut: Task = Box::pin(async move {
        fut.await;
        keep_timers_armed();
    });
    let lazy = Arc::new(SpawnOnWake {
        rt,
        state: Mutex::new(Lazy::Polling { woken: false }),
    });
    let waker = Waker::from(lazy.clone());
    let first = {
        let _in_runtime = rt.enter();
        fut.as_mut().poll(&mut Context::from_waker(&waker))
    };
    let mut state = lazy.lock();
    match (first.is_ready(), &*state) {
        (true, _) => *state = Lazy::Spawned,
        // Woken while it was being polled: the event is there already, spawn now.
        (false, Lazy::Polling { woken: true }) => {
            *state = Lazy::Spawned;
            drop(state);
            rt.spawn(fut);
        }
        (false, _) => *state = Lazy::Waiting(fut),
    }
    Ok(())
}

type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How long the timer of [`keep_timers_armed`] lasts: shorter than any run's own safety timer
/// (its timeout plus 10 s), so that one is never the earliest.
const KEEP_ARMED: Duration = Duration::from_secs(5);

/// The timer [`keep_timers_armed`] set last.
static KEEPER: Mutex<Option<Pin<Box<tokio::time::Sleep>>>> = Mutex::new(None);

/// Leaves a timer in the runtime's timer wheel after a call started by [`spawn_polled`] ends.
///
/// Why: a run registers a safety timer, from the caller's thread in the first poll. tokio
/// unparks the worker that holds the driver whenever a new timer is earlier than the one it
/// sleeps for, and with the timer lock held, so that worker wakes twice (the driver's
/// eventfd, then the contended lock) for nothing. When a run ends on a worker, its timer
/// goes away before the worker parks, the wheel is empty, the worker sleeps with no
/// deadline, and every next run paid those two wake-ups. (`pd_run` escapes this by chance:
/// the worker parks before the caller drops the timer, and keeps that deadline.) With this
/// timer, 5 s ahead and replaced on each end, the worker parks with a deadline earlier than
/// the next run's, and registering it wakes nobody. Costs one wake-up 5 s after the last
/// call, when it fires (its waker does nothing).
fn keep_timers_armed() {
    let mut keeper = Box::pin(tokio::time::sleep(KEEP_ARMED));
    // Registers it in the wheel (a sleep registers on its first poll).
    let _ = keeper
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()));
    let old = KEEPER
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .replace(keeper);
    drop(old);
}

/// The waker of [`spawn_polled`]'s first poll: holds the future until it is woken, then
/// spawns it (once; later wakes of this waker are stale and do nothing, the task registered
/// its own waker when it was polled again). A future never woken is dropped with the last
/// copy of this waker, as a task never woken would stay parked: it has nothing left to do.
struct SpawnOnWake {
    rt: &'static tokio::runtime::Runtime,
    state: Mutex<Lazy>,
}

enum Lazy {
    /// The first poll is running; `woken` if it woke its own waker meanwhile.
    Polling { woken: bool },
    /// Pending after the first poll, waiting for its wake.
    Waiting(Task),
    /// Spawned, or done in the first poll.
    Spawned,
}

impl SpawnOnWake {
    fn lock(&self) -> std::sync::MutexGuard<'_, Lazy> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Wake for SpawnOnWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let fut = {
            let mut state = self.lock();
            match std::mem::replace(&mut *state, Lazy::Spawned) {
                Lazy::Waiting(fut) => fut,
                Lazy::Polling { .. } => {
                    *state = Lazy::Polling { woken: true };
                    return;
                }
                Lazy::Spawned => return,
            }
        };
        // Outside the lock. On a runtime worker this schedules on that worker (its LIFO
        // slot), without unparking another thread.
        self.rt.spawn(fut);
    }
}

/// A future's output, or the message of the panic that ended it (the library's calls report
/// a panic instead of unwinding into C).
pub(crate) struct CatchUnwind<F>(pub(crate) Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = std::result::Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(p) => Poll::Ready(Err(p
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_owned()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A future that is woken after its first poll runs to the end (spawned by its waker).
    #[test]
    fn spawn_polled_runs_when_woken_later() {
        let (tx, rx) = mpsc::channel();
        let (wake_tx, wake_rx) = tokio::sync::oneshot::channel::<u32>();
        spawn_polled(async move {
            let v = wake_rx.await.unwrap_or(0);
            let _ = tx.send(v);
        })
        .unwrap();
        wake_tx.send(7).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(7));
    }

    /// A future that wakes itself during its first poll is spawned at once, not lost.
    #[test]
    fn spawn_polled_woken_during_first_poll() {
        let (tx, rx) = mpsc::channel();
        spawn_polled(async move {
            tokio::task::yield_now().await;
            let _ = tx.send(1);
        })
        .unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(1));
    }

    /// A future done in its first poll is never spawned (nothing left to run).
    #[test]
    fn spawn_polled_ready_at_once() {
        let (tx, rx) = mpsc::channel();
        spawn_polled(async move {
            let _ = tx.send(2);
        })
        .unwrap();
        assert_eq!(rx.try_recv(), Ok(2));
    }
}
