'use strict';
// RunStream: the output of a streaming run as an async iterator, pushed by the library
// (pd_stream_set_callbacks, lib/push.js): chunks arrive on the JS thread as the command
// writes them and wait in a queue for nextChunk(); no thread is held while the command runs.
// pd_stream_cancel (thread-safe) is what cancel() and an AbortSignal do: the command tree is
// killed, the stream's end arrives once it is gone, and then reads reject with AbortError.

const { lib } = require('./ffi');
const { NativeHandle } = require('./handle');
const { STATUS, InvalidStateError, abortError } = require('./errors');
const { pushStream } = require('./push');

class RunStream {
    /**
     * Made by Container#stream() and run(). `onChunk(stream, data)` (optional) sees every
     * chunk as it arrives, whether or not the stream is read.
     */
    constructor(ptr, readResult, signal = null, { onChunk = null, queue = true } = {}) {
        this._handle = new NativeHandle(ptr, lib.pd_stream_free, 'stream');
        this._ended = false; // the end arrived and the queue is empty
        this._closing = false;
        this._closedEarly = false; // closed before its end arrived: no result to give
        this._result = null;
        this._error = null;
        this._queue = [];
        this._queueing = queue;
        this._wake = null; // resolves a nextChunk() waiting for the next event
        this._signal = signal;
        this._aborted = false;
        this._onAbort = null;
        this._onChunk = onChunk;
        this._waiters = 0; // calls awaiting an event: the stream is pinned meanwhile
        /** @type {() => void} */
        let resolveDone = () => {};
        /** @type {Promise<void>} settles when the library delivered the end */
        this._done = new Promise((resolve) => {
            resolveDone = resolve;
        });
        this._resolveDone = resolveDone;
        try {
            // The library's registration holds this stream only weakly (pinned while a call
            // awaits it), so a forgotten stream is still collected and its command killed.
            this._entry = pushStream(ptr, readResult, this);
        } catch (e) {
            this._handle.release(); // frees the stream, which kills the command
            throw e;
        }
        if (signal) {
            this._onAbort = () => {
                this._aborted = true;
                this.cancel();
            };
            if (signal.aborted) this._onAbort();
            else signal.addEventListener('abort', this._onAbort, { once: true });
        }
    }

    _notify() {
        const w = this._wake;
        this._wake = null;
        w?.();
    }

    /** Keeps the stream reachable from its registration while `p` is awaited. */
    async _pinned(p) {
        this._waiters++;
        this._entry.strong = this;
        try {
            return await p;
        } finally {
            if (--this._waiters === 0) this._entry.strong = null;
        }
    }

    /** lib/push.js: a chunk of output, on the JS thread. */
    _pushChunk(stream, data) {
        if (this._aborted) return; // output written while it was being killed
        this._onChunk?.(stream, data);
        if (this._queueing && !this._closing) this._queue.push({ stream, data });
        this._notify();
    }

    /** lib/push.js: the end (result or error); the native stream is freed now. */
    _pushEnd(result, error) {
        this._result = result;
        this._error = error;
        this._forgetSignal();
        this._handle.release();
        this._resolveDone();
        this._notify();
    }

    /** lib/push.js: the stream pointer while the handle lives, else null. */
    _livePtr() {
        return this._handle.released ? null : this._handle.ptr();
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
     * After close() it returns null.
     */
    async nextChunk() {
        for (;;) {
            if (this._aborted && this._result === null && this._error === null) {
                await this._pinned(this._done); // reject only once the command is gone
            }
            if (this._aborted) throw abortError(this._signal);
            if (this._closing) return null;
            const c = this._queue.shift();
            if (c) return c;
            if (this._result !== null || this._error !== null) {
                this._ended = true;
                if (this._error) throw this._error;
                return null;
            }
            await this._pinned(
                new Promise((resolve) => {
                    this._wake = resolve;
                }),
            );
        }
    }

    /**
     * The run's result (exit code, timedOut, truncated, accounting; stdout/stderr are empty:
     * the output came as chunks). Reads and discards any chunks not consumed yet.
     */
    async result() {
        this._queueing = false;
        this._queue.length = 0;
        if (!this._closing) await this._pinned(this._done);
        if (this._aborted) throw abortError(this._signal);
        if (this._error) throw this._error;
        if (this._closedEarly) this._result = null;
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
        if (!this._closing) this._closedEarly = this._result === null && this._error === null;
        this._closing = true;
        this._forgetSignal();
        if (this._handle.released) return;
        this.cancel();
        this._queue.length = 0;
        this._notify(); // a nextChunk() waiting returns null
        this._handle.release(); // frees the stream: the library cancels its command
        await this._pinned(this._done);
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

module.exports = { RunStream };
