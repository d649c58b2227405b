//! C ABI of `project`: init and find a project root, the merged config, an instance's
//! history, a container's instance directory, and doctor. Reports are JSON strings (as
//! `pd_container_info_json`); every `char *` written out is freed with `pd_string_free`.

use std::ffi::{c_char, CString};
use std::path::{Path, PathBuf};

use super::boundary::{guard, write_out};
use super::client::{client_arg, pd_client};
use super::container::pd_container;
use super::error::{pd_error, pd_status};
use super::handle::{self, opt_str, str_arg};
use super::runtime::block_on;
use pocketdock::project::{find_project_root, init_project, Project};
use pocketdock::Error;

/// Writes `s` to `out` as an owned C string.
fn string_out(out: *mut *mut c_char, s: String) -> Result<(), Error> {
    write_out(
        out,
        CString::new(s).map_err(crate::error::internal)?.into_raw(),
    );
    Ok(())
}

fn write_json(out: *mut *mut c_char, v: &impl serde::Serialize) -> Result<(), Error> {
    string_out(
        out,
        serde_json::to_string(v).map_err(crate::error::internal)?,
    )
}

fn path_text(p: &Path) -> Result<String, Error> {
    p.to_str()
        .map(str::to_owned)
        .ok_or_else(|| crate::error::invalid(format!("{} is not valid UTF-8", p.display())))
}

/// Makes `path` a project (creates `.pocketdock/pocketdock.yaml` naming it `name`, NULL:
/// the directory's name, and `.pocketdock/instances/`); an existing config is kept. On
/// success `*root_out` receives the absolute project root (free with `pd_string_free`).
/// `PD_ERR_FILE_NOT_FOUND` when `path` is not a directory.
#[no_mangle]
pub extern "C" fn pd_project_init(
    path: *const c_char,
    name: *const c_char,
    root_out: *mut *mut c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let path = str_arg(path, "path")?;
        let name = opt_str(name, "name")?;
        handle::out_ptr(root_out, "root_out")?;
        let root = init_project(Path::new(path), name.as_deref())?;
        string_out(root_out, path_text(&root)?)
    })
}

/// Finds the project root at or above `start` (free `*root_out` with `pd_string_free`).
/// `PD_ERR_FILE_NOT_FOUND` when there is none.
#[no_mangle]
pub extern "C" fn pd_project_find_root(
    start: *const c_char,
    root_out: *mut *mut c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let start = str_arg(start, "start")?;
        handle::out_ptr(root_out, "root_out")?;
        let root = find_project_root(Path::new(start)).ok_or_else(|| {
            Error::FileNotFound(format!("no pocketdock project at or above {start}"))
        })?;
        string_out(root_out, path_text(&root)?)
    })
}

/// The merged settings of the project at or above `dir` as a JSON object (project_name,
/// default_profile, default_persist, socket, logging {history, run_logs, max_file_size,
/// max_run_logs, max_age_days}); free with `pd_string_free`. `PD_ERR_FILE_NOT_FOUND`: no
/// project; `PD_ERR_INVALID_ARGUMENT`: a malformed `pocketdock.yaml`.
#[no_mangle]
pub extern "C" fn pd_project_config_json(
    dir: *const c_char,
    json_out: *mut *mut c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let dir = str_arg(dir, "dir")?;
        handle::out_ptr(json_out, "json_out")?;
        write_json(json_out, Project::open(Path::new(dir))?.config())
    })
}

/// The history of instance `instance` of the project at or above `dir`, oldest first, as
/// a JSON array of objects (time, unix_ms, kind, command, exit_code, signal, duration_ms,
/// timed_out, truncated, process_id, error, log); free with `pd_string_free`.
/// `PD_ERR_FILE_NOT_FOUND`: no project or no such instance directory.
#[no_mangle]
pub extern "C" fn pd_project_history_json(
    dir: *const c_char,
    instance: *const c_char,
    json_out: *mut *mut c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let dir = str_arg(dir, "dir")?;
        let instance = str_arg(instance, "instance")?;
        handle::out_ptr(json_out, "json_out")?;
        write_json(json_out, &Project::open(Path::new(dir))?.history(instance)?)
    })
}

/// The instance directory of a project's container (free `*dir_out` with
/// `pd_string_free`). `PD_ERR_FILE_NOT_FOUND` when the container belongs to no project.
#[no_mangle]
pub extern "C" fn pd_container_instance_dir(
    container: *const pd_container,
    dir_out: *mut *mut c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        handle::out_ptr(dir_out, "dir_out")?;
        let dir = c.inner.instance_dir().ok_or_else(|| {
            Error::FileNotFound(format!("{} belongs to no project", c.inner.name()))
        })?;
        string_out(dir_out, path_text(dir)?)
    })
}

/// Examines the project at or above `project_dir` (NULL: every pocketdock container on the
/// engine, for crashed clients only) on `client`'s engine and, with `fix`, repairs what is safe. Writes a JSON
/// report (engine_kind, engine_version, api_version, socket, project_root, project_name,
/// orphans, stale_dirs, crashed: [{name, path, detail, fixed}], fix); free it with
/// `pd_string_free`. Blocks on a few engine calls. `PD_ERR_FILE_NOT_FOUND`: no project;
/// `PD_ERR_ENGINE_NOT_FOUND`.
#[no_mangle]
pub extern "C" fn pd_doctor(
    client: *const pd_client,
    project_dir: *const c_char,
    fix: bool,
    report_out: *mut *mut c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let client = client_arg(client)?;
        let dir = opt_str(project_dir, "project_dir")?.map(PathBuf::from);
        handle::out_ptr(report_out, "report_out")?;
        let report = block_on(client.doctor(dir.as_deref(), fix))?;
        write_json(report_out, &report)
    })
}

/// Sets how long an ephemeral sandbox may live, in milliseconds (0 removes the limit;
/// negative is `PD_ERR_INVALID_ARGUMENT`): past it, `pd_doctor` treats it as left by a
/// crashed client (rounded to whole seconds in the `pocketdock.expires-at` label).
#[no_mangle]
pub extern "C" fn pd_container_opts_set_ttl_ms(
    opts: *mut super::container_opts::pd_container_opts,
    ttl_ms: i64,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let o = handle::borrow_mut(opts)?;
        let ms = u64::try_from(ttl_ms)
            .map_err(|_| crate::error::invalid("ttl_ms must not be negative"))?;
        o.opts.ttl = (ms > 0).then(|| std::time::Duration::from_millis(ms));
        Ok(())
    })
}
