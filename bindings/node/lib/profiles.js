'use strict';
// Image profiles (pd_profile_*) and images: building a profile's image, exporting images
// into one archive, importing one, removing and finding images (Client methods, installed on
// Client.prototype below). Build progress is not delivered to JS (the C callback is not
// wrapped, as for processes); the build's outcome is.

const { lib } = require('./ffi');
const { callSync, takeString } = require('./call');
const { Client } = require('./client');
const { abortable } = require('./abort');

function str(v, what, nullable = false) {
    if ((v === null || v === undefined) && nullable) return null;
    if (typeof v !== 'string') throw new TypeError(`${what} must be a string${nullable ? ' or null' : ''}`);
    if (v.includes('\0')) throw new TypeError(`${what} must not contain NUL characters`);
    return v;
}

function checkKeys(opts, allowed, what) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${what} must be an object`);
    for (const k of Object.keys(opts)) {
        if (!allowed.includes(k)) throw new TypeError(`unknown ${what} key '${k}' (known: ${allowed.join(', ')})`);
    }
}

function profileAt(i) {
    return {
        name: lib.pd_profile_name(i),
        image: lib.pd_profile_image(i),
        network: lib.pd_profile_network(i),
        description: lib.pd_profile_description(i),
        size: lib.pd_profile_size(i),
    };
}

/** Every profile, in a stable order (minimal-python first). */
function listProfiles() {
    const n = Number(lib.pd_profile_count());
    return Array.from({ length: n }, (_, i) => profileAt(i));
}

/** The profile called `name`; an unknown name is an InvalidArgumentError naming the known ones. */
function resolveProfile(name) {
    const idx = [0];
    callSync(lib.pd_profile_resolve, str(name, 'name'), idx);
    return profileAt(idx[0]);
}

const BUILD_KEYS = ['base', 'contextDir', 'tag', 'noCache', 'signal'];

Object.assign(Client.prototype, {
    /**
     * Builds the image of `profile` on this client's engine and resolves with the new
     * image's id. Options: base (the BASE build argument), contextDir (instead of the
     * embedded Dockerfile), tag, noCache. A failing step rejects with BuildFailedError
     * carrying the engine's message.
     */
    async buildProfile(profile, opts = {}) {
        checkKeys(opts, BUILD_KEYS, 'build option');
        str(profile, 'profile');
        // The builder is freed once the C call returned, even after an abort.
        const build = async () => {
            const o = lib.pd_build_opts_new();
            if (!o) throw new Error('pocketdock: out of memory');
            try {
                if (opts.base !== undefined) callSync(lib.pd_build_opts_set_base, o, str(opts.base, 'base', true));
                if (opts.contextDir !== undefined) {
                    callSync(lib.pd_build_opts_set_context_dir, o, str(opts.contextDir, 'contextDir', true));
                }
                if (opts.tag !== undefined) callSync(lib.pd_build_opts_set_tag, o, str(opts.tag, 'tag', true));
                if (opts.noCache !== undefined) {
                    if (typeof opts.noCache !== 'boolean') throw new TypeError('noCache must be a boolean');
                    callSync(lib.pd_build_opts_set_no_cache, o, opts.noCache);
                }
                const out = [null];
                await this._call(lib.pd_profile_build, profile, o, null, null, null, out);
                return /** @type {string} */ (takeString(out[0]));
            } finally {
                lib.pd_build_opts_free(o);
            }
        };
        return abortable(opts.signal, build);
    },

    /** Writes `images` into one archive at host path `file` (gzip when it ends in ".gz"). */
    async exportImages(images, file, { signal } = {}) {
        if (!Array.isArray(images)) throw new TypeError('images must be an array of strings');
        images.forEach((i, n) => str(i, `images[${n}]`));
        str(file, 'file');
        await abortable(signal, () => this._call(lib.pd_image_export, images, images.length, file));
    },

    /** Loads every image in the archive at `file` (plain or gzip); resolves with the loaded names. */
    async importImages(file, { signal } = {}) {
        const out = [null];
        str(file, 'file');
        await abortable(signal, () => this._call(lib.pd_image_import, file, out), () => takeString(out[0]));
        return JSON.parse(/** @type {string} */ (takeString(out[0])));
    },

    /** Removes an image; `force` also removes one in use or with several tags. */
    async removeImage(image, opts = {}) {
        checkKeys(opts, ['force', 'signal'], 'removeImage option');
        const force = opts.force ?? false;
        if (typeof force !== 'boolean') throw new TypeError('force must be a boolean');
        str(image, 'image');
        await abortable(opts.signal, () => this._call(lib.pd_image_remove, image, force));
    },

    /** Whether an image of this name or id is on this client's engine. */
    async imageExists(image, { signal } = {}) {
        const out = [false];
        str(image, 'image');
        await abortable(signal, () => this._call(lib.pd_image_exists, image, out));
        return Boolean(out[0]);
    },
});

module.exports = { listProfiles, resolveProfile };
