//! Threads that may not start. The pids limit counts threads too, so in a sandbox whose code
//! holds every pid (a fork bomb) `std::thread::spawn` would panic; the agent must instead
//! answer at once that nothing can start, and stay up for `kill_all`.

use std::sync::{Arc, Mutex};

/// What a run or transfer that could not start reports.
pub const PIDS_FULL: &str = "the sandbox's process limit is reached (pids limit): nothing can \
     start until some of its processes end; kill_all ends every process but the agent";

/// Runs `f(data)` on a new thread; when no thread can start, gives `data` back.
pub fn spawn_with<T, F>(data: T, f: F) -> Result<(), T>
where
    T: Send + 'static,
    F: FnOnce(T) + Send + 'static,
{
    let slot = Arc::new(Mutex::new(Some(data)));
    let theirs = slot.clone();
    let started = std::thread::Builder::new().spawn(move || {
        let data = theirs.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(data) = data {
            f(data);
        }
    });
    match started {
        Ok(_) => Ok(()),
        Err(_) => Err(slot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .expect("a thread that did not start took nothing")),
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
}
