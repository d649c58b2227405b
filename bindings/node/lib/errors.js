'use strict';
// PocketdockError and its subclasses. Built from a `pd_status` plus the detail of the
// `pd_error` out-param; the pd_error itself is freed by the caller (call.js) right away.

// pd_status numbers (include/pocketdock.h). Numbers are never reused by the C side.
const STATUS = Object.freeze({
    OK: 0, // PD_OK
    INVALID_ARGUMENT: 1, // PD_ERR_INVALID_ARGUMENT
    ENGINE_NOT_FOUND: 2, // PD_ERR_ENGINE_NOT_FOUND
    CONTAINER_NOT_FOUND: 3, // PD_ERR_CONTAINER_NOT_FOUND
    CONTAINER_NOT_RUNNING: 4, // PD_ERR_CONTAINER_NOT_RUNNING
    CONTAINER_GONE: 5, // PD_ERR_CONTAINER_GONE
    IMAGE_NOT_FOUND: 6, // PD_ERR_IMAGE_NOT_FOUND
    NAME_CONFLICT: 7, // PD_ERR_NAME_CONFLICT
    TIMEOUT: 8, // PD_ERR_TIMEOUT
    IO: 9, // PD_ERR_IO
    ENGINE: 10, // PD_ERR_ENGINE
    INTERNAL: 11, // PD_ERR_INTERNAL
    PANIC: 12, // PD_ERR_PANIC
    INVALID_STATE: 13, // PD_ERR_INVALID_STATE
    FILE_NOT_FOUND: 14, // PD_ERR_FILE_NOT_FOUND
    BUILD_FAILED: 15, // PD_ERR_BUILD_FAILED
    // Not an error: pd_stream_next has nothing more to give. Never becomes a PocketdockError.
    STREAM_END: 100, // PD_STREAM_END
});

const CODE_OF = new Map(Object.entries(STATUS).map(([k, v]) => [v, k]));

/** Name of a status number ('IMAGE_NOT_FOUND'); unknown future numbers get 'STATUS_<n>'. */
function codeOf(status) {
    return CODE_OF.get(status) ?? `STATUS_${status}`;
}

class PocketdockError extends Error {
    /**
     * @param {string} message
     * @param {{ status: number, engineStatus?: number, cause?: unknown }} info
     */
    constructor(message, { status, engineStatus = 0, cause } = { status: STATUS.INTERNAL }) {
        super(message, cause === undefined ? undefined : { cause });
        this.name = new.target.name;
        /** Numeric pd_status. */
        this.status = status;
        /** Symbolic code, e.g. 'IMAGE_NOT_FOUND'. */
        this.code = codeOf(status);
        /** The engine's HTTP status behind an ENGINE error, else 0. */
        this.engineStatus = engineStatus;
    }
}

class InvalidArgumentError extends PocketdockError {}
class EngineNotFoundError extends PocketdockError {}
/** The container does not exist (CONTAINER_NOT_FOUND, and CONTAINER_GONE via subclass). */
class ContainerNotFoundError extends PocketdockError {}
/** The container was removed behind our back. */
class ContainerGoneError extends ContainerNotFoundError {}
class ContainerNotRunningError extends PocketdockError {}
class ImageNotFoundError extends PocketdockError {}
class NameConflictError extends PocketdockError {}
class TimeoutError extends PocketdockError {}
class EngineError extends PocketdockError {}
class InvalidStateError extends PocketdockError {}
class FileNotFoundError extends PocketdockError {}
/** An image build failed (a step exited non-zero, a bad Dockerfile, a missing base). */
class BuildFailedError extends PocketdockError {}

/**
 * An AbortSignal fired: the command was killed (run, stream) or the wait given up. Not a
 * library status, so not a PocketdockError; named and coded like Node's own AbortError.
 */
class AbortError extends Error {
    constructor(message = 'The operation was aborted', options = undefined) {
        super(message, options);
        this.name = 'AbortError';
        this.code = 'ABORT_ERR';
    }
}

/** The AbortError for `signal`, carrying its reason as `cause`. */
function abortError(signal) {
    return new AbortError('The operation was aborted', { cause: signal.reason });
}

const CLASS_OF = new Map([
    [STATUS.INVALID_ARGUMENT, InvalidArgumentError],
    [STATUS.ENGINE_NOT_FOUND, EngineNotFoundError],
    [STATUS.CONTAINER_NOT_FOUND, ContainerNotFoundError],
    [STATUS.CONTAINER_NOT_RUNNING, ContainerNotRunningError],
    [STATUS.CONTAINER_GONE, ContainerGoneError],
    [STATUS.IMAGE_NOT_FOUND, ImageNotFoundError],
    [STATUS.NAME_CONFLICT, NameConflictError],
    [STATUS.TIMEOUT, TimeoutError],
    [STATUS.ENGINE, EngineError],
    [STATUS.INVALID_STATE, InvalidStateError],
    [STATUS.FILE_NOT_FOUND, FileNotFoundError],
    [STATUS.BUILD_FAILED, BuildFailedError],
]);

/** The right subclass for a status. */
function makeError(status, message, engineStatus = 0) {
    const Cls = CLASS_OF.get(status) ?? PocketdockError;
    return new Cls(message || `pocketdock call failed with ${codeOf(status)}`, { status, engineStatus });
}

module.exports = {
    STATUS,
    codeOf,
    makeError,
    PocketdockError,
    InvalidArgumentError,
    EngineNotFoundError,
    ContainerNotFoundError,
    ContainerGoneError,
    ContainerNotRunningError,
    ImageNotFoundError,
    NameConflictError,
    TimeoutError,
    EngineError,
    InvalidStateError,
    FileNotFoundError,
    BuildFailedError,
    AbortError,
    abortError,
};
