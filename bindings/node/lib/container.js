'use strict';
// Container: a sandbox handle. Options are plain objects turned into the C builders for the
// duration of one call; results are plain objects copied out of the C result, which is freed
// before the promise resolves.

const { lib } = require('./ffi');
const { callSync, callBlocking, copyBytes, takeString } = require('./call');
const { NativeHandle } = require('./handle');
const { RunStream } = require('./stream');
const { Process } = require('./process');
const { fileMethods } = require('./files');
const { Session } = require('./session');
const { abortError } = require('./errors');

// Node 20 defines it; older runtimes and some bundlers do not.
// @ts-ignore -- assigning a well-known symbol on purpose
Symbol.asyncDispose ??= Symbol('Symbol.asyncDispose');

const CONTAINER_OPTION_KEYS = new Set([
    'strict', 'image', 'name', 'timeoutMs', 'memLimit', 'cpuPercent', 'network', 'agent', 'readOnly',
    'capDropAll', 'noNewPrivileges', 'pidsLimit', 'user', 'tmpfs', 'persist', 'workdir', 'project',
    'env', 'labels', 'volumes', 'ports', 'devices', 'projectDir', 'ttlMs', 'profile',
]);
const RUN_OPTION_KEYS = new Set(['timeoutMs', 'maxOutput', 'lang', 'env', 'workdir', 'user', 'stdin', 'bufferSize', 'signal']);

// The library's default run timeout (container option `timeoutMs` unset).
const DEFAULT_TIMEOUT_MS = 30_000;

