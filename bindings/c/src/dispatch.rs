//! C callbacks run on one library-owned thread ("pocketdock-callbacks"), never on a runtime
//! worker: so a callback may make blocking pd_ calls, and callbacks never run concurrently.
//! `free_user_data` goes through the same queue, after the last callback that uses it.

use std::ffi::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, OnceLock};

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

fn post(job: Job) {
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
    let (tx, rx) = channel::<()>();
    post(Box::new(move || {
        let _ = tx.send(());
    }));
    let _ = rx.recv();
}
