'use strict';
// Process: a detached process in a sandbox (pd_process). Every query is an agent round trip,
// so all of them are async. Events ('stdout', 'stderr', 'exit', 'error') are the Node way of
// following one, built on the pull API: a pump alternates pd_process_read and a short
// pd_process_wait; no C callback ever runs on a library thread.

const { EventEmitter } = require('node:events');
const os = require('node:os');
const { lib } = require('./ffi');
const { callBlocking, callWaiting, copyBytes } = require('./call');
const { NativeHandle } = require('./handle');
const { STATUS, makeError, abortError } = require('./errors');

/** Longest single pd_process_wait; longer waits are several, so no call holds a pool thread long. */
const WAIT_SLICE_MS = 500;
const DEFAULT_POLL_MS = 100;
const WAIT_ACCEPT = new Set([STATUS.TIMEOUT]);
const EVENTS = new Set(['stdout', 'stderr', 'exit', 'error']);

/** Signal number from a number or a name ('SIGTERM', 'TERM'). */
function signalNumber(sig) {
    if (typeof sig === 'number' && Number.isInteger(sig) && sig >= 1 && sig <= 64) return sig;
    if (typeof sig === 'string') {
        const name = sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`;
        const n = /** @type {Record<string, number>} */ (os.constants.signals)[name];
        if (n) return n;
    }
    throw new TypeError(`signal must be an integer in [1, 64] or a signal name, got ${String(sig)}`);
}

/** Copies a pd_output into { stdout, stderr, stdoutBytes, stderrBytes }. Does not free it. */
function readOutput(o) {
    const outLen = [0];
    const errLen = [0];
    const stdoutBytes = copyBytes(lib.pd_output_stdout(o, outLen), Number(outLen[0]));
    const stderrBytes = copyBytes(lib.pd_output_stderr(o, errLen), Number(errLen[0]));
    return { stdout: stdoutBytes.toString('utf8'), stderr: stderrBytes.toString('utf8'), stdoutBytes, stderrBytes };
}

class Process extends EventEmitter {
    /** Made by Container#spawn() / Container#attach(). */
    constructor(ptr, readResult, { pollMs = DEFAULT_POLL_MS } = {}) {
        super();
        this._handle = new NativeHandle(ptr, lib.pd_process_free, 'process');
        this._readResult = readResult;
        this._id = lib.pd_process_id(ptr);
        this._pollMs = pollMs;
        this._pump = null;
        this._closing = false;
        // Follow the process once someone listens for its events.
        this.on('newListener', (event) => {
            if (EVENTS.has(event) && event !== 'error') queueMicrotask(() => this._startPump());
        });
    }

    /** The process number inside its sandbox (for Container#attach). */
    get id() {
        return this._id;
    }

    /** Ring buffer size the process was started with (attached handles: the default). */
    get bufferSize() {
        return Number(lib.pd_process_buffer_size(this._handle.ptr()));
    }

    /** Sticky: output was dropped from the sandbox's ring before this handle read it. */
    get bufferOverflow() {
        return lib.pd_process_buffer_overflow(this._handle.ptr());
    }

    /** True once close() was called. */
    get closed() {
        return this._handle.released;
    }

    /** Asks the sandbox whether the process still runs. */
    isRunning() {
        return this._handle.use(async (p) => {
            const out = [false];
            await callBlocking(lib.pd_process_is_running, p, out);
            return Boolean(out[0]);
        });
    }

    /** One pd_process_wait of at most `ms`: the result, or null if it still runs. */
    _waitOnce(ms) {
        return this._handle.use(async (p) => {
            const out = [null];
            const st = await callWaiting(lib.pd_process_wait, WAIT_ACCEPT, p, ms, out);
            if (st === STATUS.TIMEOUT) return null;
            try {
                return this._readResult(out[0]);
            } finally {
                lib.pd_exec_result_free(out[0]);
            }
        });
    }

    /**
     * Waits for the process to end; resolves with its result, whose output is what this
     * handle had not read yet. `timeoutMs` follows the timeout rule: > 0 a limit, 0 just
     * looks, < 0 or undefined no limit; when it runs out this rejects with TimeoutError (the
     * process keeps running). `signal`: aborting rejects with AbortError and stops waiting;
     * the process keeps running too (kill() ends it).
     */
    async wait({ timeoutMs, signal } = {}) {
        if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs))) {
            throw new TypeError('timeoutMs must be an integer');
        }
        if (signal !== undefined && (typeof signal?.aborted !== 'boolean' || typeof signal.addEventListener !== 'function')) {
            throw new TypeError('signal must be an AbortSignal');
        }
        if (signal?.aborted) throw abortError(signal);
        const deadline = timeoutMs === undefined || timeoutMs < 0 ? Infinity : Date.now() + timeoutMs;
        // A slice in flight cannot be interrupted; an abort settles the wait at once and lets
        // the slice finish on its own (the handle stays alive until it does).
        let onAbort = () => {};
        const aborted = signal
            ? new Promise((_, reject) => {
                  onAbort = () => reject(abortError(signal));
                  signal.addEventListener('abort', onAbort, { once: true });
              })
            : null;
        aborted?.catch(() => {});
        try {
            for (;;) {
                const left = deadline - Date.now();
                const slice = this._waitOnce(Math.max(0, Math.min(WAIT_SLICE_MS, Math.ceil(left))));
                slice.catch(() => {}); // settled after an abort: nobody is waiting for it
                const r = await (aborted ? Promise.race([slice, aborted]) : slice);
                if (r) return r;
                if (Date.now() >= deadline) {
                    throw makeError(STATUS.TIMEOUT, `process ${this._id} still runs after ${timeoutMs} ms`);
                }
            }
        } finally {
            signal?.removeEventListener('abort', onAbort);
        }
    }

    /** Sends a signal (number or name; default SIGKILL) to the process and its group. */
    async kill(signal = 'SIGKILL') {
        const n = signalNumber(signal);
        return this._handle.use((p) => callBlocking(lib.pd_process_kill, p, n));
    }

    _output(fn) {
        return this._handle.use(async (p) => {
            const out = [null];
            await callBlocking(fn, p, out);
            try {
                return readOutput(out[0]);
            } finally {
                lib.pd_output_free(out[0]);
            }
        });
    }

    /** Output written since this handle last read (at first: the oldest still kept), marked read. */
    read() {
        return this._output(lib.pd_process_read);
    }

    /** Like read(), but leaves the output unread. */
    peek() {
        return this._output(lib.pd_process_peek);
    }

    _startPump() {
        if (this._pump || this._closing || this._handle.released) return;
        this._pump = (async () => {
            try {
                for (;;) {
                    if (this._closing) return;
                    const o = await this.read();
                    this._emitOutput(o);
                    if (this._closing) return;
                    const r = await this._waitOnce(this._pollMs);
                    if (r) {
                        this._emitOutput(r);
                        this.emit('exit', r);
                        return;
                    }
                }
            } catch (e) {
                if (!this._closing) this.emit('error', e);
            }
        })();
    }

    _emitOutput(o) {
        if (o.stdoutBytes.length) this.emit('stdout', o.stdoutBytes);
        if (o.stderrBytes.length) this.emit('stderr', o.stderrBytes);
    }

    /** Stops following events and frees the handle; the process keeps running. Idempotent. */
    async close() {
        this._closing = true;
        this._handle.release(); // deferred until a pump call in flight returns
        await this._pump;
    }

    [Symbol.asyncDispose]() {
        return this.close();
    }
}

module.exports = { Process, signalNumber, readOutput };
