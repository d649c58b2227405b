//! C callbacks run on one library-owned thread ("pocketdock-callbacks"), never on a runtime
//! worker: so a callback may make blocking pd_ calls, and callbacks never run concurrently.
//! `free_user_data` goes through the same queue, after the last callback that uses it.
//!
//! Or, once the host asked for it (`pd_callbacks_to_fd`), on a thread of the host's own event
//! loop: jobs then wait in `HOST`, a pipe becomes readable, and the host runs them with
//! `pd_callbacks_dispatch`. One wake-up (runtime worker → the host's loop) instead of two
//! (→ the callback thread → the host's loop, which is how a JS engine's thread-safe call works).

use std::collections::VecDeque;
use std::ffi::{c_char, c_void};
use std::os::fd::{AsRawFd, OwnedFd};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;

use super::exec::pd_exec_result;
use super::handle;
use pocketdock::exec::ExecResult;
use pocketdock::process::Callbacks;
use pocketdock::StreamKind;

/// Output callback: `stream` 1 = stdout, 2 = stderr; `data` is valid for the call only.
pub type pd_output_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, stream: i32, data: *const u8, len: usize)>;
/// Exit callback: `result` is valid for the call only (do not free it).
pub type pd_exit_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, result: *const pd_exec_result)>;
/// Called exactly once when no callback will use `user_data` any more.
pub type pd_free_cb = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

type Job = Box<dyn FnOnce() + Send>;

static QUEUE: OnceLock<Sender<Job>> = OnceLock::new();

/// The host-driven queue, once `pd_callbacks_to_fd` made it.
static HOST: OnceLock<HostQueue> = OnceLock::new();

struct HostQueue {
    state: Mutex<HostState>,
    /// Runs one dispatch at a time, so callbacks never run concurrently there either.
    running: Mutex<()>,
    /// The pipe's ends: the host watches `read`; a byte goes into `write` when the queue
    /// stops being empty.
    read: OwnedFd,
    write: OwnedFd,
}

#[derive(Default)]
struct HostState {
    jobs: VecDeque<Job>,
    /// A byte is in the pipe, not yet answered by a dispatch.
    signalled: bool,
    /// The thread that last dispatched: a `drain` there runs the jobs instead of waiting.
    dispatcher: Option<ThreadId>,
}

impl HostQueue {
    fn new() -> std::io::Result<HostQueue> {
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two descriptors into the array on success.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: both descriptors were just created and are owned by nothing else.
        let (read, write) = unsafe {
            use std::os::fd::FromRawFd;
            (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))
        };
        Ok(HostQueue {
            state: Mutex::new(HostState::default()),
            running: Mutex::new(()),
            read,
            write,
        })
    }

    fn push(&self, job: Job) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.jobs.push_back(job);
        if !st.signalled {
            st.signalled = true;
            // Non-blocking: the pipe holds at most one unanswered byte, so it never fills.
            // SAFETY: writing one byte from a valid buffer to our own descriptor.
            let _ = unsafe { libc::write(self.write.as_raw_fd(), [1u8].as_ptr().cast(), 1) };
        }
    }

    /// Runs every job waiting (and those they post) on this thread; returns how many. From a
    /// callback it is running (a callback that dispatches, or drains) it returns 0 at once.
    fn dispatch(&self) -> usize {
        if DISPATCHING.get() {
            return 0;
        }
        let _one = self.running.lock().unwrap_or_else(|e| e.into_inner());
        DISPATCHING.set(true);
        let _reset = ResetDispatching;
        let mut n = 0;
        loop {
            let jobs = {
                let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                st.dispatcher = Some(std::thread::current().id());
                if st.signalled {
                    st.signalled = false;
                    let mut buf = [0u8; 16];
                    // SAFETY: reading into a valid buffer from our own non-blocking descriptor.
                    let _ = unsafe {
                        libc::read(self.read.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len())
                    };
                }
                std::mem::take(&mut st.jobs)
            };
            if jobs.is_empty() {
                return n;
            }
            for job in jobs {
                n += 1;
                let _ = catch_unwind(AssertUnwindSafe(job));
            }
        }
    }

    fn is_dispatcher(&self) -> bool {
        let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.dispatcher == Some(std::thread::current().id())
    }
}

thread_local! {
    /// This thread is running host-queue jobs (inside `HostQueue::dispatch`).
    static DISPATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

struct ResetDispatching;

impl Drop for ResetDispatching {
    fn drop(&mut self) {
        DISPATCHING.set(false);
    }
}

fn post(job: Job) {
    if let Some(h) = HOST.get() {
        h.push(job);
        return;
    }
    let q = QUEUE.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        std::thread::Builder::new()
            .name("pocketdock-callbacks".into())
            .spawn(move || {
                for job in rx {
                    // A panic in one callback must not stop the others.
                    let _ = catch_unwind(AssertUnwindSafe(job));
                }
            })
            .expect("spawn the callback thread");
        tx
    });
    let _ = q.send(job);
}

