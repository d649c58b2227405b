'use strict';
// `signal` on calls whose C function cannot be interrupted (connect, create, files, a
// session command...): the promise rejects with AbortError at once, the C call is left to
// finish, and what it produces late is disposed of (a late container is shut down, a late
// handle freed).
// Runs and streams do better: their abort kills the command (lib/container.js, lib/stream.js).

const { abortError } = require('./errors');
const { abortSignal } = require('./options');

/**
 * Runs `start()` (a promise) under `signal`: resolves with its value unless the signal fires
 * first, then rejects with AbortError and hands the value, if it comes, to `dispose`.
 * @template T
 * @param {AbortSignal | null | undefined} signal
 * @param {() => Promise<T>} start
 * @param {(value: T) => unknown} [dispose]
 * @returns {Promise<T>}
 */
async function abortable(signal, start, dispose) {
    const s = abortSignal(signal);
    if (!s) return start();
    if (s.aborted) throw abortError(s);
    const work = start();
    /** @type {() => void} */
    let onAbort = () => {};
    const aborted = new Promise((_, reject) => {
        onAbort = () => reject(abortError(s));
        s.addEventListener('abort', onAbort, { once: true });
    });
    try {
        return await Promise.race([work, aborted]);
    } catch (e) {
        if (s.aborted) {
            work.then(
                (v) => Promise.resolve(dispose?.(v)).catch(() => {}),
                () => {},
            );
        }
        throw e;
    } finally {
        s.removeEventListener('abort', onAbort);
    }
}

module.exports = { abortable };
