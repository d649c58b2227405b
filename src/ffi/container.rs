//! C ABI of `container`: the options builder, create, shutdown, free.

use std::ffi::{c_char, CString};
use std::path::PathBuf;
use std::time::Duration;

use super::boundary::{guard, write_out};
use super::error::{pd_error, pd_status};
use super::handle::{self, handle_type, opt_str, str_arg};
use super::runtime::block_on;
use crate::container::{Container, ContainerOptions, PortMapping, VolumeMount};
use crate::create_new_container;
use crate::error::Error;

handle_type!(pd_container_opts, 0x7064_636f_7074_7331, {
    opts: ContainerOptions,
    socket: Option<PathBuf>,
});

handle_type!(pd_container, 0x7064_636f_6e74_6e72, {
    inner: Container,
    name_c: CString,
    // Every id handed out, newest last: a fresh reboot gives the container a new id, and a
    // pointer `pd_container_id` returned earlier must stay valid until the handle is freed.
    ids_c: std::sync::Mutex<Vec<CString>>,
});

/// Runs `f` on a live options builder.
fn with_opts(
    opts: *mut pd_container_opts,
    err_out: *mut *mut pd_error,
    f: impl FnOnce(&mut pd_container_opts) -> Result<(), Error>,
) -> pd_status {
    guard(err_out, || f(handle::borrow_mut(opts)?))
}

/// Creates an options builder holding the defaults (image `pocketdock/minimal-python`, timeout
/// 30 s, network on, ephemeral). Free it with `pd_container_opts_free`; create calls only
/// borrow it. Returns NULL only if memory is exhausted.
#[no_mangle]
pub extern "C" fn pd_container_opts_new() -> *mut pd_container_opts {
    super::boundary::guard_value(std::ptr::null_mut(), || {
        Ok(handle::into_raw(pd_container_opts::new(
            ContainerOptions::default(),
            None,
        )))
    })
}

/// Frees an options builder. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_container_opts_free(opts: *mut pd_container_opts) {
    handle::free(opts)
}

/// Sets the image (must exist locally; pocketdock never pulls). `image` is borrowed.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_image(
    opts: *mut pd_container_opts,
    image: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.image = str_arg(image, "image")?.to_owned();
        Ok(())
    })
}

/// Sets the container name (also the engine's name); NULL restores the default `pd-<8 hex>`.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_name(
    opts: *mut pd_container_opts,
    name: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.name = opt_str(name, "name")?;
        Ok(())
    })
}

/// Sets the default timeout of runs, in milliseconds (> 0, else `PD_ERR_INVALID_ARGUMENT`).
#[no_mangle]
pub extern "C" fn pd_container_opts_set_timeout_ms(
    opts: *mut pd_container_opts,
    timeout_ms: i64,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.timeout = positive_ms(timeout_ms)?;
        Ok(())
    })
}

/// Sets the memory limit, e.g. "256m" or "1g"; NULL removes it. A malformed value is
/// reported by `pd_container_create` as `PD_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_mem_limit(
    opts: *mut pd_container_opts,
    mem_limit: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.mem_limit = opt_str(mem_limit, "mem_limit")?;
        Ok(())
    })
}

/// Sets the CPU limit in percent of one core (50 = half a core); 0 removes it.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_cpu_percent(
    opts: *mut pd_container_opts,
    cpu_percent: u32,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.cpu_percent = (cpu_percent > 0).then_some(cpu_percent);
        Ok(())
    })
}

/// Turns networking on (default) or off.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_network(
    opts: *mut pd_container_opts,
    enabled: bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.network = enabled;
        Ok(())
    })
}

/// Runs commands through the in-sandbox agent (default: true; milliseconds per run, exact
/// kills, resource accounting). False: every run is an engine exec.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_agent(
    opts: *mut pd_container_opts,
    enabled: bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.agent = enabled;
        Ok(())
    })
}

/// Makes the container's root filesystem read-only.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_read_only(
    opts: *mut pd_container_opts,
    read_only: bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.read_only = read_only;
        Ok(())
    })
}

