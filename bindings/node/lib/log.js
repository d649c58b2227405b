'use strict';
// The library's log records (pd_set_log_callback) as calls of a JS function.
//
// The C side calls its log callback on the library's "pocketdock-callbacks" thread, never on
// the JS thread. Koffi handles a registered callback called from a foreign thread by queueing
// the call to the JS event loop (a napi thread-safe function) and blocking that thread until
// JS ran it (node_modules/koffi/doc/callbacks.md, "Asynchronous callbacks"). While the
// process runs that is safe: no pocketdock call made from the JS thread waits for the
// callback thread (the only one that does, pd_profile_build, always runs through `.async`),
// so records reach JS in order, between other JS work, never concurrently with it.
//
// It is NOT safe across the end of the process: Node tears the thread-safe function down at
// exit, and if the library's thread still has records queued it calls into the dead one and
// the process aborts (seen: SIGABRT in uv_mutex_lock inside napi_call_threadsafe_function, in
// 5 of 15 natural exits of a process logging at 'trace'). The library says when a callback is
// done with: free_user_data comes after its last record. So:
//   - setLogger() returns a promise that resolves when the replaced logger's free_user_data
//     arrived, i.e. the library will never call into JS for it again (`await setLogger(null)`
//     makes a later process.exit() safe);
//   - on 'beforeExit' (the loop ran dry: a natural exit) the library is silenced and the loop
//     kept alive until that free arrives (at most FLUSH_MS), so the process ends with nothing
//     queued towards JS;
//   - on 'exit' (process.exit(), an uncaught exception) it is silenced too, which stops new
//     records; records already queued then are the remaining risk (docs/node.md).
//
// Two trampolines are registered once for the life of the process (Koffi has 8192 slots):
// record and free. Each setLogger() passes a new generation number as user_data, so records
// queued for a replaced logger still reach it until its free.
//
// Main thread only: a worker's loop goes away when the worker ends, which is the same
// teardown problem while the rest of the process goes on.

const { isMainThread } = require('node:worker_threads');
const { koffi, lib } = require('./ffi');
const { callSync } = require('./call');
const { InvalidStateError, STATUS } = require('./errors');
const { dispatchOnThisLoop } = require('./push');

// pd_log_level (include/pocketdock.h): names <-> numbers.
const LOG_LEVELS = Object.freeze({
    off: 0, // PD_LOG_OFF
    error: 1, // PD_LOG_ERROR
    warn: 2, // PD_LOG_WARN
    info: 3, // PD_LOG_INFO
    debug: 4, // PD_LOG_DEBUG
    trace: 5, // PD_LOG_TRACE
});
const LEVEL_NAMES = Object.freeze(Object.fromEntries(Object.entries(LOG_LEVELS).map(([k, v]) => [v, k])));

/** How long a natural exit waits for the library to let go of the logger. */
const FLUSH_MS = 2000;

/** Installed loggers the library may still call, by generation (user_data). */
const live = new Map();
/** Waiters for a generation's free_user_data. */
const freed = new Map();
let generation = 0n;
let installed = false; // the library has a callback of ours right now
let trampolines = null;
let flushTimer = null;

function onRecord(userData, level, target, message) {
    const fn = live.get(BigInt(userData ?? 0));
    if (!fn) return;
    try {
        fn({ level: LEVEL_NAMES[level] ?? String(level), target: target ?? '', message: message ?? '' });
    } catch (e) {
        // A logger that throws must not take the process (or the library's thread) down.
        process.emitWarning(`pocketdock: the logger threw: ${e instanceof Error ? e.message : String(e)}`, 'PocketdockWarning');
    }
}

function onFree(userData) {
    const id = BigInt(userData ?? 0);
    live.delete(id);
    for (const resolve of freed.get(id) ?? []) resolve();
    freed.delete(id);
    if (live.size === 0 && flushTimer) {
        clearTimeout(flushTimer); // the natural exit may go on
        flushTimer = null;
    }
}

/**
 * Resolves once every logger installed so far was let go of by the library (at most FLUSH_MS:
 * the free arrives through Koffi's thread-safe function, which does not keep the loop alive,
 * so a timer does meanwhile).
 */
function allFreed() {
    if (live.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
        const ids = [...live.keys()];
        let left = ids.length;
        const timer = setTimeout(resolve, FLUSH_MS);
        const one = () => {
            if (--left === 0) {
                clearTimeout(timer);
                resolve();
            }
        };
        for (const id of ids) freed.set(id, [...(freed.get(id) ?? []), one]);
    });
}

function silence() {
    if (!installed) return;
    installed = false;
    callSync(lib.pd_set_log_callback, 0, null, null, null);
}

function hookExit() {
    process.on('beforeExit', () => {
        if (live.size === 0 || flushTimer) return;
        silence();
        // The thread-safe function is unref'd; this timer keeps the loop alive for the free.
        flushTimer = setTimeout(() => {
            flushTimer = null;
        }, FLUSH_MS);
    });
    process.on('exit', silence);
}

/** A level given as a name ('debug') or a pd_log_level number (4). */
function levelNumber(level) {
    if (typeof level === 'string' && Object.hasOwn(LOG_LEVELS, level)) return LOG_LEVELS[level];
    if (Number.isInteger(level) && level >= 0 && level <= 5) return level;
    throw new TypeError(`log level must be one of ${Object.keys(LOG_LEVELS).join(', ')} or 0..5, got ${String(level)}`);
}

/**
 * Sends the library's log records at `level` and more severe to `logger` (process-wide: one
 * logger at a time; a new call replaces the previous one). `logger(record)` gets
 * `{ level: 'error' | 'warn' | 'info' | 'debug' | 'trace', target, message }` on the JS
 * thread. `null` (or level 'off') silences the library again, which is the default. Main
 * thread only (InvalidStateError in a worker). Returns a promise that resolves once the
 * loggers replaced by this call have had their last record.
 * @param {((record: { level: string, target: string, message: string }) => void) | null} logger
 * @param {string | number} [level] default 'info'
 * @returns {Promise<void>}
 */
function setLogger(logger, level = 'info') {
    if (logger !== null && typeof logger !== 'function') throw new TypeError('logger must be a function or null');
    const n = levelNumber(level);
    if (!isMainThread) {
        throw new InvalidStateError('setLogger() must be called from the main thread (the library logs process-wide)', {
            status: STATUS.INVALID_STATE,
        });
    }
    const replaced = allFreed();
    if (logger === null || n === 0) {
        silence();
        return replaced;
    }
    if (!trampolines) {
        // Records then run on this loop too (lib/push.js), in order with run ends.
        dispatchOnThisLoop();
        trampolines = {
            record: koffi.register(onRecord, koffi.pointer('pd_log_cb')),
            free: koffi.register(onFree, koffi.pointer('pd_free_cb')),
        };
        hookExit();
    }
    generation += 1n;
    const id = generation;
    live.set(id, logger);
    installed = true;
    try {
        // On failure the library still calls free_user_data, which drops `id` from `live`.
        callSync(lib.pd_set_log_callback, n, trampolines.record, id, trampolines.free);
    } catch (e) {
        installed = false;
        throw e;
    }
    return replaced;
}

module.exports = { setLogger, LOG_LEVELS };
