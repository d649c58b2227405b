//! C ABI of `Client`: the options builder, open, engine info, free. Every call that reaches
//! an engine takes a `pd_client`; containers and listings made from it hold it (an `Arc`), so
//! free order never matters and nothing is discovered twice.

use std::ffi::{c_char, CString};
use std::path::Path;

use super::boundary::{guard, write_out};
use super::error::{pd_error, pd_status};
use super::handle::{self, handle_type, opt_str, str_arg};
use super::runtime::block_on;
use super::timeout::limit_ms;
use pocketdock::Error;
use pocketdock::{Client, ClientOptions, EngineKind};

handle_type!(pd_client_opts, 0x7064_636c_6f70_7473, { opts: ClientOptions });

handle_type!(pd_client, 0x7064_636c_6965_6e74, {
    inner: Client,
    version_c: CString,
    api_version_c: CString,
    socket_c: CString,
});

/// Which engine a client talks to.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum pd_engine_kind {
    PD_ENGINE_DOCKER = 1,
    PD_ENGINE_PODMAN = 2,
}

/// What the engine said about itself. The strings are owned by the client and valid until
/// `pd_client_free`.
#[repr(C)]
pub struct pd_engine_info {
    pub kind: pd_engine_kind,
    /// The engine's own version, e.g. "4.3.1" or "20.10.24+dfsg1".
    pub version: *const c_char,
    /// The highest engine API version it speaks, e.g. "1.41".
    pub api_version: *const c_char,
    /// Where it was reached: its Unix socket, or the `tcp://` or `ssh://` address as given.
    pub socket: *const c_char,
}

/// Creates a client options builder holding the defaults: discovery (unless
/// `POCKETDOCK_SOCKET` names a socket) and a 30 s connect timeout. Free it with
/// `pd_client_opts_free`; `pd_client_open` only borrows it. NULL only if memory is exhausted.
#[no_mangle]
pub extern "C" fn pd_client_opts_new() -> *mut pd_client_opts {
    handle::into_raw(pd_client_opts::new(ClientOptions::default()))
}

/// Frees a client options builder. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_client_opts_free(opts: *mut pd_client_opts) {
    handle::free(opts)
}

/// Uses the engine on this Unix socket (a path or `unix://PATH`) and no other: if it does
/// not answer, `pd_client_open` fails with `PD_ERR_ENGINE_NOT_FOUND` naming it. NULL
/// restores the default (`POCKETDOCK_SOCKET`, else discovery). Other schemes (`tcp://`,
/// `ssh://`) are `PD_ERR_INVALID_ARGUMENT`: a remote engine is set with
/// `pd_client_opts_set_host`, which takes sockets too (both set the same option).
#[no_mangle]
pub extern "C" fn pd_client_opts_set_socket(
    opts: *mut pd_client_opts,
    socket: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let o = handle::borrow_mut(opts)?;
        let mut opts = o.opts.clone();
        opts.socket = opt_str(socket, "socket")?;
        if let Some(s) = &opts.socket {
            ClientOptions::require_unix_socket(s)?;
        }
        opts.validate()?;
        o.opts = opts;
        Ok(())
    })
}

/// How long `pd_client_open` keeps retrying an engine that exists but does not answer
/// (default 30 000). Timeout rule (docs/ffi-conventions.md): > 0 is a limit in ms; 0 is
/// `PD_ERR_INVALID_ARGUMENT` (a connect needs some time); < 0 means no limit.
#[no_mangle]
pub extern "C" fn pd_client_opts_set_connect_timeout_ms(
    opts: *mut pd_client_opts,
    timeout_ms: i64,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let o = handle::borrow_mut(opts)?;
        o.opts.connect_timeout = limit_ms(timeout_ms, "connect timeout")?;
        Ok(())
    })
}

