'use strict';
// RunStream: the output of a streaming run as an async iterator, built on pd_stream_next.
//
// Each pull is one `.async` pd_stream_next with a short timeout (POLL_MS): a chunk comes back
// as soon as the command writes it, and a silent command gives its worker thread back every
// POLL_MS, so it takes turns with other blocking calls instead of holding a pool thread for
// its whole run. pd_stream_cancel (thread-safe) wakes a blocked pull at once; it is also what
// an AbortSignal does: the command tree is killed, the pulls go on until the stream's end
// (so the kill is done), and then reads reject with AbortError.

const { lib } = require('./ffi');
const { callBlockingStatus, copyBytes, callSync } = require('./call');
const { NativeHandle } = require('./handle');
const { STATUS, InvalidStateError, abortError } = require('./errors');

const POLL_MS = 250;
const PULL_ACCEPT = new Set([STATUS.TIMEOUT, STATUS.STREAM_END]);
const STREAM_NAMES = { 1: 'stdout', 2: 'stderr' };

class RunStream {
    /** Made by Container#stream(). */
    constructor(ptr, readResult, signal = null) {
        this._handle = new NativeHandle(ptr, lib.pd_stream_free, 'stream');
        this._readResult = readResult;
        this._ended = false;
        this._closing = false;
        this._result = null;
        this._tail = Promise.resolve(); // pulls run one at a time (pd_stream_next's rule)
        this._signal = signal;
        this._aborted = false;
        this._onAbort = null;
        if (signal) {
            this._onAbort = () => {
                this._aborted = true;
                this.cancel();
            };
            if (signal.aborted) this._onAbort();
            else signal.addEventListener('abort', this._onAbort, { once: true });
        }
    }

    /** Stops listening to the signal (the stream is over or closed). */
    _forgetSignal() {
        if (this._onAbort) this._signal?.removeEventListener('abort', this._onAbort);
        this._onAbort = null;
    }

    /** True once the command is over and every chunk was handed out (the stream then frees
     *  its native handle by itself; result() stays available). */
    get ended() {
        return this._ended;
    }

    /**
     * The next chunk `{ stream: 'stdout' | 'stderr', data: Buffer }`, or null at the end.
     * Calls are serialized; after close() it returns null.
     */
    nextChunk() {
        const p = this._tail.then(() => this._pull());
        this._tail = p.catch(() => {});
        return p;
    }

    async _pull() {
        for (;;) {
            if (this._ended || this._closing) {
                if (this._aborted) throw abortError(this._signal);
                return null;
            }
            const chunk = await this._handle.use(async (s) => {
                const out = [null];
                const st = await callBlockingStatus(lib.pd_stream_next, PULL_ACCEPT, s, POLL_MS, out);
                if (st === STATUS.STREAM_END) {
                    // The result is ready now: keep it and free the stream right away.
                    const r = [null];
                    callSync(lib.pd_stream_result, s, r);
                    try {
                        this._result = this._readResult(r[0]);
                    } finally {
                        lib.pd_exec_result_free(r[0]);
                    }
                    this._ended = true;
                    this._forgetSignal();
                    this._handle.release(); // deferred by use() until this call returns
                    if (this._aborted) throw abortError(this._signal);
                    return null;
                }
                if (st === STATUS.TIMEOUT) return undefined; // nothing yet: poll again
                const c = out[0];
                try {
                    const len = [0];
                    const ptr = lib.pd_chunk_data(c, len);
                    return { stream: STREAM_NAMES[lib.pd_chunk_stream(c)] ?? 'stdout', data: copyBytes(ptr, Number(len[0])) };
                } finally {
                    lib.pd_chunk_free(c);
                }
            });
            // Once aborted, what the command wrote while it was being killed is dropped.
            if (chunk !== undefined && !this._aborted) return chunk;
        }
    }

    /**
     * The run's result (exit code, timedOut, truncated, accounting; stdout/stderr are empty:
     * the output came as chunks). Reads and discards any chunks not consumed yet.
     */
    async result() {
        while ((await this.nextChunk()) !== null);
        if (this._aborted) throw abortError(this._signal);
        if (!this._result) {
            throw new InvalidStateError('the stream was closed before its command ended', {
                status: STATUS.INVALID_STATE,
            });
        }
        return this._result;
    }

    /** Kills the command (and everything it started); the iteration then ends. Idempotent. */
    cancel() {
        if (!this._handle.released) lib.pd_stream_cancel(this._handle.ptr());
    }

    /** Cancels the command if still running and frees the stream. Idempotent. */
    async close() {
        this._closing = true;
        this._forgetSignal();
        if (this._handle.released) return;
        this.cancel(); // wakes a pull in flight; the handle is freed once it returns
        this._handle.release();
        await this._tail;
    }

    [Symbol.asyncDispose]() {
        return this.close();
    }

    /** `for await (const { stream, data } of s)`; leaving the loop early closes the stream. */
    [Symbol.asyncIterator]() {
        return {
            next: async () => {
                const chunk = await this.nextChunk();
                return chunk === null ? { done: true, value: undefined } : { done: false, value: chunk };
            },
            return: async () => {
                if (!this._ended) await this.close();
                return { done: true, value: undefined };
            },
            [Symbol.asyncIterator]() {
                return this;
            },
        };
    }
}

module.exports = { RunStream, POLL_MS };
