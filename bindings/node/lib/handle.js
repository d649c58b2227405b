'use strict';
// Ownership of C handles from JS.
//
// A NativeHandle owns one pointer and the C function that frees it. It is freed exactly once:
// by release() (close(), Symbol.asyncDispose), or, if the user forgot, by the
// FinalizationRegistry after the wrapper was garbage-collected. While a blocking call is
// using the pointer on a worker thread, the wrapper is `busy`: release() then only marks it
// and the free happens when the last call returns, so C never sees a freed pointer. (A
// pending call's closure references the wrapper, so the GC cannot finalize it meanwhile.)

const { InvalidStateError, STATUS } = require('./errors');

const stats = { finalized: 0, released: 0 };

// Held value: { ptr, free } only, never the wrapper (that would keep it alive forever).
const registry = new FinalizationRegistry((held) => {
    stats.finalized++;
    held.free(held.ptr);
});

class NativeHandle {
    /**
     * @param {bigint} ptr  non-NULL pointer owned from now on
     * @param {(ptr: bigint) => void} free  the C function that frees it
     * @param {string} what  for error messages
     */
    constructor(ptr, free, what) {
        if (!ptr) throw new TypeError('NativeHandle needs a non-NULL pointer');
        this._ptr = ptr;
        this._free = free;
        this._what = what;
        this._busy = 0;
        this._releaseRequested = false;
        registry.register(this, { ptr, free }, this);
    }

    /** The pointer, for a synchronous call; throws once released. */
    ptr() {
        if (this._ptr === null || this._releaseRequested) {
            throw new InvalidStateError(`${this._what} is closed`, { status: STATUS.INVALID_STATE });
        }
        return this._ptr;
    }

    get released() {
        return this._ptr === null || this._releaseRequested;
    }

    /** Runs `fn(ptr)` (which returns a promise) keeping the pointer alive until it settles. */
    async use(fn) {
        const ptr = this.enter();
        try {
            return await fn(ptr);
        } finally {
            this.leave();
        }
    }

    /**
     * use() for a call whose end comes by callback (no promise to await here): returns the
     * pointer and keeps it alive until leave(), which the caller calls exactly once when the
     * call ended. Throws once released, as ptr().
     */
    enter() {
        const ptr = this.ptr();
        this._busy++;
        return ptr;
    }

    /** Ends what enter() began; frees the pointer if release() waited for it. */
    leave() {
        this._busy--;
        if (this._busy === 0 && this._releaseRequested) this._freeNow();
    }

    /** Frees the handle now, or as soon as no call uses it. Idempotent. */
    release() {
        if (this._ptr === null || this._releaseRequested) return;
        this._releaseRequested = true;
        if (this._busy === 0) this._freeNow();
    }

    _freeNow() {
        const ptr = this._ptr;
        if (ptr === null) return;
        this._ptr = null;
        registry.unregister(this);
        stats.released++;
        this._free(ptr);
    }
}

module.exports = { NativeHandle, handleStats: stats };
