//! The one process-global tokio runtime behind every blocking C call.

use std::future::Future;
use std::sync::OnceLock;

use crate::error::{Error, Result};

static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("pocketdock-rt")
        .enable_all()
        .build()
        .map_err(Error::Io)?;
    Ok(RUNTIME.get_or_init(|| rt))
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
