//! The one process-global tokio runtime behind every blocking C call.
//!
//! fork() copies the runtime's state but not its worker threads, so in a forked child every
//! call would wait forever for a worker that does not exist. The runtime remembers the
//! process that built it, and a call from any other process is refused at once.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

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
/// machine) overlaps the command instead of preceding it. The first poll's waker does
/// nothing: the spawned task polls again at once and registers its own (a future re-registers
/// its waker on every poll). A panic in that first poll is returned as an error like any
/// other panic in a call.
pub(crate) fn spawn_polled(fut: impl Future<Output = ()> + Send + 'static) -> Result<()> {
    let rt = runtime()?;
    let mut fut = Box::pin(fut);
    let first = {
        let _in_runtime = rt.enter();
        fut.as_mut().poll(&mut Context::from_waker(Waker::noop()))
    };
    if first.is_pending() {
        rt.spawn(fut);
    }
    Ok(())
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