function checkKeys(opts, allowed, what) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${what} must be an object`);
    for (const k of Object.keys(opts)) {
        if (!allowed.has(k)) throw new TypeError(`unknown ${what} key '${k}' (known: ${[...allowed].join(', ')})`);
    }
}

// Values are checked here before they reach Koffi: Koffi 3 takes a JS number where a pointer
// is expected (a `name: 5` would become the address 5) and wraps out-of-range integers, and C
// strings end at the first NUL.

function str(v, what, nullable = false) {
    if (v === null && nullable) return null;
    if (typeof v !== 'string') throw new TypeError(`${what} must be a string${nullable ? ' or null' : ''}`);
    if (v.includes('\0')) throw new TypeError(`${what} must not contain NUL characters`);
    return v;
}

function int(v, what, min, max) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        throw new TypeError(`${what} must be an integer in [${min}, ${max}]`);
    }
    return v;
}

function bool(v, what) {
    if (typeof v !== 'boolean') throw new TypeError(`${what} must be a boolean`);
    return v;
}

function list(v, what) {
    if (!Array.isArray(v)) throw new TypeError(`${what} must be an array`);
    return v;
}

function record(v, what) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`${what} must be an object`);
    return Object.entries(v).map(([k, val]) => [str(k, `${what} key`), str(String(val), `${what}.${k}`)]);
}

const U32 = 0xffff_ffff;
const SAFE = Number.MAX_SAFE_INTEGER;

/** A `*_timeout_ms` value: an integer (the C side applies the one timeout rule). */
function timeout(v, what) {
    return int(v, what, -SAFE, SAFE);
}

/** An optional AbortSignal option. */
function abortSignal(v) {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'object' || typeof v.aborted !== 'boolean' || typeof v.addEventListener !== 'function') {
        throw new TypeError('signal must be an AbortSignal');
    }
    return v;
}

/** Builds a pd_container_opts from a plain object; the caller frees it. */
function buildContainerOpts(opts) {
    checkKeys(opts, CONTAINER_OPTION_KEYS, 'container option');
    const o = lib.pd_container_opts_new();
    if (!o) throw new Error('pocketdock: out of memory');
    try {
        const set = (fn, ...args) => callSync(fn, o, ...args);
        // The project first (its default profile, persist, /data), then the profile (image,
        // network default), then the preset, so explicit options refine all three
        // ({ projectDir, profile: 'dev', network: false }).
        if (opts.projectDir !== undefined) set(lib.pd_container_opts_set_project_dir, str(opts.projectDir, 'projectDir'));
        if (opts.profile !== undefined) set(lib.pd_container_opts_set_profile, str(opts.profile, 'profile'));
        // The preset first, so explicit options refine it ({ strict: true, network: true }).
        if (opts.strict !== undefined && bool(opts.strict, 'strict')) set(lib.pd_container_opts_use_strict);
        if (opts.image !== undefined) set(lib.pd_container_opts_set_image, str(opts.image, 'image'));
        if (opts.name !== undefined) set(lib.pd_container_opts_set_name, str(opts.name, 'name', true));
        // The timeout rule: > 0 a limit, < 0 no limit, 0 InvalidArgumentError (from C).
        if (opts.timeoutMs !== undefined) set(lib.pd_container_opts_set_timeout_ms, timeout(opts.timeoutMs, 'timeoutMs'));
        if (opts.memLimit !== undefined) set(lib.pd_container_opts_set_mem_limit, str(opts.memLimit, 'memLimit', true));
        if (opts.cpuPercent !== undefined) {
            set(lib.pd_container_opts_set_cpu_percent, int(opts.cpuPercent, 'cpuPercent', 0, U32));
        }
        if (opts.network !== undefined) set(lib.pd_container_opts_set_network, bool(opts.network, 'network'));
        if (opts.agent !== undefined) set(lib.pd_container_opts_set_agent, bool(opts.agent, 'agent'));
        if (opts.readOnly !== undefined) set(lib.pd_container_opts_set_read_only, bool(opts.readOnly, 'readOnly'));
        if (opts.capDropAll !== undefined) set(lib.pd_container_opts_set_cap_drop_all, bool(opts.capDropAll, 'capDropAll'));
        if (opts.noNewPrivileges !== undefined) {
            set(lib.pd_container_opts_set_no_new_privileges, bool(opts.noNewPrivileges, 'noNewPrivileges'));
        }
        if (opts.pidsLimit !== undefined) set(lib.pd_container_opts_set_pids_limit, int(opts.pidsLimit, 'pidsLimit', 0, SAFE));
        if (opts.user !== undefined) set(lib.pd_container_opts_set_user, str(opts.user, 'user', true));
        for (const t of list(opts.tmpfs ?? [], 'tmpfs')) {
            set(lib.pd_container_opts_add_tmpfs, str(t?.path, 'tmpfs[].path'), str(t.options ?? null, 'tmpfs[].options', true));
        }
        if (opts.persist !== undefined) set(lib.pd_container_opts_set_persist, bool(opts.persist, 'persist'));
        if (opts.workdir !== undefined) set(lib.pd_container_opts_set_workdir, str(opts.workdir, 'workdir', true));
        if (opts.project !== undefined) set(lib.pd_container_opts_set_project, str(opts.project, 'project', true));
        if (opts.ttlMs !== undefined) set(lib.pd_container_opts_set_ttl_ms, int(opts.ttlMs, 'ttlMs', 0, SAFE));
        for (const [k, v] of record(opts.env ?? {}, 'env')) set(lib.pd_container_opts_add_env, k, v);
        for (const [k, v] of record(opts.labels ?? {}, 'labels')) set(lib.pd_container_opts_add_label, k, v);
        for (const v of list(opts.volumes ?? [], 'volumes')) {
            set(
                lib.pd_container_opts_add_volume,
                str(v?.hostPath, 'volumes[].hostPath'),
                str(v.containerPath, 'volumes[].containerPath'),
                bool(v.readOnly ?? false, 'volumes[].readOnly'),
            );
        }
        for (const p of list(opts.ports ?? [], 'ports')) {
            set(
                lib.pd_container_opts_add_port,
                int(p?.hostPort, 'ports[].hostPort', 0, 65535),
                int(p.containerPort, 'ports[].containerPort', 0, 65535),
                str(p.protocol ?? null, 'ports[].protocol', true),
            );
        }
        for (const d of list(opts.devices ?? [], 'devices')) set(lib.pd_container_opts_add_device, str(d, 'devices[]'));
        return o;
    } catch (e) {
        lib.pd_container_opts_free(o);
        throw e;
    }
}

/** Stdin as bytes: a string is encoded as UTF-8; Buffers and typed arrays are used as they are. */
function bytes(v, what) {
    if (typeof v === 'string') return Buffer.from(v, 'utf8');
    if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    if (v instanceof ArrayBuffer) return Buffer.from(v);
    throw new TypeError(`${what} must be a string, Buffer, typed array or ArrayBuffer`);
}

/** Builds a pd_run_opts, or returns null when every option is the default. */
function buildRunOpts(opts) {
    if (opts === undefined) return null;
    checkKeys(opts, RUN_OPTION_KEYS, 'run option');
    abortSignal(opts.signal); // used by the caller, not a C option
    if (Object.entries(opts).every(([k, v]) => v === undefined || k === 'signal')) return null;
    const o = lib.pd_run_opts_new();
    if (!o) throw new Error('pocketdock: out of memory');
    try {
        if (opts.timeoutMs !== undefined) {
            callSync(lib.pd_run_opts_set_timeout_ms, o, timeout(opts.timeoutMs, 'timeoutMs'));
        }
        if (opts.maxOutput !== undefined) {
            callSync(lib.pd_run_opts_set_max_output, o, int(opts.maxOutput, 'maxOutput', 0, SAFE));
        }
        if (opts.lang !== undefined) callSync(lib.pd_run_opts_set_lang, o, str(opts.lang, 'lang'));
        for (const [k, v] of record(opts.env ?? {}, 'env')) callSync(lib.pd_run_opts_add_env, o, k, v);
        if (opts.workdir !== undefined) callSync(lib.pd_run_opts_set_workdir, o, str(opts.workdir, 'workdir', true));
        if (opts.user !== undefined) callSync(lib.pd_run_opts_set_user, o, str(opts.user, 'user', true));
        if (opts.bufferSize !== undefined) {
            callSync(lib.pd_run_opts_set_buffer_size, o, int(opts.bufferSize, 'bufferSize', 0, SAFE));
        }
        if (opts.stdin !== undefined && opts.stdin !== null) {
            const data = bytes(opts.stdin, 'stdin');
            // An empty input is passed as (NULL, 0), the ABI's only allowed NULL.
            callSync(lib.pd_run_opts_set_stdin, o, data.length ? data : null, data.length);
        }
        return o;
    } catch (e) {
        lib.pd_run_opts_free(o);
        throw e;
    }
}

/** Deep copy with snake_case object keys turned into camelCase. */
function camelKeys(v) {
    if (Array.isArray(v)) return v.map(camelKeys);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k.replace(/_([a-z0-9])/g, (_, ch) => ch.toUpperCase()), camelKeys(x)]),
    );
}

/** null for a shell command (validated), or the validated argv array. */
function parseCommand(command) {
    if (Array.isArray(command)) {
        if (command.length === 0) throw new TypeError('argv must not be empty');
        return command.map((a, i) => str(a, `argv[${i}]`));
    }
    str(command, 'command');
    return null;
}

function splitSpawnOpts(opts) {
    if (opts === undefined) return { pollMs: undefined, runOpts: undefined };
    if (opts === null || typeof opts !== 'object') throw new TypeError('spawn options must be an object');
    const { pollMs, ...runOpts } = opts;
    if (pollMs !== undefined) int(pollMs, 'pollMs', 1, SAFE);
    return { pollMs, runOpts };
}

/** Copies everything out of a pd_exec_result into a plain object. Does not free it. */
function readResult(r) {
    const outLen = [0];
    const errLen = [0];
    const outPtr = lib.pd_exec_result_stdout(r, outLen);
    const errPtr = lib.pd_exec_result_stderr(r, errLen);
    const exitCode = lib.pd_exec_result_exit_code(r);
    const timedOut = lib.pd_exec_result_timed_out(r);
    const truncated = lib.pd_exec_result_truncated(r);
    const known = (v) => (Number(v) < 0 ? null : Number(v)); // -1: unknown (engine-exec runs)
    return {
        exitCode,
        stdout: lib.pd_exec_result_stdout_text(r) ?? '',
        stderr: lib.pd_exec_result_stderr_text(r) ?? '',
        stdoutBytes: copyBytes(outPtr, Number(outLen[0])),
        stderrBytes: copyBytes(errPtr, Number(errLen[0])),
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
    constructor(ptr, token, client, timeoutMs) {
        if (token !== CREATE_TOKEN) throw new TypeError('use client.createContainer() to make a Container');
        this._handle = new NativeHandle(ptr, lib.pd_container_free, 'container');
        // Both strings are owned by the handle; copy them once.
        this._name = lib.pd_container_name(ptr);
        this._id = lib.pd_container_id(ptr);
        // Held so the Client (and its engineInfo) lives as long as its containers in JS; the
        // C side keeps its own reference, so closing the client does not break this one.
        this._client = client;
        // The default run timeout as this handle knows it (see Session#sendAndWait).
        this._timeoutMs = timeoutMs ?? DEFAULT_TIMEOUT_MS;
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
     * Runs `command` and waits for it (off the main thread). A string goes through the
     * shell (`lang`); an array of strings is an argv run without a shell (pd_run_argv).
     * With `signal`, aborting kills the command (and everything it started) in the sandbox
     * and rejects with AbortError once it is gone.
     */
    async run(command, opts) {
        const signal = abortSignal(opts?.signal);
        if (signal) return this._runAbortable(command, opts);
        const argv = parseCommand(command);
        const ro = buildRunOpts(opts);
        try {
            return await this._handle.use(async (c) => {
                const out = [null];
                if (argv) await callBlocking(lib.pd_run_argv, c, argv, argv.length, ro, out);
                else await callBlocking(lib.pd_run, c, command, ro, out);
                const r = out[0];
                try {
                    return readResult(r);
                } finally {
                    lib.pd_exec_result_free(r);
                }
            });
        } finally {
            if (ro) lib.pd_run_opts_free(ro);
        }
    }

    /**
     * run() with an AbortSignal: a blocking pd_run cannot be interrupted, so the command runs
     * as a stream (same timeout and output cap), its chunks are collected, and an abort is
     * pd_stream_cancel. The result is the same shape as run()'s.
     */
    async _runAbortable(command, opts) {
        const s = await this.stream(command, opts);
        const out = [];
        const err = [];
        try {
            for (let c = await s.nextChunk(); c !== null; c = await s.nextChunk()) {
                (c.stream === 'stderr' ? err : out).push(c.data);
            }
            const r = await s.result();
            const stdoutBytes = Buffer.concat(out);
            const stderrBytes = Buffer.concat(err);
            return {
                ...r,
                stdout: stdoutBytes.toString('utf8'),
                stderr: stderrBytes.toString('utf8'),
                stdoutBytes,
                stderrBytes,
            };
        } finally {
            await s.close();
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
        const ptr = await this._start(command, runOpts, lib.pd_process_spawn, lib.pd_process_spawn_argv);
        return new Process(ptr, readResult, { pollMs });
    }

    /** Attaches to detached process `id` of this sandbox, whoever started it. */
    async attach(id, { pollMs } = {}) {
        int(id, 'id', 0, U32);
        if (pollMs !== undefined) int(pollMs, 'pollMs', 1, SAFE);
        const ptr = await this._handle.use(async (c) => {
            const out = [null];
            await callBlocking(lib.pd_process_attach, c, id, out);
            return out[0];
        });
        return new Process(ptr, readResult, { pollMs });
    }

    /**
     * Opens a persistent shell (bash, else sh; needs the agent). `env`, `workdir` and `user`
     * of `opts` apply to it. Close it with close() / `await using`.
     */
    async session(opts) {
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
    }

    /**
     * Inspects the sandbox: state, uptime, memory, CPU (two samples 250 ms apart), pids,
     * network, ports, processes. Works on stopped containers (live figures are null). The
     * library's snake_case keys become camelCase.
     */
    info() {
        return this._handle.use(async (c) => {
            const out = [null];
            await callBlocking(lib.pd_container_info_json, c, out);
            return camelKeys(JSON.parse(/** @type {string} */ (takeString(out[0]))));
        });
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
    processes() {
        return this._handle.use(async (c) => {
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
        });
    }

    /**
     * Shuts the sandbox down: an ephemeral one is removed, a persistent one stopped.
     * Idempotent; the handle stays usable for name/id. A no-op after close().
     */
    async shutdown() {
        if (this._handle.released) return;
        await this._handle.use((c) => callBlocking(lib.pd_container_shutdown, c));
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

module.exports = {
    Container,
    readResult,
    buildContainerOpts,
    CREATE_TOKEN,
    DEFAULT_TIMEOUT_MS,
    str,
    int,
    timeout,
    abortSignal,
    checkKeys,
};
