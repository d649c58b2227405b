'use strict';
// Container: a sandbox handle. Options are plain objects turned into the C builders for the
// duration of one call (lib/options.js); results are plain objects copied out of the C
// result, which is freed before the promise resolves.

const { koffi, lib } = require('./ffi');
const { callSync, callBlocking, copyBytes, takeString } = require('./call');
const {
    U32,
    SAFE,
    str,
    int,
    abortSignal,
    outputCallback,
    bytes,
    buildRunOpts,
    camelKeys,
    parseCommand,
    splitSpawnOpts,
} = require('./options');
const { NativeHandle } = require('./handle');
const { RunStream } = require('./stream');
const { runAsync } = require('./push');
const { abortable } = require('./abort');
const { Process } = require('./process');
const { fileMethods } = require('./files');
const { Session } = require('./session');
const { abortError } = require('./errors');

// Node 20 defines it; older runtimes and some bundlers do not.
// @ts-ignore -- assigning a well-known symbol on purpose
Symbol.asyncDispose ??= Symbol('Symbol.asyncDispose');

// The length out-parameter of pd_exec_result_stdout/stderr, reused: Koffi writes a typed
// array in place (half the cost of a `[0]` array, which it converts both ways). Read at once.
const LEN = koffi.sizeof('size_t') === 8 ? new BigUint64Array(1) : new Uint32Array(1);

/** Copies everything out of a pd_exec_result into a plain object. Does not free it. */
function readResult(r) {
    const outPtr = lib.pd_exec_result_stdout(r, LEN);
    const nOut = Number(LEN[0]);
    const errPtr = lib.pd_exec_result_stderr(r, LEN);
    const nErr = Number(LEN[0]);
    const exitCode = lib.pd_exec_result_exit_code(r);
    const timedOut = lib.pd_exec_result_timed_out(r);
    const truncated = lib.pd_exec_result_truncated(r);
    const known = (v) => (Number(v) < 0 ? null : Number(v)); // -1: unknown (engine-exec runs)
    return {
        exitCode,
        // No output, the common case: no text to ask the library for (two calls fewer).
        stdout: nOut === 0 ? '' : (lib.pd_exec_result_stdout_text(r) ?? ''),
        stderr: nErr === 0 ? '' : (lib.pd_exec_result_stderr_text(r) ?? ''),
        stdoutBytes: copyBytes(outPtr, nOut),
        stderrBytes: copyBytes(errPtr, nErr),
        durationMs: Number(lib.pd_exec_result_duration_ms(r)),
        timedOut,
        truncated,
        signal: lib.pd_exec_result_signal(r),
        oomKilled: lib.pd_exec_result_oom_killed(r),
        cpuUserUs: known(lib.pd_exec_result_cpu_user_us(r)),
        cpuSysUs: known(lib.pd_exec_result_cpu_sys_us(r)),
        peakRssBytes: known(lib.pd_exec_result_peak_rss_bytes(r)),
        ok: exitCode === 0 && !timedOut && !truncated,
    };
}

class Container {
    /** Use Client#createContainer() / openContainer() / resumeContainer(). */
    constructor(ptr, token, client) {
        if (token !== CREATE_TOKEN) throw new TypeError('use client.createContainer() to make a Container');
        this._handle = new NativeHandle(ptr, lib.pd_container_free, 'container');
        // Both strings are owned by the handle; copy them once.
        this._name = lib.pd_container_name(ptr);
        this._id = lib.pd_container_id(ptr);
        // Held so the Client (and its engineInfo) lives as long as its containers in JS; the
        // C side keeps its own reference, so closing the client does not break this one.
        this._client = client;
        // The default run timeout the library recorded for the sandbox (also for an opened or
        // resumed one): what Session#sendAndWait passes when given none.
        this._timeoutMs = Number(lib.pd_container_timeout_ms(ptr));
        this._shutdown = null;
        this._closing = null;
    }

    /** The Client this container was made from. */
    get client() {
        return this._client;
    }

    get name() {
        return this._name;
    }

    get id() {
        return this._id;
    }

    /** True when runs go through the in-sandbox agent (false: engine exec). */
    get usesAgent() {
        return lib.pd_container_uses_agent(this._handle.ptr());
    }

    /** True once close() was called. */
    get closed() {
        return this._handle.released;
    }

