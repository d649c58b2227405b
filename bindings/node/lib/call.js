'use strict';
// How the wrappers call C: status + pd_error handling, and blocking calls moved off the
// main thread through Koffi's `.async` with a cap on how many run at once.

const { koffi, lib } = require('./ffi');
const { makeError, STATUS } = require('./errors');

/** Turns a filled `[pd_error*]` box into a PocketdockError and frees the pd_error. */
function takeError(status, errBox) {
    const err = errBox[0];
    errBox[0] = null;
    if (!err) return makeError(status, '');
    try {
        const code = lib.pd_error_code(err);
        const message = lib.pd_error_message(err) ?? '';
        const engineStatus = lib.pd_error_engine_status(err);
        return makeError(code || status, message, engineStatus);
    } finally {
        lib.pd_error_free(err);
    }
}

/** Calls a non-blocking fallible function synchronously; its last argument is the error box. */
function callSync(fn, ...args) {
    const errBox = [null];
    const status = fn(...args, errBox);
    if (status !== STATUS.OK) throw takeError(status, errBox);
}

// --- Blocking calls -------------------------------------------------------------------------
// Koffi's `.async` queues the call on libuv's thread pool (UV_THREADPOOL_SIZE, 4 by default),
// the same pool Node uses for fs, dns.lookup, zlib and crypto. A pd_run may hold a thread for
// its whole timeout, so unbounded concurrency would starve the rest of the process. We keep
// at most `maxBlockingCalls` in flight (pool size minus one by default) and queue the rest
// here, in FIFO order.

function defaultLimit() {
    const pool = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
    const size = Number.isFinite(pool) && pool > 0 ? pool : 4;
    return Math.max(1, size - 1);
}

const limiter = {
    max: defaultLimit(),
    active: 0,
    /** @type {Array<() => void>} */
    waiting: [],
};

function acquire() {
    if (limiter.active < limiter.max) {
        limiter.active++;
        return Promise.resolve();
    }
    return new Promise((resolve) => limiter.waiting.push(resolve));
}

function release() {
    const next = limiter.waiting.shift();
    if (next) next(); // hand the slot over directly
    else limiter.active--;
}

/** Sets how many blocking calls may run at once (>= 1). Returns the previous value. */
function setMaxBlockingCalls(n) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError('maxBlockingCalls must be an integer >= 1');
    const prev = limiter.max;
    limiter.max = n;
    while (limiter.active < limiter.max && limiter.waiting.length > 0) {
        limiter.active++;
        limiter.waiting.shift()();
    }
    return prev;
}

function blockingStats() {
    return { max: limiter.max, active: limiter.active, queued: limiter.waiting.length };
}

/**
 * Calls a blocking fallible C function on a worker thread. `args` must end with nothing: the
 * error box is appended here. Resolves when the call returned PD_OK; rejects with a
 * PocketdockError otherwise. `args` (arrays for out-params) are filled in on success.
 */
async function callBlocking(fn, ...args) {
    await callBlockingStatus(fn, NO_EXTRA, ...args);
}

const NO_EXTRA = new Set();

/**
 * Like callBlocking, but resolves with the status when it is PD_OK or one of `accept`
 * (e.g. PD_ERR_TIMEOUT for "try again", PD_STREAM_END); any pd_error is freed then.
 */
async function callBlockingStatus(fn, accept, ...args) {
    await acquire();
    try {
        const errBox = [null];
        const status = await new Promise((resolve, reject) => {
            fn.async(...args, errBox, (e, st) => (e ? reject(e) : resolve(st)));
        });
        if (status === STATUS.OK) return status;
        if (accept.has(status)) {
            if (errBox[0]) lib.pd_error_free(errBox[0]);
            return status;
        }
        throw takeError(status, errBox);
    } finally {
        release();
    }
}

/** Decodes an owned NUL-terminated `char *` into a string and frees it with pd_string_free. */
function takeString(ptr) {
    if (!ptr) return null;
    try {
        return koffi.decode(ptr, 'char', -1);
    } finally {
        lib.pd_string_free(ptr);
    }
}

/** Copies `len` bytes at `ptr` (memory owned by a C object) into a new Buffer. */
function copyBytes(ptr, len) {
    if (!ptr || !len) return Buffer.alloc(0);
    return Buffer.from(new Uint8Array(koffi.view(ptr, len)));
}

module.exports = {
    callSync,
    callBlocking,
    callBlockingStatus,
    takeError,
    takeString,
    copyBytes,
    setMaxBlockingCalls,
    blockingStats,
};
