'use strict';
// Runs and streams whose end (and output) the library pushes instead of a thread waiting for
// it: pd_run_async / pd_run_argv_async for run(), pd_stream_set_callbacks for streams (and
// runs with onStdout/onStderr or a signal). No thread of libuv's pool is held while a command
// runs, so any number of slow commands leave the pool to the calls that need it
// (docs/node.md, Threading).
//
// The library calls back on its own "pocketdock-callbacks" thread; Koffi relays each call to
// the JS thread of the module instance that registered the trampoline and parks the library
// thread until JS ran it (the same mechanism as lib/log.js). Two permanent trampolines per
// thread serve every stream: `user_data` is an id into `pending`, never a JS object.
// Records of a finished command are valid only during the callback: they are copied out there.

const { koffi, lib } = require('./ffi');
const { callSync, takeError, copyBytes } = require('./call');
const { STATUS, makeError } = require('./errors');

const STREAM_NAMES = { 1: 'stdout', 2: 'stderr' };

/**
 * Streams whose end has not arrived yet, by id.
 * @type {Map<bigint, { onChunk: (stream: 'stdout' | 'stderr', data: Buffer) => void, onEnd: (result: any, error: Error | null) => void, ptr: bigint, readResult: (r: any) => any }>}
 */
const pending = new Map();
/**
 * Runs started with pd_run_async whose end has not arrived yet, by id.
 * @type {Map<bigint, { resolve: (r: any) => void, reject: (e: Error) => void, readResult: (r: any) => any }>}
 */
const runs = new Map();
let nextId = 0n;
let trampolines = null;
// Koffi's relay does not keep the event loop alive; a pending command must (as a pool
// thread did), or the process would end while it still waits for the result.
let keepAlive = null;

function hold() {
    keepAlive ??= setInterval(() => {}, 0x7fffffff);
}

function unhold() {
    if (pending.size === 0 && runs.size === 0 && keepAlive) {
        clearInterval(keepAlive);
        keepAlive = null;
    }
}

function registerTrampolines() {
    trampolines ??= {
        output: koffi.register(onOutput, koffi.pointer('pd_output_cb')),
        exit: koffi.register(onExit, koffi.pointer('pd_exit_cb')),
        done: koffi.register(onDone, koffi.pointer('pd_result_cb')),
    };
    return trampolines;
}

function onDone(userData, status, result, err) {
    const id = BigInt(userData ?? 0);
    const p = runs.get(id);
    if (!p) return;
    runs.delete(id);
    unhold();
    if (status === STATUS.OK) {
        try {
            p.resolve(p.readResult(result));
        } catch (e) {
            p.reject(/** @type {Error} */ (e));
        }
        return;
    }
    // `err` belongs to the library (freed after this call): read it, do not free it.
    const code = err ? lib.pd_error_code(err) : status;
    p.reject(makeError(code || status, (err && lib.pd_error_message(err)) ?? '', err ? lib.pd_error_engine_status(err) : 0));
}

/**
 * Starts a run with `fn` (lib.pd_run_async or lib.pd_run_argv_async) and `args` (everything
 * before its callback); resolves with readResult(the result) or rejects with its error.
 * Throws (synchronously) when the library refuses to start it.
 */
function runAsync(fn, args, readResult) {
    const t = registerTrampolines();
    nextId += 1n;
    const id = nextId;
    return new Promise((resolve, reject) => {
        runs.set(id, { resolve, reject, readResult });
        hold();
        try {
            callSync(fn, ...args, t.done, id, null);
        } catch (e) {
            runs.delete(id);
            unhold();
            reject(e);
        }
    });
}

function onOutput(userData, stream, data, len) {
    const p = pending.get(BigInt(userData ?? 0));
    if (!p) return;
    // `data` is valid for this call only: copy it out now.
    p.onChunk(STREAM_NAMES[stream] ?? 'stdout', copyBytes(data, Number(len)));
}

function onExit(userData, result) {
    const id = BigInt(userData ?? 0);
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    unhold();
    // `result` is valid for this call only, and NULL when the stream failed: then
    // pd_stream_result returns the error.
    if (result) {
        p.onEnd(p.readResult(result), null);
        return;
    }
    const box = [null];
    const errBox = [null];
    const st = lib.pd_stream_result(p.ptr, box, errBox);
    if (st === STATUS.OK) {
        try {
            p.onEnd(p.readResult(box[0]), null);
        } finally {
            lib.pd_exec_result_free(box[0]);
        }
    } else {
        p.onEnd(null, takeError(st, errBox));
    }
}

/**
 * Hands stream `ptr` (a live pd_stream the caller keeps until `onEnd`) to the library's
 * callbacks: `onChunk(stream, data)` for each chunk in order, then `onEnd(result, null)` with
 * the command's result (its stdout/stderr empty: the output came as chunks) or
 * `onEnd(null, error)`. Both run on this JS thread. Throws if the library refuses.
 */
function pushStream(ptr, readResult, onChunk, onEnd) {
    const t = registerTrampolines();
    nextId += 1n;
    const id = nextId;
    pending.set(id, { onChunk, onEnd, ptr, readResult });
    hold();
    try {
        callSync(lib.pd_stream_set_callbacks, ptr, t.output, t.exit, id, null);
    } catch (e) {
        pending.delete(id);
        unhold();
        throw e;
    }
}

/** How many pushed streams are waiting for their end (tests). */
function pushStats() {
    return { streams: pending.size, runs: runs.size };
}

module.exports = { pushStream, runAsync, pushStats };
