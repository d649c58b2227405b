'use strict';
// Session: a persistent shell in a sandbox (pd_session). The working directory and variables
// persist between commands. Every call is an agent round trip, so all are async; commands
// given to sendAndWait() run one after another (the C side refuses overlapping ones, so
// they are queued here).

const { lib } = require('./ffi');
const { callBlocking, callWaiting } = require('./call');

const NO_ACCEPT = new Set();
const { abortable } = require('./abort');
const { NativeHandle } = require('./handle');
const { readOutput } = require('./process');

class Session {
    /** Made by Container#session(). */
    constructor(ptr, readResult, str, defaultTimeoutMs) {
        this._handle = new NativeHandle(ptr, lib.pd_session_free, 'session');
        this._readResult = readResult;
        this._str = str;
        this._defaultTimeoutMs = defaultTimeoutMs;
        this._tail = Promise.resolve();
        this._closing = null;
    }

    /** True once close() was called. */
    get closed() {
        return this._handle.released || this._closing !== null;
    }

    /**
     * Runs `command` in the shell and waits up to `timeoutMs` (the timeout rule: > 0 a limit,
     * < 0 no limit, 0 InvalidArgumentError; default: the container's default run timeout as
     * its handle knows it, see docs/node.md). On timeout the command is interrupted and the
     * result has `timedOut`; the session stays usable. Calls queue behind each other. Holds a
     * pool thread while the command runs.
     */
    sendAndWait(command, { timeoutMs = this._defaultTimeoutMs, signal } = {}) {
        try {
            this._str(command, 'command');
            if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs)) {
                throw new TypeError('timeoutMs must be an integer');
            }
        } catch (e) {
            return Promise.reject(e);
        }
        // An abort stops the wait; the command goes on in the shell (its timeout still holds)
        // and the next call queues behind it.
        const queued = this._tail.then(() =>
            this._handle.use(async (s) => {
                const out = [null];
                await callWaiting(lib.pd_session_send_and_wait, NO_ACCEPT, s, command, timeoutMs, out);
                try {
                    return this._readResult(out[0]);
                } finally {
                    lib.pd_exec_result_free(out[0]);
                }
            }),
        );
        this._tail = queued.catch(() => {});
        return abortable(signal, () => queued);
    }

    /** Writes `input` and a newline to the shell without waiting; see read(). */
    async send(input) {
        this._str(input, 'input');
        await this._handle.use((s) => callBlocking(lib.pd_session_send, s, input));
    }

    /** Output not consumed by sendAndWait() (from send()), marked read. */
    read() {
        return this._handle.use(async (s) => {
            const out = [null];
            await callBlocking(lib.pd_session_read, s, out);
            try {
                return readOutput(out[0]);
            } finally {
                lib.pd_output_free(out[0]);
            }
        });
    }

    /** Ends the shell (after queued commands) and frees the handle. Idempotent. */
    close() {
        this._closing ??= (async () => {
            await this._tail;
            try {
                if (!this._handle.released) await this._handle.use((s) => callBlocking(lib.pd_session_close, s));
            } finally {
                this._handle.release();
            }
        })();
        return this._closing;
    }

    [Symbol.asyncDispose]() {
        return this.close();
    }
}

module.exports = { Session };
