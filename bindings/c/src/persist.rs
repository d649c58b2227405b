//! C ABI of `persist` (resume, stop, destroy, list, prune by name on an engine) and of the
//! container's reboot and snapshot.

use std::ffi::{c_char, CString};

use super::boundary::{guard, guard_value, write_out};
use super::client::{client_arg, pd_client};
use super::container::{container_handle, pd_container};
use super::error::{pd_error, pd_status};
use super::handle::{self, handle_type, opt_str, str_arg};
use super::runtime::block_on;
use pocketdock::Result;
use pocketdock::{Client, ContainerSummary};

/// One listed container, its strings ready for C.
pub(crate) struct Row {
    name: CString,
    id: CString,
    image: CString,
    status: CString,
    project: Option<CString>,
    created_at: CString,
    persist: bool,
}

handle_type!(pd_container_listing, 0x7064_636c_6973_7421, { rows: Vec<Row> });

fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

impl From<&ContainerSummary> for Row {
    fn from(s: &ContainerSummary) -> Row {
        Row {
            name: c_text(&s.name),
            id: c_text(&s.id),
            image: c_text(&s.image),
            status: c_text(&s.status),
            project: s.project.as_deref().map(c_text),
            created_at: c_text(&s.created_at),
            persist: s.persist,
        }
    }
}

/// Runs `f` with the core client behind `client`.
fn on_engine<T>(client: *const pd_client, f: impl AsyncFnOnce(&Client) -> Result<T>) -> Result<T> {
    let client = client_arg(client)?;
    block_on(f(client))
}

/// Starts the stopped pocketdock container named exactly `name` (e.g. a persistent one after
/// `pd_container_shutdown`), or takes the running one, on `client`'s engine. On success `*container_out` receives a handle to free with
/// `pd_container_free`; files are as they were and runs work at once. Blocks. Branch on:
/// `PD_ERR_CONTAINER_NOT_FOUND` (no pocketdock container of that exact name),
/// `PD_ERR_ENGINE_NOT_FOUND`, `PD_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn pd_container_resume(
    client: *const pd_client,
    name: *const c_char,
    container_out: *mut *mut pd_container,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let name = str_arg(name, "name")?;
        handle::out_ptr(container_out, "container_out")?;
        let c = on_engine(client, async |client| client.resume_container(name).await)?;
        write_out(container_out, container_handle(c)?);
        Ok(())
    })
}

/// Stops the pocketdock container named exactly `name` and keeps it (2 s grace); stopping a
/// stopped one is `PD_OK`. Blocks. Branch on: `PD_ERR_CONTAINER_NOT_FOUND`,
/// `PD_ERR_ENGINE_NOT_FOUND`, `PD_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn pd_container_stop_by_name(
    client: *const pd_client,
    name: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let name = str_arg(name, "name")?;
        on_engine(client, async |client| client.stop_container(name).await)
    })
}

/// Removes the pocketdock container named exactly `name` at once, running or not (no stop
/// grace). Handles still open on it then see `PD_ERR_CONTAINER_GONE`. Blocks. Branch on:
/// `PD_ERR_CONTAINER_NOT_FOUND`, `PD_ERR_ENGINE_NOT_FOUND`, `PD_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn pd_container_destroy(
    client: *const pd_client,
    name: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let name = str_arg(name, "name")?;
        on_engine(client, async |client| client.destroy_container(name).await)
    })
}

/// Lists pocketdock's containers (running or stopped) on `client`'s engine, only those of `project` unless it is NULL. On success `*list_out` receives a
/// listing to read with `pd_container_list_len`/`_name`/`_id`/`_image`/`_status`/`_persist`/
/// `_project`/`_created_at` and free with `pd_container_list_free`. Blocks. Branch on:
/// `PD_ERR_ENGINE_NOT_FOUND`, `PD_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn pd_container_list(
    client: *const pd_client,
    project: *const c_char,
    list_out: *mut *mut pd_container_listing,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let project = opt_str(project, "project")?;
        handle::out_ptr(list_out, "list_out")?;
        let listed = on_engine(client, async |client| {
            client.list_containers(project.as_deref()).await
        })?;
        let rows = listed.iter().map(Row::from).collect();
        write_out(list_out, handle::into_raw(pd_container_listing::new(rows)));
        Ok(())
    })
}

fn with_row<T>(
    list: *const pd_container_listing,
    index: usize,
    fallback: T,
    f: impl FnOnce(&Row) -> T,
) -> T {
    guard_value(fallback, || {
        let l = handle::borrow(list)?;
        let row = l
            .rows
            .get(index)
            .ok_or_else(|| crate::error::invalid("index out of range"))?;
        Ok(f(row))
    })
}

/// The number of containers listed; 0 for a NULL or bad handle.
#[no_mangle]
pub extern "C" fn pd_container_list_len(list: *const pd_container_listing) -> usize {
    guard_value(0, || Ok(handle::borrow(list)?.rows.len()))
}

