'use strict';
// The library's log records (pd_set_log_callback) as calls of a JS function.
//
// The C side calls its log callback on the library's "pocketdock-callbacks" thread, never on
// the JS thread. Koffi handles a registered callback called from a foreign thread by queueing
// the call to the JS event loop (a thread-safe function) and blocking that thread until JS
// ran it (node_modules/koffi/doc/callbacks.md, "Asynchronous callbacks"); that is safe here
// because no pocketdock call made from the JS thread waits for the callback thread (the only
// one that does, pd_profile_build, is always called through `.async`). Records therefore
// reach JS in order, between other JS work, and never concurrently with it.
//
// Two trampolines are registered once for the life of the process (Koffi has 8192 slots):
// the record callback and the free callback. Each setLogger() call passes a new generation
// number as user_data, so records still queued for a replaced logger reach that logger, and
// its entry is dropped when the library calls free_user_data for it (after its last record).

const { koffi, lib } = require('./ffi');
const { callSync } = require('./call');

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

/** @type {Map<bigint, (record: object) => void>} generation -> logger */
const loggers = new Map();
let generation = 0n;
let trampolines = null;

function onRecord(userData, level, target, message) {
    const fn = loggers.get(BigInt(userData ?? 0));
    if (!fn) return;
    try {
        fn({ level: LEVEL_NAMES[level] ?? String(level), target: target ?? '', message: message ?? '' });
    } catch (e) {
        // A logger that throws must not take the process (or the library's thread) down.
        process.emitWarning(`pocketdock: the logger threw: ${e instanceof Error ? e.message : String(e)}`, 'PocketdockWarning');
    }
}

function onFree(userData) {
    loggers.delete(BigInt(userData ?? 0));
}

function registered() {
    trampolines ??= {
        record: koffi.register(onRecord, koffi.pointer('pd_log_cb')),
        free: koffi.register(onFree, koffi.pointer('pd_free_cb')),
    };
    return trampolines;
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
 * thread. `null` (or level 'off') silences the library again, which is the default.
 * @param {((record: { level: string, target: string, message: string }) => void) | null} logger
 * @param {string | number} [level] default 'info'
 */
function setLogger(logger, level = 'info') {
    if (logger !== null && typeof logger !== 'function') throw new TypeError('logger must be a function or null');
    const n = levelNumber(level);
    if (logger === null || n === 0) {
        callSync(lib.pd_set_log_callback, 0, null, null, null);
        return;
    }
    const t = registered();
    generation += 1n;
    const id = generation;
    loggers.set(id, logger);
    try {
        callSync(lib.pd_set_log_callback, n, t.record, id, t.free);
    } catch (e) {
        // The library still calls free_user_data for it; dropping the entry now is the same.
        loggers.delete(id);
        throw e;
    }
}

module.exports = { setLogger, LOG_LEVELS };
