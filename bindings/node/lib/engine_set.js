'use strict';
// EngineSet: several engines to create single sandboxes on (pd_engine_set_*; docs/pool.md).
// createContainer() goes to the least loaded engine that answers. (A Pool takes its engines
// in createPool({ engines }).)

const { lib } = require('./ffi');
const { callSync, callBlocking } = require('./call');
const { NativeHandle } = require('./handle');
const { Container, CREATE_TOKEN } = require('./container');
const { Client } = require('./client');
const { abortable } = require('./abort');
const { checkKeys, int, U32, buildContainerOpts } = require('./options');

const ENGINE_KEYS = new Set(['client', 'weight', 'limit']);
const SIZE_MAX = 2 ** 32 - 1;

class EngineSet {
    /**
     * A set of engines, in order: `[{ client, weight = 1, limit = 0 }, ...]` (`weight`: its
     * share of the sandboxes relative to the others; `limit`: most running pocketdock
     * containers on it, 0 none). Does no I/O.
     */
    constructor(engines) {
        if (!Array.isArray(engines) || engines.length === 0) {
            throw new TypeError('an EngineSet needs an array of at least one engine');
        }
        const checked = engines.map((e) => {
            checkKeys(e, ENGINE_KEYS, 'engine');
            if (!(e.client instanceof Client)) throw new TypeError('an engine needs a Client');
            return {
                client: e.client,
                weight: int(e.weight ?? 1, 'weight', 1, U32),
                limit: int(e.limit ?? 0, 'limit', 0, SIZE_MAX),
            };
        });
        const ptr = lib.pd_engine_set_new();
        if (!ptr) throw new Error('pocketdock: out of memory');
        try {
            for (const e of checked) {
                callSync(lib.pd_engine_set_add, ptr, e.client._handle.ptr(), e.weight, e.limit);
            }
        } catch (err) {
            lib.pd_engine_set_free(ptr);
            throw err;
        }
        this._handle = new NativeHandle(ptr, lib.pd_engine_set_free, 'engine set');
        // Held so each created Container can name its engine's Client.
        this._clients = checked.map((e) => e.client);
    }

    /** True once close() was called. */
    get closed() {
        return this._handle.released;
    }

    /**
     * Creates and starts one sandbox on the least loaded engine of the set (the fewest running
     * pocketdock containers per unit of weight, among those under their limit), passing over
     * engines that do not answer. The Container's `client` is that engine's Client. Options
     * as for Client#createContainer (including `signal`).
     */
    async createContainer(opts = {}) {
        const create = async () => {
            const o = buildContainerOpts(opts);
            const out = [null];
            const index = [0];
            try {
                await this._handle.use((s) => callBlocking(lib.pd_engine_set_create, s, o, out, index));
            } finally {
                lib.pd_container_opts_free(o);
            }
            return new Container(out[0], CREATE_TOKEN, this._clients[Number(index[0])]);
        };
        // A sandbox created after an abort is removed.
        return abortable(opts.signal, create, (box) => box.close());
    }

    /** Frees the set; sandboxes created on it stay valid. Idempotent. */
    close() {
        if (!this._handle.released) this._handle.release();
    }

    [Symbol.dispose]() {
        this.close();
    }
}

module.exports = { EngineSet };