    /**
     * Runs `command` and waits for it. A string goes through the shell (`lang`); an array of
     * strings is an argv run without a shell. No thread waits while the command runs: the
     * library pushes the end (pd_run_async) or, with `onStdout` / `onStderr` (each chunk as
     * it comes) or `signal`, the output of a stream (pd_stream_set_callbacks). Aborting
     * kills the command (and everything it started) in the sandbox and rejects with
     * AbortError once it is gone.
     *
     * Not an async function: the plain run returns the promise its end settles, so that end
     * reaches the caller in one microtask instead of a chain of awaits (each is a few µs on a
     * run's critical path, and `run('true')` takes under 2 ms). Errors still come as a
     * rejection, never a throw.
     */
    run(command, opts) {
        try {
            const signal = abortSignal(opts?.signal);
            if (signal?.aborted) throw abortError(signal);
            const onStdout = outputCallback(opts?.onStdout, 'onStdout');
            const onStderr = outputCallback(opts?.onStderr, 'onStderr');
            if (!signal && !onStdout && !onStderr) return this._runAsync(command, opts);
            return this._runStreamed(command, opts, signal, onStdout, onStderr);
        } catch (e) {
            return Promise.reject(e);
        }
    }

    /** run() with live output or a signal: a stream whose chunks and end the library pushes. */
    async _runStreamed(command, opts, signal, onStdout, onStderr) {
        const ptr = await this._start(command, opts, lib.pd_run_stream, lib.pd_run_stream_argv);
        const out = [];
        const err = [];
        let thrown = null;
        /** @type {RunStream} */
        let s;
        const onChunk = (stream, data) => {
            (stream === 'stderr' ? err : out).push(data);
            const cb = stream === 'stderr' ? onStderr : onStdout;
            if (!cb || thrown) return;
            try {
                cb(data);
            } catch (e) {
                thrown = { e }; // the run is cancelled and rejects with it
                s?.cancel();
            }
        };
        s = new RunStream(ptr, readResult, signal, { onChunk, queue: false });
        if (thrown) s.cancel();
        const r = await s.result();
        if (thrown) throw thrown.e;
        const stdoutBytes = out.length === 1 ? out[0] : Buffer.concat(out);
        const stderrBytes = err.length === 1 ? err[0] : Buffer.concat(err);
        return {
            ...r,
            stdout: stdoutBytes.toString('utf8'),
            stderr: stderrBytes.toString('utf8'),
            stdoutBytes,
            stderrBytes,
        };
    }

    /**
     * run() without live output or signal: one pd_run_async, whose end the library pushes.
     * Returns its promise (throws when the call cannot start: run() turns that into a
     * rejection). The container stays alive until the end arrived (enter/leave).
     */
    _runAsync(command, opts) {
        const argv = parseCommand(command);
        const ro = buildRunOpts(opts);
        try {
            const c = this._handle.enter();
            const leave = () => this._handle.leave();
            return argv
                ? runAsync(lib.pd_run_argv_async, [c, argv, argv.length, ro], readResult, leave)
                : runAsync(lib.pd_run_async, [c, command, ro], readResult, leave);
        } finally {
            // The library copies the options when the run starts.
            if (ro) lib.pd_run_opts_free(ro);
        }
    }

    /** Starts a command through `fnShell` / `fnArgv` (blocking C calls); resolves with the new handle. */
    async _start(command, opts, fnShell, fnArgv) {
        const argv = parseCommand(command);
        const ro = buildRunOpts(opts);
        try {
            return await this._handle.use(async (c) => {
                const out = [null];
                if (argv) await callBlocking(fnArgv, c, argv, argv.length, ro, out);
                else await callBlocking(fnShell, c, command, ro, out);
                return out[0];
            });
        } finally {
            if (ro) lib.pd_run_opts_free(ro);
        }
    }

    /**
     * Starts `command` (string or argv array) and resolves once it runs, with a RunStream of
     * its output: `for await (const { stream, data } of s)`, then `await s.result()`.
     * Timeout and output cap apply as in run(). With `signal`, aborting kills the command
     * and the stream's reads reject with AbortError once it is gone.
     */
    async stream(command, opts) {
        const signal = abortSignal(opts?.signal);
        if (signal?.aborted) throw abortError(signal);
        const ptr = await this._start(command, opts, lib.pd_run_stream, lib.pd_run_stream_argv);
        return new RunStream(ptr, readResult, signal);
    }

    /**
     * Starts `command` (string or argv array) in the background (needs the agent) and
     * resolves with its Process. `bufferSize` sets the output ring kept in the sandbox;
     * `pollMs` how often events are pulled. The timeout applies only if given; closing the
     * Process handle does not stop it.
     */
    async spawn(command, opts) {
        const { pollMs, runOpts } = splitSpawnOpts(opts);
        const start = async () => {
            const ptr = await this._start(command, runOpts, lib.pd_process_spawn, lib.pd_process_spawn_argv);
            return new Process(ptr, readResult, { pollMs });
        };
        // A process started after an abort is killed.
        return abortable(runOpts?.signal, start, (p) => p.kill().finally(() => p.close()));
    }

