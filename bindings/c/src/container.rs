//! C ABI of `container`: create, open, identity, shutdown, free (the options builder is in
//! `container_opts.rs`).

use std::ffi::{c_char, CString};

use super::boundary::{guard, write_out};
use super::client::{client_arg, pd_client};
use super::container_opts::pd_container_opts;
use super::error::{pd_error, pd_status};
use super::handle::{self, handle_type, str_arg};
use super::runtime::block_on;
use pocketdock::container::{Container, ContainerOptions};
use pocketdock::Error;

handle_type!(pd_container, 0x7064_636f_6e74_6e72, {
    inner: Container,
    name_c: CString,
    // Every id handed out, newest last: a fresh reboot gives the container a new id, and a
    // pointer `pd_container_id` returned earlier must stay valid until the handle is freed.
    ids_c: std::sync::Mutex<Vec<CString>>,
});

/// Creates and starts a sandbox on `client`'s engine. `opts` may be NULL for the defaults;
/// it is only borrowed. On success `*container_out` receives a handle to free with
/// `pd_container_free` (it holds the client: freeing the client first is fine).
/// Blocks until the container runs. Branch on: `PD_ERR_IMAGE_NOT_FOUND`,
/// `PD_ERR_NAME_CONFLICT`, `PD_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn pd_container_create(
    client: *const pd_client,
    opts: *const pd_container_opts,
    container_out: *mut *mut pd_container,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let client = client_arg(client)?;
        handle::out_ptr(container_out, "container_out")?;
        let defaults = pd_container_opts::new(ContainerOptions::default());
        let o = if opts.is_null() {
            &defaults
        } else {
            handle::borrow(opts)?
        };
        o.opts.validate()?;
        let container = block_on(client.create_container(&o.opts))?;
        write_out(container_out, container_handle(container)?);
        Ok(())
    })
}

/// Opens a handle on an existing container by name or id (for example one another
/// process created) on `client`'s engine. Free it with `pd_container_free`.
/// `PD_ERR_CONTAINER_NOT_FOUND` if there is none.
#[no_mangle]
pub extern "C" fn pd_container_open(
    client: *const pd_client,
    name_or_id: *const c_char,
    container_out: *mut *mut pd_container,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let client = client_arg(client)?;
        let name = str_arg(name_or_id, "name_or_id")?;
        handle::out_ptr(container_out, "container_out")?;
        let container = block_on(client.get_container(name))?;
        write_out(container_out, container_handle(container)?);
        Ok(())
    })
}

pub(crate) fn container_handle(container: Container) -> Result<*mut pd_container, Error> {
    let name_c = CString::new(container.name()).map_err(crate::error::internal)?;
    let id_c = CString::new(container.id()).map_err(crate::error::internal)?;
    let ids_c = std::sync::Mutex::new(vec![id_c]);
    Ok(handle::into_raw(pd_container::new(
        container, name_c, ids_c,
    )))
}

impl pd_container {
    /// The current id as a C string owned by the handle (see `ids_c`).
    fn id_ptr(&self) -> *const c_char {
        let mut ids = self.ids_c.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.inner.id();
        if ids.last().map(|c| c.to_bytes()) != Some(current.as_bytes()) {
            if let Ok(c) = CString::new(current) {
                ids.push(c);
            }
        }
        ids.last().map_or(std::ptr::null(), |c| c.as_ptr())
    }
}

/// The container's name, owned by the handle (valid until `pd_container_free`); NULL for a
/// bad handle.
#[no_mangle]
pub extern "C" fn pd_container_name(container: *const pd_container) -> *const c_char {
    handle::borrow(container).map_or(std::ptr::null(), |c| c.name_c.as_ptr())
}

/// The engine's container id, owned by the handle (valid until `pd_container_free`); NULL
/// for a bad handle. After a fresh `pd_container_reboot` it is the new container's id
/// (earlier pointers stay valid and keep the old id).
#[no_mangle]
pub extern "C" fn pd_container_id(container: *const pd_container) -> *const c_char {
    handle::borrow(container).map_or(std::ptr::null(), |c| c.id_ptr())
}

/// True when runs go through the in-sandbox agent; false when they use the engine exec
/// (asked for, or the agent could not be placed) or for a bad handle.
#[no_mangle]
pub extern "C" fn pd_container_uses_agent(container: *const pd_container) -> bool {
    handle::borrow(container).is_ok_and(|c| c.inner.uses_agent())
}

/// The sandbox's default run timeout in milliseconds (what a run without its own timeout,
/// or a session command, gets), as recorded when it was created; 0 for a bad handle.
#[no_mangle]
pub extern "C" fn pd_container_timeout_ms(container: *const pd_container) -> i64 {
    handle::borrow(container).map_or(0, |c| {
        i64::try_from(c.inner.default_timeout().as_millis()).unwrap_or(i64::MAX)
    })
}

/// Shuts the sandbox down: an ephemeral one is removed at once, a persistent one stopped.
/// Idempotent: a second call returns `PD_OK`. The handle stays valid (free it afterwards).
/// Blocks until done.
#[no_mangle]
pub extern "C" fn pd_container_shutdown(
    container: *mut pd_container,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        block_on(c.inner.shutdown())
    })
}

/// SIGKILLs every process in the sandbox except its init and writes how many it killed to
/// `*killed_out` (may be NULL). Runs in progress, detached processes and sessions end as
/// killed. Through the agent it starts no process, so it recovers a sandbox whose pids limit
/// a fork bomb holds; without the agent it needs one engine exec. Blocks (at most a few
/// seconds). Branch on: `PD_ERR_CONTAINER_GONE`, `PD_ERR_CONTAINER_NOT_RUNNING`.
#[no_mangle]
pub extern "C" fn pd_container_kill_all(
    container: *mut pd_container,
    killed_out: *mut u32,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        let killed = block_on(c.inner.kill_all())?;
        if !killed_out.is_null() {
            write_out(killed_out, killed);
        }
        Ok(())
    })
}

/// Frees the handle. It does NOT shut the container down (call `pd_container_shutdown`
/// first for that). NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_container_free(container: *mut pd_container) {
    handle::free(container)
}

/// Inspects the sandbox and writes a JSON object to `*json_out` (free it with
/// `pd_string_free`): id, name, status, running, image, created_at, started_at, uptime_ms,
/// memory_usage_bytes, memory_limit_bytes, memory_percent, cpu_percent (between two
/// samples 250 ms apart), pids, network, ip_address, ports [{container_port, protocol,
/// host_ip, host_port}], process_titles, processes; live figures are null when it is not
/// running. Blocks ~250 ms for a running container.
#[no_mangle]
pub extern "C" fn pd_container_info_json(
    container: *mut pd_container,
    json_out: *mut *mut c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        handle::out_ptr(json_out, "json_out")?;
        let info = block_on(c.inner.info())?;
        let json = serde_json::to_string(&info).map_err(crate::error::internal)?;
        write_out(
            json_out,
            CString::new(json)
                .map_err(crate::error::internal)?
                .into_raw(),
        );
        Ok(())
    })
}
