'use strict';
// Options as plain JS objects, checked and turned into the C builders (pd_container_opts,
// pd_run_opts) for the duration of one call, and the small validators every wrapper uses.
//
// Values are checked here before they reach Koffi: Koffi 3 takes a JS number where a pointer
// is expected (a `name: 5` would become the address 5) and wraps out-of-range integers, and C
// strings end at the first NUL.

const { lib } = require('./ffi');
const { callSync } = require('./call');

const CONTAINER_OPTION_KEYS = new Set([
    'strict', 'image', 'name', 'timeoutMs', 'memLimit', 'cpuPercent', 'network', 'agent', 'readOnly',
    'capDropAll', 'noNewPrivileges', 'pidsLimit', 'user', 'tmpfs', 'persist', 'workdir', 'project',
    'env', 'labels', 'volumes', 'ports', 'devices', 'projectDir', 'ttlMs', 'profile',
    'signal', // used by createContainer, not a C option
]);
const RUN_OPTION_KEYS = new Set(['timeoutMs', 'maxOutput', 'lang', 'env', 'workdir', 'user', 'stdin', 'bufferSize', 'signal', 'onStdout', 'onStderr']);
// Options the JS side handles itself; never turned into C options.
const JS_ONLY_KEYS = new Set(['signal', 'onStdout', 'onStderr']);

// The library's default run timeout (container option `timeoutMs` unset).
const DEFAULT_TIMEOUT_MS = 30_000;

function checkKeys(opts, allowed, what) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${what} must be an object`);
    for (const k of Object.keys(opts)) {
        if (!allowed.has(k)) throw new TypeError(`unknown ${what} key '${k}' (known: ${[...allowed].join(', ')})`);
    }
}

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

/** An optional output callback option (`onStdout` / `onStderr`). */
function outputCallback(v, what) {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'function') throw new TypeError(`${what} must be a function`);
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
    outputCallback(opts.onStdout, 'onStdout');
    outputCallback(opts.onStderr, 'onStderr');
    if (Object.entries(opts).every(([k, v]) => v === undefined || JS_ONLY_KEYS.has(k))) return null;
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

module.exports = {
    DEFAULT_TIMEOUT_MS,
    U32,
    SAFE,
    checkKeys,
    str,
    int,
    bool,
    timeout,
    abortSignal,
    outputCallback,
    bytes,
    buildContainerOpts,
    buildRunOpts,
    camelKeys,
    parseCommand,
    splitSpawnOpts,
};
