'use strict';
// Client: one connection to one engine (pd_client). connect() finds the engine once (an
// explicit socket is used and no other); everything that talks to the engine without a
// container (create, open, resume, stop, destroy, list, prune, images, doctor) hangs off it.
// A Container made from a client keeps a reference to it, and the C side holds what it needs
// too, so closing a client never breaks its containers.

const { lib } = require('./ffi');
const { callSync, callBlocking } = require('./call');
const { NativeHandle } = require('./handle');
const { Container, CREATE_TOKEN } = require('./container');
const { abortable } = require('./abort');
const { buildContainerOpts, str, timeout, checkKeys } = require('./options');
const { REMOTE_KEYS, applyRemoteOptions } = require('./remote');

// Node 20.0 lacks it (added in 20.4 / 18.18).
// @ts-ignore -- assigning a well-known symbol on purpose
Symbol.dispose ??= Symbol('Symbol.dispose');

// pd_engine_kind (include/pocketdock.h).
const ENGINE_KINDS = Object.freeze({
    1: 'docker', // PD_ENGINE_DOCKER
    2: 'podman', // PD_ENGINE_PODMAN
});

const CONNECT_KEYS = new Set(['socket', 'connectTimeoutMs', 'requestTimeoutMs', 'projectDir', 'signal', ...REMOTE_KEYS]);

/** Builds a pd_client_opts from a plain object; the caller frees it. */
function buildClientOpts(opts) {
    checkKeys(opts, CONNECT_KEYS, 'connect option');
    const o = lib.pd_client_opts_new();
    if (!o) throw new Error('pocketdock: out of memory');
    try {
        // An explicit socket wins over the project's in either order (set_project_dir keeps a
        // socket already set, set_socket replaces one); this order reads like the rule.
        if (opts.socket !== undefined && opts.socket !== null) {
            callSync(lib.pd_client_opts_set_socket, o, str(opts.socket, 'socket'));
        }
        applyRemoteOptions(o, opts);
        if (opts.projectDir !== undefined && opts.projectDir !== null) {
            callSync(lib.pd_client_opts_set_project_dir, o, str(opts.projectDir, 'projectDir'));
        }
        if (opts.connectTimeoutMs !== undefined) {
            // The timeout rule: > 0 a limit, < 0 no limit, 0 InvalidArgumentError (from C).
            callSync(lib.pd_client_opts_set_connect_timeout_ms, o, timeout(opts.connectTimeoutMs, 'connectTimeoutMs'));
        }
        if (opts.requestTimeoutMs !== undefined) {
            // How long the engine may stay silent on one request (docs/engines.md).
            callSync(lib.pd_client_opts_set_request_timeout_ms, o, timeout(opts.requestTimeoutMs, 'requestTimeoutMs'));
        }
        return o;
    } catch (e) {
        lib.pd_client_opts_free(o);
        throw e;
    }
}

function projectOf(opts) {
    return opts.project === undefined ? null : str(opts.project, 'project', true);
}

function options(opts, allowed, what) {
    checkKeys(opts, new Set(allowed), `${what} option`);
    return opts;
}

class Client {
    /** Use connect(). */
    constructor(ptr, token) {
        if (token !== CREATE_TOKEN) throw new TypeError('use connect() to make a Client');
        // Read before the handle owns the pointer: if this throws, connect() frees it.
        const info = {};
        callSync(lib.pd_client_engine_info, ptr, info);
        this._handle = new NativeHandle(ptr, lib.pd_client_free, 'client');
        /** What the engine said about itself when the client connected. */
        this.engineInfo = Object.freeze({
            kind: ENGINE_KINDS[info.kind] ?? `unknown(${info.kind})`,
            version: info.version ?? '',
            apiVersion: info.api_version ?? '',
            socket: info.socket ?? '',
        });
    }

    /** True once close() was called. */
    get closed() {
        return this._handle.released;
    }

    /** Runs a blocking C call with the client pointer as its first argument. */
    _call(fn, ...args) {
        return this._handle.use((c) => callBlocking(fn, c, ...args));
    }

    /** Creates and starts a sandbox on this client's engine. */
    async createContainer(opts = {}) {
        const create = async () => {
            const o = buildContainerOpts(opts);
            const out = [null];
            try {
                await this._call(lib.pd_container_create, o, out);
            } finally {
                lib.pd_container_opts_free(o);
            }
            return new Container(out[0], CREATE_TOKEN, this);
        };
        // A sandbox created after an abort is removed.
        return abortable(opts.signal, create, (box) => box.close());
    }