    /** Attaches to detached process `id` of this sandbox, whoever started it. */
    async attach(id, { pollMs, signal } = {}) {
        int(id, 'id', 0, U32);
        if (pollMs !== undefined) int(pollMs, 'pollMs', 1, SAFE);
        const attach = async () => {
            const ptr = await this._handle.use(async (c) => {
                const out = [null];
                await callBlocking(lib.pd_process_attach, c, id, out);
                return out[0];
            });
            return new Process(ptr, readResult, { pollMs });
        };
        return abortable(signal, attach, (p) => p.close());
    }

    /**
     * Opens a persistent shell (bash, else sh; needs the agent). `env`, `workdir` and `user`
     * of `opts` apply to it. Close it with close() / `await using`.
     */
    async session(opts) {
        const open = async () => {
            const ro = buildRunOpts(opts);
            try {
                const ptr = await this._handle.use(async (c) => {
                    const out = [null];
                    await callBlocking(lib.pd_session_open, c, ro, out);
                    return out[0];
                });
                return new Session(ptr, readResult, str, this._timeoutMs);
            } finally {
                if (ro) lib.pd_run_opts_free(ro);
            }
        };
        return abortable(opts?.signal, open, (sh) => sh.close());
    }

    /**
     * Inspects the sandbox: state, uptime, memory, CPU (two samples 250 ms apart), pids,
     * network, ports, processes. Works on stopped containers (live figures are null). The
     * library's snake_case keys become camelCase.
     */
    info({ signal } = {}) {
        return abortable(signal, () =>
            this._handle.use(async (c) => {
                const out = [null];
                await callBlocking(lib.pd_container_info_json, c, out);
                return camelKeys(JSON.parse(/** @type {string} */ (takeString(out[0]))));
            }),
        );
    }

    /** The instance directory of a project's sandbox; rejects with FileNotFoundError when it
     *  belongs to no project. */
    instanceDir() {
        return this._handle.use(async (c) => {
            const out = [null];
            callSync(lib.pd_container_instance_dir, c, out);
            return /** @type {string} */ (takeString(out[0]));
        });
    }

    /** The sandbox's detached processes (running and recently finished). */
    processes({ signal } = {}) {
        return abortable(signal, () => this._handle.use(async (c) => {
            const out = [null];
            await callBlocking(lib.pd_container_list_processes, c, out);
            const l = out[0];
            try {
                const n = Number(lib.pd_process_list_len(l));
                return Array.from({ length: n }, (_, i) => {
                    const running = lib.pd_process_list_running(l, i);
                    return {
                        id: lib.pd_process_list_id(l, i),
                        pid: lib.pd_process_list_pid(l, i),
                        running,
                        exitCode: running ? null : lib.pd_process_list_exit_code(l, i),
                    };
                });
            } finally {
                lib.pd_process_list_free(l);
            }
        }));
    }

    /**
     * Shuts the sandbox down: an ephemeral one is removed, a persistent one stopped.
     * Idempotent; the handle stays usable for name/id. A no-op after close().
     */
    /**
     * SIGKILLs every process in the sandbox except its init; resolves to how many it killed.
     * Runs in progress, detached processes and sessions end as killed. Through the agent it
     * starts no process, so it recovers a sandbox whose pids limit a fork bomb holds.
     */
    async killAll({ signal } = {}) {
        const out = [0];
        await abortable(signal, () => this._handle.use((c) => callBlocking(lib.pd_container_kill_all, c, out)));
        return out[0];
    }

    async shutdown({ signal } = {}) {
        if (this._handle.released) return;
        await abortable(signal, () => this._handle.use((c) => callBlocking(lib.pd_container_shutdown, c)));
    }

    /**
     * Frees the native handle WITHOUT shutting the sandbox down (e.g. a persistent or opened
     * container that should keep running). Idempotent; close() afterwards does nothing.
     */
    release() {
        this._closing ??= Promise.resolve();
        this._handle.release();
    }

    /** Shuts the sandbox down and frees the handle. Idempotent. */
    close() {
        this._closing ??= (async () => {
            try {
                await this.shutdown();
            } finally {
                this._handle.release();
            }
        })();
        return this._closing;
    }

    [Symbol.asyncDispose]() {
        return this.close();
    }

    toString() {
        return `Container(${this._name})`;
    }

    [Symbol.for('nodejs.util.inspect.custom')]() {
        return `Container { name: ${JSON.stringify(this._name)}, id: ${JSON.stringify(this._id)}${this.closed ? ', closed' : ''} }`;
    }
}

Object.assign(Container.prototype, fileMethods(str, bytes));

const CREATE_TOKEN = Symbol('Container.create');

module.exports = { Container, readResult, CREATE_TOKEN };