/// The caller's pointer, handed back to its own callbacks.
#[derive(Clone, Copy)]
struct Ptr(*mut c_void);
// SAFETY: the C API documents that user_data is used from the callback thread.
unsafe impl Send for Ptr {}
unsafe impl Sync for Ptr {}

impl Ptr {
    /// Used by closures so they capture the whole (Send) wrapper, not its raw field.
    fn get(self) -> *mut c_void {
        self.0
    }
}

struct UserData {
    ptr: Ptr,
    free: pd_free_cb,
}

impl Drop for UserData {
    fn drop(&mut self) {
        if let Some(f) = self.free {
            let p = self.ptr;
            // SAFETY: the caller's finalizer, called once with its own pointer.
            post(Box::new(move || unsafe { f(p.get()) }));
        }
    }
}

/// Wraps C callbacks as core callbacks that post to the callback thread.
pub(crate) fn callbacks(
    on_output: pd_output_cb,
    on_exit: pd_exit_cb,
    user_data: *mut c_void,
    free: pd_free_cb,
) -> Callbacks {
    let data = Arc::new(UserData {
        ptr: Ptr(user_data),
        free,
    });
    let out = on_output.map(|f| {
        let data = data.clone();
        Arc::new(move |stream: StreamKind, bytes: &[u8]| {
            let (data, bytes) = (data.clone(), bytes.to_vec());
            let stream = if stream == StreamKind::Stderr { 2 } else { 1 };
            // SAFETY: the caller's callback with its own pointer and a buffer valid for the call.
            post(Box::new(move || unsafe {
                f(data.ptr.get(), stream, bytes.as_ptr(), bytes.len())
            }));
        }) as pocketdock::process::OutputCallback
    });
    let exit = on_exit.map(|f| {
        let data = data.clone();
        Arc::new(move |r: &ExecResult| {
            let (data, r) = (data.clone(), r.clone());
            post(Box::new(move || {
                let h = handle::into_raw(pd_exec_result::new(r));
                // SAFETY: the result handle lives until it is freed right after the call.
                unsafe { f(data.ptr.get(), h) };
                handle::free(h);
            }));
        }) as pocketdock::process::ExitCallback
    });
    Callbacks {
        on_output: out,
        on_exit: exit,
    }
}

/// The end of a stream handed to callbacks: the result, or `None` when the stream failed.
pub(crate) type EndCallback = Box<dyn FnOnce(Option<ExecResult>) + Send>;

/// Wraps C callbacks for a stream (pd_stream_set_callbacks): like [`callbacks`], but the exit
/// callback is called exactly once, with NULL when the stream failed.
pub(crate) fn stream_callbacks(
    on_output: pd_output_cb,
    on_exit: pd_exit_cb,
    user_data: *mut c_void,
    free: pd_free_cb,
) -> (Option<pocketdock::process::OutputCallback>, EndCallback) {
    let data = Arc::new(UserData {
        ptr: Ptr(user_data),
        free,
    });
    let out = callbacks(on_output, None, user_data, None).on_output;
    let end: EndCallback = Box::new(move |r: Option<ExecResult>| {
        let Some(f) = on_exit else { return };
        post(Box::new(move || {
            let h = r.map_or(std::ptr::null_mut(), |r| {
                handle::into_raw(pd_exec_result::new(r))
            });
            // SAFETY: the caller's callback with its own pointer; the result lives until it
            // is freed right after the call.
            unsafe { f(data.ptr.get(), h) };
            if !h.is_null() {
                handle::free(h);
            }
        }));
    });
    (out, end)
}

/// A one-shot delivery to the callback thread that owns `user_data`: calling it posts
/// `job(user_data)`, then `free`; dropping it uncalled posts only `free`.
pub(crate) type Once = Box<dyn FnOnce(Box<dyn FnOnce(*mut c_void) + Send>) + Send>;

pub(crate) fn once(user_data: *mut c_void, free: pd_free_cb) -> Once {
    let data = UserData {
        ptr: Ptr(user_data),
        free,
    };
    Box::new(move |job| {
        post(Box::new(move || {
            job(data.ptr.get());
            drop(data); // posts `free` after the job
        }))
    })
}

/// Line callback (build progress): `line` is UTF-8, NUL-terminated, valid for the call only.
pub type pd_line_cb = Option<unsafe extern "C" fn(user_data: *mut c_void, line: *const c_char)>;

