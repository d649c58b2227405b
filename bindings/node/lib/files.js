'use strict';
// Files in a sandbox: write/read/list/push/pull (pd_file_*), all blocking, all async here.
// Installed on Container.prototype by container.js.

const { lib } = require('./ffi');
const { callBlocking, copyBytes } = require('./call');
const { abortable } = require('./abort');

// pd_file_kind (include/pocketdock.h).
const FILE_KINDS = Object.freeze({
    0: 'unknown', // PD_FILE_KIND_UNKNOWN
    1: 'file', // PD_FILE_KIND_FILE
    2: 'dir', // PD_FILE_KIND_DIR
    3: 'symlink', // PD_FILE_KIND_SYMLINK
    4: 'other', // PD_FILE_KIND_OTHER: a device, fifo or socket
});

/** Copies a pd_bytes into a Buffer. Does not free it. */
function readBytes(b) {
    const len = Number(lib.pd_bytes_len(b));
    return copyBytes(lib.pd_bytes_data(b, null), len);
}

/**
 * @param {(v: unknown, what: string, nullable?: boolean) => string | null} str
 * @param {(v: unknown, what: string) => Buffer} bytes
 */
function fileMethods(str, bytes) {
    return {
        /** Writes `data` (string as UTF-8, or bytes) to `path`, creating parent directories. */
        async writeFile(path, data, { signal } = {}) {
            str(path, 'path');
            const buf = bytes(data, 'data');
            await abortable(signal, () =>
                this._handle.use((c) => callBlocking(lib.pd_file_write, c, path, buf.length ? buf : null, buf.length)),
            );
        },

        /** Reads the file at `path`: a Buffer, or a string when `encoding` is given. */
        async readFile(path, encodingOrOpts) {
            str(path, 'path');
            const { encoding, signal } =
                typeof encodingOrOpts === 'object' && encodingOrOpts !== null ? encodingOrOpts : { encoding: encodingOrOpts, signal: undefined };
            if (encoding !== undefined && !Buffer.isEncoding(encoding)) throw new TypeError(`unknown encoding ${encoding}`);
            const data = await abortable(signal, () => this._handle.use(async (c) => {
                const out = [null];
                await callBlocking(lib.pd_file_read, c, path, out);
                try {
                    return readBytes(out[0]);
                } finally {
                    lib.pd_bytes_free(out[0]);
                }
            }));
            return encoding === undefined ? data : data.toString(encoding);
        },

        /** Lists the directory at `path` (default: the working directory), sorted by name. */
        async listFiles(path = '.', { signal } = {}) {
            str(path, 'path');
            return abortable(signal, () => this._handle.use(async (c) => {
                const out = [null];
                await callBlocking(lib.pd_file_list, c, path, out);
                const l = out[0];
                try {
                    const n = Number(lib.pd_file_list_len(l));
                    return Array.from({ length: n }, (_, i) => ({
                        name: lib.pd_file_list_name(l, i),
                        kind: FILE_KINDS[lib.pd_file_list_kind(l, i)] ?? 'unknown',
                        size: Number(lib.pd_file_list_size(l, i)),
                        mode: lib.pd_file_list_mode(l, i),
                    }));
                } finally {
                    lib.pd_file_list_free(l);
                }
            }));
        },

        /** Copies host file or directory `hostSrc` to `dest` in the sandbox (docker cp rules). */
        async push(hostSrc, dest, { signal } = {}) {
            str(hostSrc, 'hostSrc');
            str(dest, 'dest');
            await abortable(signal, () => this._handle.use((c) => callBlocking(lib.pd_file_push, c, hostSrc, dest)));
        },

        /** Copies sandbox file or directory `src` to `hostDest` (hostile archives contained). */
        async pull(src, hostDest, { signal } = {}) {
            str(src, 'src');
            str(hostDest, 'hostDest');
            await abortable(signal, () => this._handle.use((c) => callBlocking(lib.pd_file_pull, c, src, hostDest)));
        },
    };
}

module.exports = { fileMethods, FILE_KINDS };
