//! The one process-global tokio runtime behind every blocking C call.
//!
//! fork() copies the runtime's state but not its worker threads, so in a forked child every
//! call would wait forever for a worker that does not exist. The runtime remembers the
//! process that built it, and a call from any other process is refused at once.

use std::future::Future;
use std::sync::OnceLock;

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
