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
// the same pool Node uses for fs, dns.lookup, zlib and crypto. Runs and streams do not use
// it while their command runs (their output is pushed: lib/push.js); what remains are calls
// that finish on their own (create, files, shutdown...) and two that wait for a command
// (Process#wait, Session#sendAndWait). We keep at most `maxBlockingCalls` in flight (pool
// size minus one by default, so fs and friends always have a thread), queue the rest here in
// FIFO order, and let the waits take all but one of those slots: however many waits are
// pending, the other calls still get a thread at once.

function defaultLimit() {
    const pool = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
    const size = Number.isFinite(pool) && pool > 0 ? pool : 4;
    return Math.max(1, size - 1);
}

const limiter = {
    max: defaultLimit(),
    active: 0,
    waitsActive: 0,
    /** @type {Array<() => void>} */
    waiting: [],
    /** @type {Array<() => void>} */
    waitsWaiting: [],
};

function waitCap() {
    return Math.max(1, limiter.max - 1);
}

function acquire(isWait) {
    if (limiter.active < limiter.max && (!isWait || limiter.waitsActive < waitCap())) {
        limiter.active++;
        if (isWait) limiter.waitsActive++;
        return null;
    }
    return new Promise((resolve) => (isWait ? limiter.waitsWaiting : limiter.waiting).push(resolve));
}

/** Hands free slots to queued calls: other calls first, then waits up to their cap. */
function pump() {
    while (limiter.active < limiter.max) {
        let next = limiter.waiting.shift();
        if (!next && limiter.waitsWaiting.length > 0 && limiter.waitsActive < waitCap()) {
            next = limiter.waitsWaiting.shift();
            limiter.waitsActive++;
        }
        if (!next) return;
        limiter.active++;
        next();
    }
}

function release(isWait) {
    limiter.active--;
    if (isWait) limiter.waitsActive--;
    pump();
}

/** Sets how many blocking calls may run at once (>= 1). Returns the previous value. */
function setMaxBlockingCalls(n) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError('maxBlockingCalls must be an integer >= 1');
    const prev = limiter.max;
    limiter.max = n;
    pump();
    return prev;
}

function blockingStats() {
    return {
        max: limiter.max,
        active: limiter.active,
        queued: limiter.waiting.length + limiter.waitsWaiting.length,
    };
}

/**
 * Calls a blocking fallible C function on a worker thread. `args` must end with nothing: the
 * error box is appended here. Resolves when the call returned PD_OK; rejects with a
 * PocketdockError otherwise. `args` (arrays for out-params) are filled in on success.
 */
async function callBlocking(fn, ...args) {
    await callNative(fn, NO_EXTRA, false, args);
}

const NO_EXTRA = new Set();

/**
 * Like callBlocking, but resolves with the status when it is PD_OK or one of `accept`
 * (e.g. PD_ERR_TIMEOUT for "try again", PD_STREAM_END); any pd_error is freed then.
 */
function callBlockingStatus(fn, accept, ...args) {
    return callNative(fn, accept, false, args);
}

/** callBlockingStatus for a call that waits for a command (Process#wait, sendAndWait). */
function callWaiting(fn, accept, ...args) {
    return callNative(fn, accept, true, args);
}

async function callNative(fn, accept, isWait, args) {
    const slot = acquire(isWait);
    if (slot) await slot;
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
        release(isWait);
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
    callWaiting,
    takeError,
    takeString,
    copyBytes,
    setMaxBlockingCalls,
    blockingStats,
};