    /**
     * Opens a handle on an existing container by name or id (e.g. one another process
     * created). close() shuts it down like any container; release() just lets go of it.
     */
    async openContainer(nameOrId, { signal } = {}) {
        str(nameOrId, 'nameOrId');
        const open = async () => {
            const out = [null];
            await this._call(lib.pd_container_open, nameOrId, out);
            return new Container(out[0], CREATE_TOKEN, this);
        };
        return abortable(signal, open, (box) => box.release());
    }

    /**
     * Starts the stopped pocketdock container named exactly `name` (e.g. a persistent one
     * after shutdown()), or takes the running one. Files are as they were. Rejects with
     * ContainerNotFoundError if no pocketdock container has that exact name.
     */
    async resumeContainer(name, { signal } = {}) {
        str(name, 'name');
        const resume = async () => {
            const out = [null];
            await this._call(lib.pd_container_resume, name, out);
            return new Container(out[0], CREATE_TOKEN, this);
        };
        return abortable(signal, resume, (box) => box.release());
    }

    /** Stops the pocketdock container named exactly `name` and keeps it. */
    async stopContainer(name, { signal } = {}) {
        str(name, 'name');
        await abortable(signal, () => this._call(lib.pd_container_stop_by_name, name));
    }

    /** Removes the pocketdock container named exactly `name` at once, running or not. */
    async destroyContainer(name, { signal } = {}) {
        str(name, 'name');
        await abortable(signal, () => this._call(lib.pd_container_destroy, name));
    }

    /** pocketdock's containers, running or stopped; only those of `project` if given. */
    async listContainers(opts = {}) {
        const project = projectOf(options(opts, ['project', 'signal'], 'listContainers'));
        const out = [null];
        await abortable(opts.signal, () => this._call(lib.pd_container_list, project, out), () => {
            if (out[0]) lib.pd_container_list_free(out[0]);
        });
        const l = out[0];
        try {
            const n = Number(lib.pd_container_list_len(l));
            return Array.from({ length: n }, (_, i) => ({
                name: lib.pd_container_list_name(l, i),
                id: lib.pd_container_list_id(l, i),
                image: lib.pd_container_list_image(l, i),
                status: lib.pd_container_list_status(l, i),
                persist: lib.pd_container_list_persist(l, i),
                project: lib.pd_container_list_project(l, i) ?? null,
                createdAt: lib.pd_container_list_created_at(l, i),
            }));
        } finally {
            lib.pd_container_list_free(l);
        }
    }

    /** Removes every stopped pocketdock container (of `project` if given); resolves to the count. */
    async prune(opts = {}) {
        const project = projectOf(options(opts, ['project', 'signal'], 'prune'));
        const out = [0];
        await abortable(opts.signal, () => this._call(lib.pd_prune, project, out));
        return Number(out[0]);
    }

    /** Frees the client. Containers made from it stay usable. Idempotent. */
    close() {
        this._handle.release();
    }

    [Symbol.dispose]() {
        this.close();
    }

    toString() {
        return `Client(${this.engineInfo.kind} ${this.engineInfo.version} at ${this.engineInfo.socket})`;
    }

    [Symbol.for('nodejs.util.inspect.custom')]() {
        return `Client { ${Object.entries(this.engineInfo)
            .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
            .join(', ')}${this.closed ? ', closed' : ''} }`;
    }
}

/**
 * Connects to an engine: `socket` (a path or unix://path), else the project's socket
 * (`projectDir`), else POCKETDOCK_SOCKET, else discovery. An explicit socket (option or
 * environment) that does not answer rejects with EngineNotFoundError naming it; no other
 * engine is tried.
 * @param {{ socket?: string | null, connectTimeoutMs?: number, requestTimeoutMs?: number, projectDir?: string | null }} [opts]
 */
async function connect(opts = {}) {
    const open = async () => {
        const o = buildClientOpts(opts);
        const out = [null];
        try {
            await callBlocking(lib.pd_client_open, o, out);
        } finally {
            lib.pd_client_opts_free(o);
        }
        try {
            return new Client(out[0], CREATE_TOKEN);
        } catch (e) {
            // engine info cannot fail on a fresh client; if it did, do not leak the handle
            if (out[0]) lib.pd_client_free(out[0]);
            throw e;
        }
    };
    return abortable(opts.signal, open, (client) => client.close());
}

module.exports = { Client, connect, ENGINE_KINDS };