/// Wraps a C line callback as a core one that posts to the callback thread. The returned
/// closure owns `user_data`: `free` is posted when the last copy of it is dropped (also when
/// `cb` is NULL, so a finalizer is called exactly once whatever happens).
pub(crate) fn line_callback(
    cb: pd_line_cb,
    user_data: *mut c_void,
    free: pd_free_cb,
) -> Option<pocketdock::ProgressCallback> {
    let data = Arc::new(UserData {
        ptr: Ptr(user_data),
        free,
    });
    let f = cb?;
    Some(Arc::new(move |line: &str| {
        let data = data.clone();
        let line = std::ffi::CString::new(line.replace('\0', "\u{FFFD}")).unwrap_or_default();
        // SAFETY: the caller's callback with its own pointer and a string valid for the call.
        post(Box::new(move || unsafe {
            f(data.ptr.get(), line.as_ptr())
        }));
    }))
}

/// Log callback: `level` is a `pd_log_level`; `target` (the module that logged) and `message`
/// are UTF-8, NUL-terminated, valid for the call only.
pub type pd_log_cb = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        level: i32,
        target: *const c_char,
        message: *const c_char,
    ),
>;

/// Where log records go: the caller's callback, called on the callback thread.
pub(crate) type LogSink = Arc<dyn Fn(i32, &str, &str) + Send + Sync>;

/// Wraps a C log callback; `free` is posted when the sink is dropped (replaced or removed).
pub(crate) fn log_sink(cb: pd_log_cb, user_data: *mut c_void, free: pd_free_cb) -> Option<LogSink> {
    let data = Arc::new(UserData {
        ptr: Ptr(user_data),
        free,
    });
    let f = cb?;
    Some(Arc::new(move |level: i32, target: &str, message: &str| {
        let data = data.clone();
        let c = |s: &str| std::ffi::CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default();
        let (target, message) = (c(target), c(message));
        // SAFETY: the caller's callback with its own pointer and strings valid for the call.
        post(Box::new(move || unsafe {
            f(data.ptr.get(), level, target.as_ptr(), message.as_ptr())
        }));
    }))
}

/// Waits until every job posted so far (callbacks, finalizers) has run, so a blocking call
/// returns only after its callbacks. From the callback thread itself it returns at once.
pub(crate) fn drain() {
    // In a forked child the callback thread does not exist: nothing would ever answer.
    if std::thread::current().name() == Some("pocketdock-callbacks")
        || super::runtime::is_forked_child()
    {
        return;
    }
    if let Some(h) = HOST.get() {
        // Inside a callback it runs, as on the callback thread: return at once.
        if DISPATCHING.get() {
            return;
        }
        // On the host's dispatching thread, waiting would wait for ourselves: run them.
        if h.is_dispatcher() {
            h.dispatch();
            return;
        }
    }
    let (tx, rx) = channel::<()>();
    post(Box::new(move || {
        let _ = tx.send(());
    }));
    let _ = rx.recv();
}

/// Moves the library's callbacks (run ends, stream output, process events, log records, build
/// progress, `free_user_data`) from its own callback thread to the caller's event loop, for
/// hosts whose callbacks must run on one thread of theirs (a JS engine, a GUI toolkit):
/// `*fd_out` receives a descriptor (the read end of a non-blocking pipe, owned by the
/// library, never to be closed) that becomes readable when callbacks wait; then call
/// `pd_callbacks_dispatch` from that loop. Process-wide and for the rest of the process;
/// callbacks posted before this call still run on the callback thread, so call it before
/// registering any. A later call returns the same descriptor. While this is on, a blocking
/// call whose callbacks must have run before it returns (`pd_profile_build`) waits for a
/// dispatch: make it from another thread, or from the dispatching thread itself (it then
/// dispatches while it waits).
#[no_mangle]
pub extern "C" fn pd_callbacks_to_fd(
    fd_out: *mut std::ffi::c_int,
    err_out: *mut *mut super::error::pd_error,
) -> super::error::pd_status {
    super::boundary::guard(err_out, || {
        handle::out_ptr(fd_out, "fd_out")?;
        let h = match HOST.get() {
            Some(h) => h,
            None => {
                let q = HostQueue::new().map_err(pocketdock::Error::Io)?;
                // A racing first call made one too: keep the winner's (ours is dropped).
                let _ = HOST.set(q);
                HOST.get()
                    .ok_or_else(|| crate::error::internal("no host queue"))?
            }
        };
        super::boundary::write_out(fd_out, h.read.as_raw_fd());
        Ok(())
    })
}

/// Runs the callbacks waiting for the host (see `pd_callbacks_to_fd`) on the calling thread,
/// in order, and those they post meanwhile; returns how many ran (0 when the host queue is
/// not on, and when called from one of those callbacks). Callbacks never run concurrently: a
/// second caller waits for the first.
#[no_mangle]
pub extern "C" fn pd_callbacks_dispatch() -> usize {
    super::boundary::guard_value(0, || Ok(HOST.get().map_or(0, HostQueue::dispatch)))
}
