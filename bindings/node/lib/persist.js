'use strict';
// Persistent sandboxes by name (resume, stop, destroy, list, prune) and a sandbox's reboot and
// snapshot (pd_container_resume/_stop_by_name/_destroy/_list*/_reboot/_snapshot, pd_prune).
// Every engine call is blocking in C, so all of them are async here. reboot()/snapshot() are
// installed on Container.prototype below.

const { lib } = require('./ffi');
const { callBlocking, takeString } = require('./call');
const { Container, CREATE_TOKEN, str } = require('./container');

/** `{ socket }` -> the C socket argument (null: POCKETDOCK_SOCKET, then discovery). */
function socketOf(opts, what) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${what} options must be an object`);
    return opts.socket === undefined ? null : str(opts.socket, 'socket', true);
}

function projectOf(opts) {
    return opts.project === undefined ? null : str(opts.project, 'project', true);
}

/**
 * Starts the stopped pocketdock container named exactly `name` (e.g. a persistent one after
 * shutdown()), or takes the running one. Files are as they were. Rejects with
 * ContainerNotFoundError if no pocketdock container has that exact name.
 */
async function resumeContainer(name, opts = {}) {
    str(name, 'name');
    const sock = socketOf(opts, 'resumeContainer');
    const out = [null];
    await callBlocking(lib.pd_container_resume, sock, name, out);
    return new Container(out[0], CREATE_TOKEN);
}

/** Stops the pocketdock container named exactly `name` and keeps it. */
async function stopContainer(name, opts = {}) {
    str(name, 'name');
    await callBlocking(lib.pd_container_stop_by_name, socketOf(opts, 'stopContainer'), name);
}

/** Removes the pocketdock container named exactly `name` at once, running or not. */
async function destroyContainer(name, opts = {}) {
    str(name, 'name');
    await callBlocking(lib.pd_container_destroy, socketOf(opts, 'destroyContainer'), name);
}

/** pocketdock's containers, running or stopped; only those of `project` if given. */
async function listContainers(opts = {}) {
    const sock = socketOf(opts, 'listContainers');
    const project = projectOf(opts);
    const out = [null];
    await callBlocking(lib.pd_container_list, sock, project, out);
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
async function prune(opts = {}) {
    const sock = socketOf(opts, 'prune');
    const project = projectOf(opts);
    const out = [0];
    await callBlocking(lib.pd_prune, sock, project, out);
    return Number(out[0]);
}

Object.assign(Container.prototype, {
    /**
     * Reboots the sandbox; it runs afterwards. `fresh: false` (default) restarts it in place,
     * files kept; `fresh: true` recreates it from its recorded options under the same name
     * (new filesystem) and this object follows it (`id` changes).
     */
    async reboot({ fresh = false } = {}) {
        if (typeof fresh !== 'boolean') throw new TypeError('fresh must be a boolean');
        await this._handle.use(async (c) => {
            try {
                await callBlocking(lib.pd_container_reboot, c, fresh);
            } finally {
                this._id = lib.pd_container_id(c);
            }
        });
    },

    /** Commits the sandbox's filesystem to the local image `reference`; resolves to its id. */
    async snapshot(reference) {
        str(reference, 'reference');
        return this._handle.use(async (c) => {
            const out = [null];
            await callBlocking(lib.pd_container_snapshot, c, reference, out);
            return /** @type {string} */ (takeString(out[0]));
        });
    },
});

module.exports = { resumeContainer, stopContainer, destroyContainer, listContainers, prune };
