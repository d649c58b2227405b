//! C ABI of `container`'s options: the builder `pd_container_opts` and its setters.

use std::ffi::c_char;

use super::boundary::guard;
use super::error::{pd_error, pd_status};
use super::handle::{self, handle_type, opt_str, str_arg};
use super::timeout::limit_ms;
use pocketdock::container::ContainerOptions;
use pocketdock::Error;

handle_type!(pd_container_opts, 0x7064_636f_7074_7331, {
    opts: ContainerOptions,
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
/// 30 s, the image's network default (off for the default image), ephemeral). Free it with `pd_container_opts_free`; create calls only
/// borrow it. Returns NULL only if memory is exhausted.
#[no_mangle]
pub extern "C" fn pd_container_opts_new() -> *mut pd_container_opts {
    super::boundary::guard_value(std::ptr::null_mut(), || {
        Ok(handle::into_raw(pd_container_opts::new(
            ContainerOptions::default(),
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

/// Sets the default timeout of runs, in milliseconds (the timeout rule: > 0 a limit, < 0 no
/// limit, 0 `PD_ERR_INVALID_ARGUMENT`).
#[no_mangle]
pub extern "C" fn pd_container_opts_set_timeout_ms(
    opts: *mut pd_container_opts,
    timeout_ms: i64,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.timeout = limit_ms(timeout_ms, "timeout")?;
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

/// Turns networking on or off. Unset, the image decides: off for every image but the `dev`
/// and `embedded` profiles (README "Defaults"), on when ports are published.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_network(
    opts: *mut pd_container_opts,
    enabled: bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.network = Some(enabled);
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
            return Err(crate::error::invalid("pids_limit must not be negative"));
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
        let options = opt_str(options, "options")?.unwrap_or_else(|| "size=64m".into());
        o.opts.add_tmpfs(str_arg(path, "path")?, options)
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
/// settings now (profile image and network, persist, project label) and gives the sandbox
/// an instance directory with `data/` at `/data` and run logs. Call it before the setters that should override the project.
/// `PD_ERR_FILE_NOT_FOUND`: no project there; `PD_ERR_INVALID_ARGUMENT`: a bad config.
#[no_mangle]
pub extern "C" fn pd_container_opts_set_project_dir(
    opts: *mut pd_container_opts,
    dir: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        let project =
            pocketdock::project::Project::open(std::path::Path::new(str_arg(dir, "dir")?))?;
        project.apply_to(&mut o.opts)?;
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
        o.opts
            .add_env(str_arg(key, "key")?, str_arg(value, "value")?)
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
        o.opts
            .add_label(str_arg(key, "key")?, str_arg(value, "value")?)
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
        o.opts.add_volume(
            str_arg(host_path, "host_path")?,
            str_arg(container_path, "container_path")?,
            read_only,
        )
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
        let protocol = opt_str(protocol, "protocol")?;
        o.opts.add_port(
            host_port,
            container_port,
            protocol.as_deref().unwrap_or("tcp"),
        )
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
        o.opts.add_device(str_arg(device, "device")?)
    })
}
