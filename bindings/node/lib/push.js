'use strict';
// Runs and streams whose end (and output) the library pushes instead of a thread waiting for
// it: pd_run_async / pd_run_argv_async for run(), pd_stream_set_callbacks for streams (and
// runs with onStdout/onStderr or a signal). No thread of libuv's pool is held while a command
// runs, so any number of slow commands leave the pool to the calls that need it
// (docs/node.md, Threading).
//
// On the main thread the library's callbacks run on this event loop (pd_callbacks_to_fd): a
// pipe becomes readable when callbacks wait, and its 'data' handler runs them with
// pd_callbacks_dispatch, so each trampoline is a plain call on this thread. The end of a run
// then costs one wake-up (the library's runtime thread → this loop), as pd_run's return
// does in C. (Otherwise, e.g. in a worker thread, the library calls back on its own
// "pocketdock-callbacks" thread and Koffi relays each call to the JS thread through a
// thread-safe function, parking the library thread until JS ran it: two wake-ups, ~0.1–0.3 ms
// more per run on a loaded machine; docs/node.md.) Two permanent trampolines per thread
// serve every stream: `user_data` is an id into `pending`, never a JS object. Records of a
// finished command are valid only during the callback: they are copied out there.

const net = require('node:net');
const { isMainThread } = require('node:worker_threads');
const { koffi, lib } = require('./ffi');
const { callSync, takeError, copyBytes } = require('./call');
const { STATUS, makeError } = require('./errors');

const STREAM_NAMES = { 1: 'stdout', 2: 'stderr' };

/**
 * Streams whose end has not arrived yet, by id.
 * @type {Map<bigint, { weak: WeakRef<any>, strong: any, readResult: (r: any) => any }>}
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
// thread did), or the process would end while it still waits for the result. With the
// callbacks on this loop, the pipe's socket does it (ref() while anything is pending:
// nothing to allocate per run); otherwise a timer that never fires.
let held = false;
let keepAlive = null;

function hold() {
    if (held) return;
    held = true;
    if (loopDispatch) loopDispatch.ref();
    else keepAlive = setInterval(() => {}, 0x7fffffff);
}

function unhold() {
    if (!held || pending.size > 0 || runs.size > 0) return;
    held = false;
    if (keepAlive) {
        clearInterval(keepAlive);
        keepAlive = null;
    } else {
        loopDispatch?.unref();
    }
}

let loopDispatch = null;
/** The callbacks stay on the library's thread here (not the main thread, or asked for). */
let loopOff = false;

/**
 * Moves the library's callbacks to this event loop, once, on the main thread only (they are
 * process-wide: a worker's callbacks are then run from here and relayed to it by Koffi).
 * POCKETDOCK_NODE_CALLBACK_THREAD=1 keeps the library's callback thread (for comparisons).
 */
function dispatchOnThisLoop() {
    if (loopDispatch || loopOff) return;
    if (!isMainThread || process.env.POCKETDOCK_NODE_CALLBACK_THREAD === '1') {
        loopOff = true;
        return;
    }
    const fd = [0];
    callSync(lib.pd_callbacks_to_fd, fd);
    // The library owns the descriptor and never closes its write end: no EOF, no error.
    // `onread`: libuv reads into one small buffer and calls us, with no Buffer per read and
    // no stream machinery ('data' events) on every run's way back.
    loopDispatch = new net.Socket({
        fd: fd[0],
        readable: true,
        writable: false,
        onread: { buffer: Buffer.alloc(64), callback: () => void lib.pd_callbacks_dispatch() },
    });
    // Pending runs keep the process alive (hold()); the pipe alone must not.
    loopDispatch.unref();
}

function registerTrampolines() {
    dispatchOnThisLoop();
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
    let value;
    let error = null;
    if (status === STATUS.OK) {
        try {
            value = p.readResult(result);
        } catch (e) {
            error = /** @type {Error} */ (e);
        }
    } else {
        // `err` belongs to the library (freed after this call): read it, do not free it.
        const code = err ? lib.pd_error_code(err) : status;
        error = makeError(code || status, (err && lib.pd_error_message(err)) ?? '', err ? lib.pd_error_engine_status(err) : 0);
    }
    p.ended();
    if (error) p.reject(error);
    else p.resolve(value);
}

/**
 * Starts a run with `fn` (lib.pd_run_async or lib.pd_run_argv_async) and `args` (everything
 * before its callback); resolves with readResult(the result) or rejects with its error.
 * `ended()` is called once when the run is over (before the promise settles), also when it
 * could not start: then the promise rejects.
 */
function runAsync(fn, args, readResult, ended) {
    nextId += 1n;
    const id = nextId;
    return new Promise((resolve, reject) => {
        try {
            const t = registerTrampolines();
            runs.set(id, { resolve, reject, readResult, ended });
            hold();
            callSync(fn, ...args, t.done, id, null);
        } catch (e) {
            runs.delete(id);
            unhold();
            ended();
            reject(e);
        }
    });
}

/** The RunStream of a registration: pinned while awaited, else only while not collected. */
function sinkOf(p) {
    return p.strong ?? p.weak.deref();
}

function onOutput(userData, stream, data, len) {
    const p = pending.get(BigInt(userData ?? 0));
    const sink = p && sinkOf(p);
    if (!sink) return;
    // `data` is valid for this call only: copy it out now.
    sink._pushChunk(STREAM_NAMES[stream] ?? 'stdout', copyBytes(data, Number(len)));
}

function onExit(userData, result) {
    const id = BigInt(userData ?? 0);
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    unhold();
    // Collected without close(): its finalizer frees (or freed) the native stream.
    const sink = sinkOf(p);
    if (!sink) return;
    // `result` is valid for this call only, and NULL when the stream failed: then
    // pd_stream_result returns the error.
    if (result) {
        sink._pushEnd(p.readResult(result), null);
        return;
    }
    const ptr = sink._livePtr();
    if (!ptr) {
        sink._pushEnd(null, makeError(STATUS.INVALID_STATE, 'the stream was closed before its command ended'));
        return;
    }
    const box = [null];
    const errBox = [null];
    const st = lib.pd_stream_result(ptr, box, errBox);
    if (st !== STATUS.OK) {
        sink._pushEnd(null, takeError(st, errBox));
        return;
    }
    try {
        sink._pushEnd(p.readResult(box[0]), null);
    } finally {
        lib.pd_exec_result_free(box[0]);
    }
}

/**
 * Hands stream `ptr` to the library's callbacks, which call `sink._pushChunk(stream, data)`
 * for each chunk in order, then `sink._pushEnd(result, null)` with the command's result (its
 * stdout/stderr empty: the output came as chunks) or `sink._pushEnd(null, error)`, on this
 * JS thread. The registration holds `sink` weakly; set the returned entry's `strong` to pin
 * it. Throws if the library refuses.
 */
function pushStream(ptr, readResult, sink) {
    const t = registerTrampolines();
    nextId += 1n;
    const id = nextId;
    const entry = { weak: new WeakRef(sink), strong: null, readResult };
    pending.set(id, entry);
    hold();
    try {
        callSync(lib.pd_stream_set_callbacks, ptr, t.output, t.exit, id, null);
    } catch (e) {
        pending.delete(id);
        unhold();
        throw e;
    }
    return entry;
}

/** How many pushed streams are waiting for their end (tests). */
function pushStats() {
    return { streams: pending.size, runs: runs.size };
}

module.exports = { pushStream, runAsync, pushStats, dispatchOnThisLoop };
