//! C ABI of `EngineSet` for plain creates: `pd_engine_set` (new, add, create, free). A pool
//! takes its engines through `pd_pool_opts_add_engine` instead (pool.rs).

use super::boundary::{guard, write_out};
use super::client::{client_arg, pd_client};
use super::container::{container_handle, pd_container};
use super::container_opts::pd_container_opts;
use super::error::{pd_error, pd_status};
use super::handle::{self, handle_type};
use super::runtime::block_on;
use pocketdock::{ContainerOptions, EngineSet};

handle_type!(pd_engine_set, 0x7064_656e_6773_6574, { inner: EngineSet });

/// Creates an empty engine set; add engines with `pd_engine_set_add`, then create sandboxes
/// on it with `pd_engine_set_create`. Free it with `pd_engine_set_free`. NULL only if
/// memory is exhausted.
#[no_mangle]
pub extern "C" fn pd_engine_set_new() -> *mut pd_engine_set {
    super::boundary::guard_value(std::ptr::null_mut(), || {
        Ok(handle::into_raw(pd_engine_set::new(EngineSet::new())))
    })
}

/// Frees an engine set (and its references to the engines' clients; sandboxes created on it
/// hold their own). NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_engine_set_free(set: *mut pd_engine_set) {
    handle::free(set)
}

/// Adds an engine: `client` (borrowed; the set holds it), its `weight` (>= 1: its share of
/// the sandboxes relative to the others) and `limit` (most running pocketdock containers on
/// it; 0: no limit). Engines are numbered from 0 in the order they are added. Not to be
/// called while another thread uses the set. Branch on: `PD_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn pd_engine_set_add(
    set: *mut pd_engine_set,
    client: *const pd_client,
    weight: u32,
    limit: usize,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let s = handle::borrow_mut(set)?;
        let client = client_arg(client)?.clone();
        if weight == 0 {
            return Err(crate::error::invalid(
                "an engine's weight must be at least 1",
            ));
        }
        s.inner.add(client, weight, Some(limit).filter(|l| *l > 0));
        Ok(())
    })
}

/// Creates and starts one sandbox (not pooled) on the least loaded engine of the set: the
/// one with the fewest running pocketdock containers per unit of weight, asked of each
/// engine now, among those under their limit. An engine that does not answer is passed over;
/// any other failure (a bad option, a missing image) is returned as it is. `opts` may be
/// NULL for the defaults; it is only borrowed. `*container_out` receives the sandbox (free it
/// with `pd_container_free` as after `pd_container_create`), `*engine_index_out` (may be
/// NULL) the number of the engine it went to. Blocks. Branch on: `PD_ERR_INVALID_ARGUMENT`
/// (an empty set, a bad option), `PD_ERR_INVALID_STATE` (every engine at its limit), the
/// last engine's error when none answered (`PD_ERR_IO`, `PD_ERR_ENGINE_NOT_FOUND`).
#[no_mangle]
pub extern "C" fn pd_engine_set_create(
    set: *const pd_engine_set,
    opts: *const pd_container_opts,
    container_out: *mut *mut pd_container,
    engine_index_out: *mut usize,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let s = handle::borrow(set)?;
        handle::out_ptr(container_out, "container_out")?;
        let defaults = pd_container_opts::new(ContainerOptions::default());
        let o = if opts.is_null() {
            &defaults
        } else {
            handle::borrow(opts)?
        };
        let (i, c) = block_on(s.inner.create_placed(&o.opts))?;
        write_out(container_out, container_handle(c)?);
        if !engine_index_out.is_null() {
            write_out(engine_index_out, i);
        }
        Ok(())
    })
}
