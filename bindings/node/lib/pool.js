'use strict';
// Pool: a warm pool of sandboxes (pd_pool_*; docs/pool.md). Client#createPool() makes one;
// acquire() hands out a Container (created ahead of time, checked alive), release() gives it
// back (destroyed and replaced by default), close() removes every member.

const { lib } = require('./ffi');
const { callSync, callBlocking } = require('./call');
const { NativeHandle } = require('./handle');
const { Container, CREATE_TOKEN } = require('./container');
const { Client } = require('./client');
const { checkKeys, str, int, bool, timeout, U32, buildContainerOpts } = require('./options');

const POOL_OPTION_KEYS = new Set([
    'container', 'minIdle', 'maxSize', 'parallel', 'warmup', 'recycle', 'healthIntervalMs', 'engines',
]);
const ENGINE_KEYS = new Set(['client', 'weight', 'limit']);
const SIZE_MAX = 2 ** 32 - 1;

/** Builds a pd_pool_opts from a plain object; the caller frees it. */
function buildPoolOpts(opts) {
    checkKeys(opts, POOL_OPTION_KEYS, 'pool option');
    const o = lib.pd_pool_opts_new();
    if (!o) throw new Error('pocketdock: out of memory');
    try {
        const set = (fn, ...args) => callSync(fn, o, ...args);
        const co = buildContainerOpts(opts.container ?? {});
        try {
            set(lib.pd_pool_opts_set_container_opts, co);
        } finally {
            lib.pd_container_opts_free(co);
        }
        if (opts.minIdle !== undefined) set(lib.pd_pool_opts_set_min_idle, int(opts.minIdle, 'minIdle', 0, SIZE_MAX));
        if (opts.maxSize !== undefined) set(lib.pd_pool_opts_set_max_size, int(opts.maxSize, 'maxSize', 0, SIZE_MAX));
        if (opts.parallel !== undefined) set(lib.pd_pool_opts_set_parallel, int(opts.parallel, 'parallel', 0, SIZE_MAX));
        if (opts.warmup !== undefined) set(lib.pd_pool_opts_set_warmup, str(opts.warmup, 'warmup', true));
        if (opts.recycle !== undefined) set(lib.pd_pool_opts_set_recycle, bool(opts.recycle, 'recycle'));
        if (opts.healthIntervalMs !== undefined) {
            set(lib.pd_pool_opts_set_health_interval_ms, timeout(opts.healthIntervalMs, 'healthIntervalMs'));
        }
        for (const e of opts.engines ?? []) {
            checkKeys(e, ENGINE_KEYS, 'pool engine');
            if (!(e.client instanceof Client)) throw new TypeError('a pool engine needs a Client');
            const weight = int(e.weight ?? 1, 'weight', 1, U32);
            const limit = int(e.limit ?? 0, 'limit', 0, SIZE_MAX);
            set(lib.pd_pool_opts_add_engine, e.client._handle.ptr(), weight, limit);
        }
        return o;
    } catch (e) {
        lib.pd_pool_opts_free(o);
        throw e;
    }
}

class Pool {
    /** Use Client#createPool(). */
    constructor(ptr, token, client, engines) {
        if (token !== CREATE_TOKEN) throw new TypeError('use client.createPool() to make a Pool');
        this._handle = new NativeHandle(ptr, lib.pd_pool_free, 'pool');
        this._id = lib.pd_pool_id(ptr);
        // Held so the clients live as long as the pool in JS (the C side holds its own).
        this._client = client;
        this._engines = engines;
    }

    /** The pool's id: the value of its members' `pocketdock.pool` label. */
    get id() {
        return this._id;
    }

    /** True once close() was called. */
    get closed() {
        return this._handle.released;
    }

    /**
     * Resolves to a ready Container, checked alive just before. When none is idle, waits up
     * to `timeoutMs` (0: do not wait; NO_TIMEOUT: no limit; default 30 000), then rejects
     * with TimeoutError saying how many are in use. InvalidStateError once shut down.
     */
    async acquire({ timeoutMs = 30_000 } = {}) {
        const t = timeout(timeoutMs, 'timeoutMs');
        const out = [null];
        await this._handle.use((p) => callBlocking(lib.pd_pool_acquire, p, t, out));
        return new Container(out[0], CREATE_TOKEN, this._client);
    }

    /**
     * Gives back a Container acquire() handed out and frees its handle (do not use it after).
     * By default the sandbox is destroyed and replaced; with `recycle` it goes back idle.
     */
    async release(container) {
        if (!(container instanceof Container)) throw new TypeError('release() takes a Container');
        await this._handle.use((p) =>
            container._handle.use((c) => callBlocking(lib.pd_pool_release, p, c)),
        );
        container._handle.release();
    }

    /** The pool's counters; latencies in milliseconds (fractions kept). */
    stats() {
        const s = {};
        callSync(lib.pd_pool_get_stats, this._handle.ptr(), s);
        return {
            idle: Number(s.idle),
            inUse: Number(s.in_use),
            creating: Number(s.creating),
            created: Number(s.created),
            failed: Number(s.failed),
            enginesDown: Number(s.engines_down),
            acquireP50Ms: Number(s.acquire_p50_us) / 1000,
            acquireP95Ms: Number(s.acquire_p95_us) / 1000,
        };
    }

    /** Removes every member, idle or handed out; later acquires reject. Idempotent. */
    async shutdown() {
        await this._handle.use((p) => callBlocking(lib.pd_pool_shutdown, p));
    }

    /** shutdown(), then frees the handle. Idempotent. */
    async close() {
        if (this._handle.released) return;
        try {
            await this.shutdown();
        } finally {
            this._handle.release();
        }
    }

    async [Symbol.asyncDispose]() {
        await this.close();
    }
}

/**
 * Starts a warm pool on this client's engine (plus `engines`, if given). Resolves at once:
 * `minIdle` members are created in the background.
 */
Client.prototype.createPool = async function createPool(opts = {}) {
    const o = buildPoolOpts(opts);
    const out = [null];
    try {
        await this._call(lib.pd_pool_new, o, out);
    } finally {
        lib.pd_pool_opts_free(o);
    }
    return new Pool(out[0], CREATE_TOKEN, this, (opts.engines ?? []).map((e) => e.client));
};

module.exports = { Pool };
