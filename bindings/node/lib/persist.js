'use strict';
// A sandbox's reboot and snapshot (pd_container_reboot/_snapshot), installed on
// Container.prototype below. Persistent sandboxes by name (resume, stop, destroy, list,
// prune) are Client methods (lib/client.js).

const { lib } = require('./ffi');
const { callBlocking, takeString } = require('./call');
const { abortable } = require('./abort');
const { Container } = require('./container');
const { str } = require('./options');

Object.assign(Container.prototype, {
    /**
     * Reboots the sandbox; it runs afterwards. `fresh: false` (default) restarts it in place,
     * files kept; `fresh: true` recreates it from its recorded options under the same name
     * (new filesystem) and this object follows it (`id` changes).
     */
    async reboot({ fresh = false, signal } = {}) {
        if (typeof fresh !== 'boolean') throw new TypeError('fresh must be a boolean');
        await abortable(signal, () =>
            this._handle.use(async (c) => {
                try {
                    await callBlocking(lib.pd_container_reboot, c, fresh);
                } finally {
                    this._id = lib.pd_container_id(c);
                }
            }),
        );
    },

    /** Commits the sandbox's filesystem to the local image `reference`; resolves to its id. */
    async snapshot(reference, { signal } = {}) {
        str(reference, 'reference');
        return abortable(signal, () =>
            this._handle.use(async (c) => {
                const out = [null];
                await callBlocking(lib.pd_container_snapshot, c, reference, out);
                return /** @type {string} */ (takeString(out[0]));
            }),
        );
    },
});

module.exports = {};
