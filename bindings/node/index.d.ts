// Type declarations for pocketdock (Node binding of libpocketdock).
/// <reference types="node" />

/** Options of a new sandbox. Every field is optional; omitted ones keep the library defaults. */
export interface ContainerOptions {
    /** Image (must exist locally; pocketdock never pulls). Default `pocketdock/minimal-python`. */
    image?: string;
    /** Container name, also the engine's; default `pd-<8 hex>`. A clash is a NameConflictError. */
    name?: string;
    /** Default timeout of runs in milliseconds (> 0). Default 30 000. */
    timeoutMs?: number;
    /** Memory limit such as "256m" or "1g"; malformed values are an InvalidArgumentError. */
    memLimit?: string;
    /** CPU limit in percent of one core (50 = half a core); 0 removes it. */
    cpuPercent?: number;
    /** Networking on (default) or off. */
    network?: boolean;
    /** Run commands through the in-sandbox agent (default true: milliseconds per run, exact
     *  kills, stdin, accounting). False: every run is an engine exec. */
    agent?: boolean;
    /** Make the container's root filesystem read-only. */
    readOnly?: boolean;
    /** Keep the container (stopped) on shutdown instead of removing it. */
    persist?: boolean;
    /** Working directory inside the container. */
    workdir?: string;
    /** Project label. */
    project?: string;
    /** Use the engine on this Unix socket only (default: $POCKETDOCK_SOCKET, then discovery). */
    socket?: string;
    /** Environment variables. */
    env?: Record<string, string>;
    /** Extra labels (in addition to pocketdock's own). */
    labels?: Record<string, string>;
    /** Bind mounts. */
    volumes?: Array<{ hostPath: string; containerPath: string; readOnly?: boolean }>;
    /** Published ports. */
    ports?: Array<{ hostPort: number; containerPort: number; protocol?: 'tcp' | 'udp' }>;
    /** Host devices: "/dev/x" or "/dev/x:/dev/in-container". */
    devices?: string[];
}

/** Language a run's command is written in. */
export type Lang = 'sh' | 'bash' | 'python' | 'node';

export interface RunOptions {
    /** Timeout in milliseconds (> 0); default: the container's. On expiry the command and
     *  everything it started are killed and the result has `timedOut: true`. */
    timeoutMs?: number;
    /** Cap on stdout+stderr bytes (default 10 MiB); beyond it output is dropped, the command
     *  killed and the result has `truncated: true`. */
    maxOutput?: number;
    /** Interpreter of the command; default "sh". Ignored for argv runs. */
    lang?: Lang;
    /** Extra environment variables for this run. */
    env?: Record<string, string>;
    /** Working directory of this run; null: the container's. */
    workdir?: string | null;
    /** User of this run: "name", "uid", "name:group" or "uid:gid"; null: the image's. */
    user?: string | null;
    /** Bytes written to the command's stdin (strings as UTF-8), then stdin is closed. Needs
     *  the agent: with `agent: false` the run rejects with InvalidArgumentError. */
    stdin?: string | Uint8Array | ArrayBuffer | null;
}

/** The outcome of a run: a plain object, copied out of the C result. */
export interface ExecResult {
    /** Exit code; -1 when the command was killed on timeout. */
    exitCode: number;
    /** Stdout as UTF-8 text (invalid sequences and NULs replaced). */
    stdout: string;
    /** Stderr as UTF-8 text (invalid sequences and NULs replaced). */
    stderr: string;
    /** Stdout bytes as received. */
    stdoutBytes: Buffer;
    /** Stderr bytes as received. */
    stderrBytes: Buffer;
    /** Wall time of the run in milliseconds. */
    durationMs: number;
    /** The timeout fired and the command was killed (output up to then is kept). */
    timedOut: boolean;
    /** Output went over `maxOutput`: the rest was dropped and the command killed. */
    truncated: boolean;
    /** The signal that ended the command (exitCode is then 128 + signal), or 0. */
    signal: number;
    /** The kernel's OOM killer ended the command (agent runs only). */
    oomKilled: boolean;
    /** User CPU time in microseconds; null when unknown (engine-exec runs). */
    cpuUserUs: number | null;
    /** System CPU time in microseconds; null when unknown. */
    cpuSysUs: number | null;
    /** Peak resident memory in bytes; null when unknown. */
    peakRssBytes: number | null;
    /** `exitCode === 0 && !timedOut && !truncated`. */
    ok: boolean;
}