/// Applies the strict preset for untrusted code on top of the current options: network
/// off, read-only root with writable tmpfs for /tmp and the working directory, all
/// capabilities dropped, no privilege gains, at most 256 processes, a non-root user.
#[no_mangle]
pub extern "C" fn pd_container_opts_use_strict(
    opts: *mut pd_container_opts,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.harden();
        Ok(())
    })
}

/// Drops every capability from the commands.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_cap_drop_all(
    opts: *mut pd_container_opts,
    drop_all: bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.cap_drop_all = drop_all;
        Ok(())
    })
}

/// Forbids privilege gains (no-new-privileges).
#[no_mangle]
pub extern "C" fn pd_container_opts_set_no_new_privileges(
    opts: *mut pd_container_opts,
    enabled: bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.no_new_privileges = enabled;
        Ok(())
    })
}

/// Caps the number of processes in the sandbox (> 0); 0 removes the cap.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_pids_limit(
    opts: *mut pd_container_opts,
    pids_limit: i64,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        if pids_limit < 0 {
            return Err(Error::invalid("pids_limit must not be negative"));
        }
        o.opts.pids_limit = (pids_limit > 0).then_some(pids_limit);
        Ok(())
    })
}

/// Sets the user commands run as by default ("name", "uid", "uid:gid"); NULL: the image's.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_user(
    opts: *mut pd_container_opts,
    user: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.user = opt_str(user, "user")?;
        Ok(())
    })
}

/// Mounts a writable tmpfs at absolute `path` with mount `options` (NULL: "size=64m").
#[no_mangle]
pub extern "C" fn pd_container_opts_add_tmpfs(
    opts: *mut pd_container_opts,
    path: *const c_char,
    options: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        let path = str_arg(path, "path")?.to_owned();
        let options = opt_str(options, "options")?.unwrap_or_else(|| "size=64m".into());
        o.opts.tmpfs.push((path, options));
        Ok(())
    })
}

/// Keeps the container (stopped) on shutdown instead of removing it.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_persist(
    opts: *mut pd_container_opts,
    persist: bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.persist = persist;
        Ok(())
    })
}

/// Sets the working directory of the container; NULL restores the image's.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_workdir(
    opts: *mut pd_container_opts,
    workdir: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.workdir = opt_str(workdir, "workdir")?;
        Ok(())
    })
}

/// Sets the project label; NULL clears it.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_project(
    opts: *mut pd_container_opts,
    project: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.project = opt_str(project, "project")?;
        Ok(())
    })
}

/// Makes the sandbox part of the project at or above `dir`: applies the project's
/// settings now (profile image and network, persist, project label, its socket unless one
/// is set) and gives the sandbox an instance directory with `data/` at `/data` and run
/// logs. Call it before the setters that should override the project.
/// `PD_ERR_FILE_NOT_FOUND`: no project there; `PD_ERR_INVALID_ARGUMENT`: a bad config.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_project_dir(
    opts: *mut pd_container_opts,
    dir: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        let project = crate::project::Project::open(std::path::Path::new(str_arg(dir, "dir")?))?;
        project.apply_to(&mut o.opts)?;
        o.socket = o.socket.take().or(project.config().socket.clone());
        Ok(())
    })
}

/// Uses the engine on this Unix socket only; NULL restores discovery.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_socket(
    opts: *mut pd_container_opts,
    socket: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.socket = opt_str(socket, "socket")?.map(PathBuf::from);
        Ok(())
    })
}

/// Adds an environment variable for the container.
#[no_mangle]
pub extern "C" fn pd_container_opts_add_env(
    opts: *mut pd_container_opts,
    key: *const c_char,
    value: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        let kv = (
            str_arg(key, "key")?.to_owned(),
            str_arg(value, "value")?.to_owned(),
        );
        o.opts.env.push(kv);
        Ok(())
    })
}

/// Adds a label (in addition to pocketdock's own).
#[no_mangle]
pub extern "C" fn pd_container_opts_add_label(
    opts: *mut pd_container_opts,
    key: *const c_char,
    value: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        let kv = (
            str_arg(key, "key")?.to_owned(),
            str_arg(value, "value")?.to_owned(),
        );
        o.opts.labels.push(kv);
        Ok(())
    })
}

