//! C ABI of `pool`: the options builder `pd_pool_opts` (with the engines of a set), and
//! `pd_pool` (new, acquire, release, stats, shutdown, free).

use std::ffi::{c_char, CString};

use super::boundary::{guard, write_out};
use super::client::{client_arg, pd_client};
use super::container::{container_handle, pd_container};
use super::container_opts::pd_container_opts;
use super::error::{pd_error, pd_status};
use super::handle::{self, handle_type, opt_str};
use super::runtime::block_on;
use super::timeout::{limit_ms, wait_ms};
use pocketdock::{EngineSet, Error, Pool, PoolOptions, ReleasePolicy};

handle_type!(pd_pool_opts, 0x7064_706f_6f6c_6f70, {
    opts: PoolOptions,
    engines: EngineSet,
});

handle_type!(pd_pool, 0x7064_706f_6f6c_5f5f, {
    inner: Pool,
    id_c: CString,
});

/// A pool's counters, as `pd_pool_get_stats` writes them into a caller-owned struct.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct pd_pool_stats {
    /// Ready members waiting for an acquire.
    pub idle: u64,
    /// Members handed out and not released.
    pub in_use: u64,
    /// Members being created or warmed up.
    pub creating: u64,
    /// Members created since the pool started.
    pub created: u64,
    /// Failed creates or warm-ups, and members found dead.
    pub failed: u64,
    /// Engines of the set marked down.
    pub engines_down: u64,
    /// Median and 95th percentile of the last (up to 1024) acquires, in microseconds.
    pub acquire_p50_us: u64,
    pub acquire_p95_us: u64,
}

fn with_opts(
    opts: *mut pd_pool_opts,
    err_out: *mut *mut pd_error,
    f: impl FnOnce(&mut pd_pool_opts) -> Result<(), Error>,
) -> pd_status {
    guard(err_out, || f(handle::borrow_mut(opts)?))
}

/// Creates a pool options builder holding the defaults: default sandboxes, 2 idle, at most
/// 8, 2 creates at once, no warm-up command, release destroys, idle members checked every
/// 5 s. Free it with `pd_pool_opts_free`; `pd_pool_new` only borrows it. NULL only if
/// memory is exhausted.
#[no_mangle]
pub extern "C" fn pd_pool_opts_new() -> *mut pd_pool_opts {
    super::boundary::guard_value(std::ptr::null_mut(), || {
        Ok(handle::into_raw(pd_pool_opts::new(
            PoolOptions::default(),
            EngineSet::new(),
        )))
    })
}

/// Frees a pool options builder (and its references to the engines' clients). NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_pool_opts_free(opts: *mut pd_pool_opts) {
    handle::free(opts)
}

/// The options of every member, copied from `container_opts` (borrowed; later changes to it
/// do not reach the pool options). Its name must be unset and it must not be persistent
/// (`PD_ERR_INVALID_ARGUMENT` at `pd_pool_new`).
#[no_mangle]
pub extern "C" fn pd_pool_opts_set_container_opts(
    opts: *mut pd_pool_opts,
    container_opts: *const pd_container_opts,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.container = handle::borrow(container_opts)?.opts.clone();
        Ok(())
    })
}

/// How many ready members the pool keeps idle (default 2; at most max_size).
#[no_mangle]
pub extern "C" fn pd_pool_opts_set_min_idle(
    opts: *mut pd_pool_opts,
    min_idle: usize,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.min_idle = min_idle;
        Ok(())
    })
}

/// Most members at once, idle, in use and being created (default 8; at least 1).
#[no_mangle]
pub extern "C" fn pd_pool_opts_set_max_size(
    opts: *mut pd_pool_opts,
    max_size: usize,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.max_size = max_size;
        Ok(())
    })
}

/// Most creates at once while the pool fills (default 2; at least 1).
#[no_mangle]
pub extern "C" fn pd_pool_opts_set_parallel(
    opts: *mut pd_pool_opts,
    parallel: usize,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.parallel = parallel;
        Ok(())
    })
}

/// A shell command run in every new member before it counts as ready (borrowed; NULL: none);
/// a non-zero exit fails the member.
#[no_mangle]
pub extern "C" fn pd_pool_opts_set_warmup(
    opts: *mut pd_pool_opts,
    command: *const c_char,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.warmup = opt_str(command, "command")?;
        Ok(())
    })
}

/// false (default): `pd_pool_release` destroys the sandbox and a fresh one replaces it.
/// true: it kills the sandbox's processes and hands it out again; files and everything else
/// are NOT reset (docs/pool.md).
#[no_mangle]
pub extern "C" fn pd_pool_opts_set_recycle(
    opts: *mut pd_pool_opts,
    recycle: bool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.release = match recycle {
            true => ReleasePolicy::Recycle,
            false => ReleasePolicy::Destroy,
        };
        Ok(())
    })
}

/// How often idle members are checked (default 5000). Timeout rule: > 0 ms; 0 is
/// `PD_ERR_INVALID_ARGUMENT`; < 0 never (members are still checked at acquire).
#[no_mangle]
pub extern "C" fn pd_pool_opts_set_health_interval_ms(
    opts: *mut pd_pool_opts,
    interval_ms: i64,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        o.opts.health_interval = limit_ms(interval_ms, "health interval")?;
        Ok(())
    })
}