/// How long the engine may stay silent on one request once connected (default 120 000):
/// its answer must begin within it, and an answer read whole may not pause longer; a
/// command's output (a run, a stream, build progress) is not cut by it. A request that runs
/// out is `PD_ERR_TIMEOUT` naming it (docs/engines.md, "Request deadline"). Timeout rule
/// (docs/ffi-conventions.md): > 0 is a limit in ms; 0 is `PD_ERR_INVALID_ARGUMENT`; < 0
/// means no limit.
#[no_mangle]
pub extern "C" fn pd_client_opts_set_request_timeout_ms(
    opts: *mut pd_client_opts,
    timeout_ms: i64,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let o = handle::borrow_mut(opts)?;
        o.opts.request_timeout = limit_ms(timeout_ms, "request timeout")?;
        Ok(())
    })
}

/// Uses the socket configured by the project at or above `dir` (its `socket` setting), unless
/// a socket is already set on `opts`. A project without one changes nothing.
/// `PD_ERR_FILE_NOT_FOUND`: no project there; `PD_ERR_INVALID_ARGUMENT`: a bad config.
#[no_mangle]
pub extern "C" fn pd_client_opts_set_project_dir(
    opts: *mut pd_client_opts,
    dir: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let o = handle::borrow_mut(opts)?;
        let project = pocketdock::project::Project::open(Path::new(str_arg(dir, "dir")?))?;
        if o.opts.socket.is_none() {
            o.opts.socket = project
                .config()
                .socket
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned());
        }
        Ok(())
    })
}

/// Connects to an engine: the socket `opts` names, else `POCKETDOCK_SOCKET`, else the first
/// engine found by discovery (docs/engines.md). `opts` may be NULL for the defaults; it is
/// only borrowed. On success `*client_out` receives a client to free with `pd_client_free`
/// (containers made from it keep what they need, so it may be freed before them). Blocks
/// for `/_ping` and `/version` (retrying a slow engine within the connect timeout).
/// Branch on: `PD_ERR_ENGINE_NOT_FOUND` (the message says which sockets were tried and why
/// each was passed over), `PD_ERR_INVALID_ARGUMENT`, `PD_ERR_INVALID_STATE` (a forked child).
#[no_mangle]
pub extern "C" fn pd_client_open(
    opts: *const pd_client_opts,
    client_out: *mut *mut pd_client,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        handle::out_ptr(client_out, "client_out")?;
        let defaults = ClientOptions::default();
        let o = if opts.is_null() {
            &defaults
        } else {
            &handle::borrow(opts)?.opts
        };
        // C, Go and Node users get projects without asking: a container of a project opened
        // by name logs its runs to the project as it does in the process that created it.
        pocketdock::project::hooks::install();
        let client = block_on(Client::connect_with(o))?;
        let info = client.engine_info();
        let text = |s: &str| CString::new(s).map_err(crate::error::internal);
        let h = pd_client::new(
            client.clone(),
            text(&info.version)?,
            text(&info.api_version)?,
            text(&info.socket.to_string_lossy())?,
        );
        write_out(client_out, handle::into_raw(h));
        Ok(())
    })
}

/// Writes what the engine said about itself to `*info_out` (a caller-owned struct; its
/// strings are owned by the client, valid until `pd_client_free`). Does not block.
#[no_mangle]
pub extern "C" fn pd_client_engine_info(
    client: *const pd_client,
    info_out: *mut pd_engine_info,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(client)?;
        handle::out_ptr(info_out, "info_out")?;
        let kind = match c.inner.engine_info().kind {
            EngineKind::Docker => pd_engine_kind::PD_ENGINE_DOCKER,
            EngineKind::Podman => pd_engine_kind::PD_ENGINE_PODMAN,
        };
        let info = pd_engine_info {
            kind,
            version: c.version_c.as_ptr(),
            api_version: c.api_version_c.as_ptr(),
            socket: c.socket_c.as_ptr(),
        };
        write_out(info_out, info);
        Ok(())
    })
}

/// Frees the client. Containers, listings and processes made from it stay usable. NULL is a
/// no-op.
#[no_mangle]
pub extern "C" fn pd_client_free(client: *mut pd_client) {
    handle::free(client)
}

/// Borrows the core client behind a C handle, for the other entry points.
pub(crate) fn client_arg<'a>(client: *const pd_client) -> Result<&'a Client, Error> {
    handle::borrow(client).map(|c| &c.inner)
}