/// Mounts `host_path` at `container_path` (absolute), read-only if asked.
#[no_mangle]
pub extern "C" fn pd_container_opts_add_volume(
    opts: *mut pd_container_opts,
    host_path: *const c_char,
    container_path: *const c_char,
    read_only: bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.volumes.push(VolumeMount {
            host_path: str_arg(host_path, "host_path")?.to_owned(),
            container_path: str_arg(container_path, "container_path")?.to_owned(),
            read_only,
        });
        Ok(())
    })
}

/// Publishes `container_port` on `host_port`; `protocol` is "tcp" (or NULL) or "udp".
#[no_mangle]
pub extern "C" fn pd_container_opts_add_port(
    opts: *mut pd_container_opts,
    host_port: u16,
    container_port: u16,
    protocol: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        let protocol = if protocol.is_null() {
            "tcp".to_owned()
        } else {
            str_arg(protocol, "protocol")?.to_owned()
        };
        o.opts.ports.push(PortMapping {
            host_port,
            container_port,
            protocol,
        });
        Ok(())
    })
}

/// Passes a host device through: "/dev/x" or "/dev/x:/dev/in-container".
#[no_mangle]
pub extern "C" fn pd_container_opts_add_device(
    opts: *mut pd_container_opts,
    device: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.devices.push(str_arg(device, "device")?.to_owned());
        Ok(())
    })
}

pub(crate) fn positive_ms(ms: i64) -> Result<Duration, Error> {
    u64::try_from(ms)
        .ok()
        .filter(|&m| m > 0)
        .map(Duration::from_millis)
        .ok_or_else(|| Error::invalid(format!("timeout must be a positive number of ms, got {ms}")))
}

/// Creates and starts a sandbox. `opts` may be NULL for the defaults; it is only borrowed.
/// On success `*container_out` receives a handle to free with `pd_container_free`.
/// Blocks until the container runs. Branch on: `PD_ERR_IMAGE_NOT_FOUND`,
/// `PD_ERR_NAME_CONFLICT`, `PD_ERR_ENGINE_NOT_FOUND`, `PD_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn pd_container_create(
    opts: *const pd_container_opts,
    container_out: *mut *mut pd_container,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        handle::out_ptr(container_out, "container_out")?;
        let defaults = pd_container_opts::new(ContainerOptions::default(), None);
        let o = if opts.is_null() {
            &defaults
        } else {
            handle::borrow(opts)?
        };
        let container = block_on(create_new_container(&o.opts, o.socket.as_deref()))?;
        write_out(container_out, container_handle(container)?);
        Ok(())
    })
}

/// Opens a handle on an existing container by name or id (for example one another
/// process created), on the engine at `socket` (NULL: discovery). Free it with
/// `pd_container_free`. `PD_ERR_CONTAINER_NOT_FOUND` if there is none.
#[no_mangle]
pub extern "C" fn pd_container_open(
    socket: *const c_char,
    name_or_id: *const c_char,
    container_out: *mut *mut pd_container,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let socket = opt_str(socket, "socket")?.map(PathBuf::from);
        let name = str_arg(name_or_id, "name_or_id")?;
        handle::out_ptr(container_out, "container_out")?;
        let container = block_on(async {
            let client = crate::Client::connect_to(socket.as_deref()).await?;
            client.get_container(name).await
        })?;
        write_out(container_out, container_handle(container)?);
        Ok(())
    })
}

pub(crate) fn container_handle(container: Container) -> Result<*mut pd_container, Error> {
    let name_c = CString::new(container.name()).map_err(Error::internal)?;
    let id_c = CString::new(container.id()).map_err(Error::internal)?;
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
        let json = serde_json::to_string(&info).map_err(Error::internal)?;
        write_out(
            json_out,
            CString::new(json).map_err(Error::internal)?.into_raw(),
        );
        Ok(())
    })
}