/// Adds an engine to the pool's set: `client` (borrowed; the options hold it), its `weight`
/// (>= 1: its share of the members relative to the others) and `limit` (most members on it
/// at once; 0: no limit but the pool's max_size). Members go to the least loaded engine that
/// answers; one that stops answering is marked down and retried with backoff.
#[no_mangle]
pub extern "C" fn pd_pool_opts_add_engine(
    opts: *mut pd_pool_opts,
    client: *const pd_client,
    weight: u32,
    limit: usize,
    err_out: *mut *mut pd_error,
) -> pd_status {
    with_opts(opts, err_out, |o| {
        let client = client_arg(client)?.clone();
        if weight == 0 {
            return Err(crate::error::invalid(
                "an engine's weight must be at least 1",
            ));
        }
        o.engines
            .add(client, weight, Some(limit).filter(|l| *l > 0));
        Ok(())
    })
}

/// Starts a pool on `client`'s engine (may be NULL when `opts` added engines; if both, the
/// client is the set's first engine, weight 1, no limit). `opts` may be NULL for the
/// defaults; it is only borrowed. Returns at once: min_idle members are created in the
/// background. Free the pool with `pd_pool_free` (after `pd_pool_shutdown`).
/// Branch on: `PD_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn pd_pool_new(
    client: *const pd_client,
    opts: *const pd_pool_opts,
    pool_out: *mut *mut pd_pool,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        handle::out_ptr(pool_out, "pool_out")?;
        let defaults = pd_pool_opts::new(PoolOptions::default(), EngineSet::new());
        let o = if opts.is_null() {
            &defaults
        } else {
            handle::borrow(opts)?
        };
        let mut set = EngineSet::new();
        if !client.is_null() {
            set.add(client_arg(client)?.clone(), 1, None);
        }
        for e in o.engines.entries() {
            set.add(e.client.clone(), e.weight, e.limit);
        }
        let pool = block_on(Pool::new(set, o.opts.clone()))?;
        let id_c = CString::new(pool.id()).map_err(crate::error::internal)?;
        write_out(pool_out, handle::into_raw(pd_pool::new(pool, id_c)));
        Ok(())
    })
}

/// The pool's id (the value of its members' `pocketdock.pool` label), owned by the handle
/// and valid until `pd_pool_free`; NULL for a bad handle.
#[no_mangle]
pub extern "C" fn pd_pool_id(pool: *const pd_pool) -> *const c_char {
    handle::borrow(pool).map_or(std::ptr::null(), |p| p.id_c.as_ptr())
}

/// A ready sandbox, checked alive just before it is handed out. When none is idle, waits up
/// to `timeout_ms` (timeout rule: > 0 ms, 0 do not wait, < 0 no limit) for one.
/// `*container_out` receives a handle to give back with `pd_pool_release` and then free with
/// `pd_container_free`. Blocks. Branch on: `PD_ERR_TIMEOUT` (none free in time; the message
/// says how many are in use and why the last create failed, if one did),
/// `PD_ERR_INVALID_STATE` (the pool is shut down).
#[no_mangle]
pub extern "C" fn pd_pool_acquire(
    pool: *const pd_pool,
    timeout_ms: i64,
    container_out: *mut *mut pd_container,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let p = handle::borrow(pool)?;
        handle::out_ptr(container_out, "container_out")?;
        let c = block_on(p.inner.acquire(wait_ms(timeout_ms)))?;
        write_out(container_out, container_handle(c)?);
        Ok(())
    })
}

/// Gives back a sandbox `pd_pool_acquire` handed out (`container` is borrowed: free it
/// afterwards as usual). By default it is removed in the background and replaced; with
/// recycle it goes back idle. Do not use it after this call. Blocks briefly (a recycle
/// kills its processes). Branch on: `PD_ERR_INVALID_ARGUMENT` (not from this pool, or
/// released already).
#[no_mangle]
pub extern "C" fn pd_pool_release(
    pool: *const pd_pool,
    container: *const pd_container,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let p = handle::borrow(pool)?;
        let c = handle::borrow(container)?.inner.clone();
        block_on(p.inner.release(c))
    })
}

/// Writes the pool's counters to `*stats_out` (caller-owned). Does not block.
#[no_mangle]
pub extern "C" fn pd_pool_get_stats(
    pool: *const pd_pool,
    stats_out: *mut pd_pool_stats,
    err_out: *mut *mut pd_error,
) -> pd_status {
    guard(err_out, || {
        let p = handle::borrow(pool)?;
        handle::out_ptr(stats_out, "stats_out")?;
        let s = p.inner.stats();
        let us = |d: std::time::Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let n = |v: usize| v as u64;
        write_out(
            stats_out,
            pd_pool_stats {
                idle: n(s.idle),
                in_use: n(s.in_use),
                creating: n(s.creating),
                created: s.created,
                failed: s.failed,
                engines_down: n(s.engines_down),
                acquire_p50_us: us(s.acquire_p50),
                acquire_p95_us: us(s.acquire_p95),
            },
        );
        Ok(())
    })
}

/// Stops the pool and removes every member, idle or handed out (handles on them then fail
/// with `PD_ERR_CONTAINER_NOT_FOUND`). Idempotent. Blocks until the removals are done.
/// A member on an engine that does not answer cannot be removed: the first such error is
/// returned (`doctor` finds those once this process is gone).
#[no_mangle]
pub extern "C" fn pd_pool_shutdown(pool: *const pd_pool, err_out: *mut *mut pd_error) -> pd_status {
    guard(err_out, || block_on(handle::borrow(pool)?.inner.shutdown()))
}

/// Frees the pool. One not shut down is shut down in the background (without waiting).
/// NULL is a no-op.
#[no_mangle]
pub extern "C" fn pd_pool_free(pool: *mut pd_pool) {
    handle::free(pool)
}