/** A running sandbox. Create with `createContainer()` / `Container.create()`. */
export declare class Container implements AsyncDisposable {
    private constructor();
    /** Creates and starts a sandbox. */
    static create(opts?: ContainerOptions): Promise<Container>;
    /** The container's name (also the engine's name). */
    readonly name: string;
    /** The engine's container id. */
    readonly id: string;
    /** True when runs go through the in-sandbox agent; false when they use the engine exec. */
    readonly usesAgent: boolean;
    /** True once `close()` was called. */
    readonly closed: boolean;
    /** Runs `command` and waits for it, off the main thread. A string is a shell command (see
     *  `lang`); an array is an argv run without a shell (`argv[0]` looked up in PATH). A
     *  failing, timed-out or truncated command still resolves (see the result); engine
     *  problems reject with a PocketdockError. */
    run(command: string | readonly string[], opts?: RunOptions): Promise<ExecResult>;
    /** Removes an ephemeral sandbox / stops a persistent one. Idempotent. */
    shutdown(): Promise<void>;
    /** `shutdown()` and free the native handle. Idempotent. */
    close(): Promise<void>;
    [Symbol.asyncDispose](): Promise<void>;
}

/** Creates and starts a sandbox (same as `Container.create`). */
export declare function createContainer(opts?: ContainerOptions): Promise<Container>;

/** The library version (pd_version). */
export declare function version(): string;
/** The loaded library's C ABI version (pd_abi_version). */
export declare function abiVersion(): number;
/** The C ABI version this binding was written for. */
export declare const ABI_VERSION: number;
/** Path (or loader name) of the libpocketdock that was loaded. */
export declare const libraryPath: string;

/** Caps how many blocking calls (create, run, shutdown) run at once on libuv's thread pool;
 *  the rest wait in a FIFO queue. Default: UV_THREADPOOL_SIZE - 1 (3). Returns the previous cap. */
export declare function setMaxBlockingCalls(n: number): number;
/** Current cap, calls in flight and calls queued. */
export declare function blockingStats(): { max: number; active: number; queued: number };
/** Native handles freed by close() (`released`) and by the GC safety net (`finalized`). */
export declare const handleStats: { readonly finalized: number; readonly released: number };

/** Symbolic error codes and their pd_status numbers. */
export type ErrorCode =
    | 'INVALID_ARGUMENT'
    | 'ENGINE_NOT_FOUND'
    | 'CONTAINER_NOT_FOUND'
    | 'CONTAINER_NOT_RUNNING'
    | 'CONTAINER_GONE'
    | 'IMAGE_NOT_FOUND'
    | 'NAME_CONFLICT'
    | 'TIMEOUT'
    | 'IO'
    | 'ENGINE'
    | 'INTERNAL'
    | 'PANIC'
    | 'INVALID_STATE';

export declare const STATUS: Readonly<{ OK: 0 } & { [K in ErrorCode]: number }>;

/** Every failure of the library. Branch on `instanceof` a subclass or on `code`. */
export declare class PocketdockError extends Error {
    constructor(message: string, info: { status: number; engineStatus?: number; cause?: unknown });
    /** Symbolic code, e.g. 'IMAGE_NOT_FOUND' ('STATUS_<n>' for a status newer than this binding). */
    readonly code: ErrorCode | `STATUS_${number}`;
    /** Numeric pd_status. */
    readonly status: number;
    /** The engine's HTTP status behind an ENGINE error, else 0. */
    readonly engineStatus: number;
}
export declare class InvalidArgumentError extends PocketdockError {}
export declare class EngineNotFoundError extends PocketdockError {}
/** CONTAINER_NOT_FOUND (and, through ContainerGoneError, CONTAINER_GONE). */
export declare class ContainerNotFoundError extends PocketdockError {}
export declare class ContainerGoneError extends ContainerNotFoundError {}
export declare class ContainerNotRunningError extends PocketdockError {}
export declare class ImageNotFoundError extends PocketdockError {}
export declare class NameConflictError extends PocketdockError {}
export declare class TimeoutError extends PocketdockError {}
export declare class EngineError extends PocketdockError {}
export declare class InvalidStateError extends PocketdockError {}