/// The name of container `index`, owned by the listing (valid until
/// `pd_container_list_free`). NULL for a bad handle or index.
#[no_mangle]
pub extern "C" fn pd_container_list_name(
    list: *const pd_container_listing,
    index: usize,
) -> *const c_char {
    with_row(list, index, std::ptr::null(), |r| r.name.as_ptr())
}

/// The engine id of container `index`, owned by the listing. NULL for a bad handle or index.
#[no_mangle]
pub extern "C" fn pd_container_list_id(
    list: *const pd_container_listing,
    index: usize,
) -> *const c_char {
    with_row(list, index, std::ptr::null(), |r| r.id.as_ptr())
}

/// The image container `index` was created from, owned by the listing. NULL for a bad
/// handle or index.
#[no_mangle]
pub extern "C" fn pd_container_list_image(
    list: *const pd_container_listing,
    index: usize,
) -> *const c_char {
    with_row(list, index, std::ptr::null(), |r| r.image.as_ptr())
}

/// The engine's state word of container `index` (`running`, `exited`, `created`, ...),
/// owned by the listing. NULL for a bad handle or index.
#[no_mangle]
pub extern "C" fn pd_container_list_status(
    list: *const pd_container_listing,
    index: usize,
) -> *const c_char {
    with_row(list, index, std::ptr::null(), |r| r.status.as_ptr())
}

/// Whether container `index` is persistent (kept, stopped, on shutdown); false for a bad
/// handle or index.
#[no_mangle]
pub extern "C" fn pd_container_list_persist(
    list: *const pd_container_listing,
    index: usize,
) -> bool {
    with_row(list, index, false, |r| r.persist)
}

/// The project of container `index`, owned by the listing; NULL when it has none (and for a
/// bad handle or index).
#[no_mangle]
pub extern "C" fn pd_container_list_project(
    list: *const pd_container_listing,
    index: usize,
) -> *const c_char {
    with_row(list, index, std::ptr::null(), |r| {
        r.project.as_ref().map_or(std::ptr::null(), |p| p.as_ptr())
    })
}

/// When container `index` was created, RFC 3339 UTC (`2024-02-29T12:34:56Z`), owned by the
/// listing. NULL for a bad handle or index.
#[no_mangle]
pub extern "C" fn pd_container_list_created_at(
    list: *const pd_container_listing,
    index: usize,
) -> *const c_char {
    with_row(list, index, std::ptr::null(), |r| r.created_at.as_ptr())
}

/// Frees a listing. NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_container_list_free(list: *mut pd_container_listing) {
    handle::free(list)
}

/// Removes every STOPPED pocketdock container on `client`'s engine,
/// only those of `project` unless it is NULL; running ones and other tools' containers are
/// never touched. On success `*count_out` receives how many were removed. Blocks. Branch
/// on: `PD_ERR_ENGINE_NOT_FOUND`, `PD_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn pd_prune(
    client: *const pd_client,
    project: *const c_char,
    count_out: *mut usize,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let project = opt_str(project, "project")?;
        handle::out_ptr(count_out, "count_out")?;
        let n = on_engine(client, async |client| {
            client.prune(project.as_deref()).await
        })?;
        write_out(count_out, n);
        Ok(())
    })
}

/// Reboots the sandbox; it runs afterwards. `fresh = false` restarts the same container
/// (files kept, no stop grace); `fresh = true` recreates it from its recorded options under
/// the same name (new filesystem, every option kept) and the handle follows it:
/// `pd_container_id` then answers the new id. Running commands and detached processes end.
/// Blocks. Branch on: `PD_ERR_CONTAINER_GONE`, `PD_ERR_INVALID_STATE` (no recorded options:
/// made by an older pocketdock), `PD_ERR_IMAGE_NOT_FOUND` (fresh, image removed since).
#[no_mangle]
pub extern "C" fn pd_container_reboot(
    container: *mut pd_container,
    fresh: bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        block_on(c.inner.reboot(fresh))
    })
}

/// Commits the sandbox's filesystem to the local image `reference` (`repo[:tag]`, tag
/// `latest` by default; `localhost:5000/team/img:v1` keeps the registry port in the
/// repository); nothing is pushed. On success `*image_id_out` receives the image id (free it
/// with `pd_string_free`). The container keeps running. Blocks. Branch on:
/// `PD_ERR_INVALID_ARGUMENT` (malformed reference), `PD_ERR_CONTAINER_GONE`.
#[no_mangle]
pub extern "C" fn pd_container_snapshot(
    container: *mut pd_container,
    reference: *const c_char,
    image_id_out: *mut *mut c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let c = handle::borrow(container)?;
        let reference = str_arg(reference, "reference")?;
        handle::out_ptr(image_id_out, "image_id_out")?;
        let id = block_on(c.inner.snapshot(reference))?;
        write_out(image_id_out, c_text(&id).into_raw());
        Ok(())
    })
}
