// Type declarations for pocketdock (Node binding of libpocketdock).
/// <reference types="node" />

// Timeouts: every `timeoutMs` / `connectTimeoutMs` follows the library's one rule (like
// poll(2)): > 0 is a limit in milliseconds; < 0 (NO_TIMEOUT) is no limit; 0 means "do not
// wait" where a wait can just look (Process#wait) and is an InvalidArgumentError where
// something must run under the limit (runs, container default, session commands, connect).
// Values must be integers (TypeError otherwise).

/** Options of connect(). */
export interface ConnectOptions {
    /** The engine's Unix socket, a path or `unix://PATH`; it is used and no other: if it does
     *  not answer, connect() rejects with EngineNotFoundError naming it. Default: the
     *  project's socket (`projectDir`), else $POCKETDOCK_SOCKET, else discovery. */
    socket?: string | null;
    /** How long connect() keeps retrying an engine that exists but does not answer yet
     *  (default 30 000). The timeout rule: > 0 a limit, < 0 no limit, 0 InvalidArgumentError. */
    connectTimeoutMs?: number;
    /** How long the engine may stay silent on one request once connected (default 120 000):
     *  its answer must begin within it; a command's output is not cut by it. A request that
     *  runs out rejects with TimeoutError naming it. The timeout rule as above. */
    requestTimeoutMs?: number;
    /** Use the socket configured by the project at or above this directory (its `socket`
     *  setting) unless `socket` is given. FileNotFoundError when there is no project. */
    projectDir?: string | null;
    /** The engine's address, used and no other: a Unix socket, `tcp://HOST[:PORT]` (plain only
     *  on loopback; otherwise TLS from `tlsDir`/`tlsFiles` or DOCKER_TLS_VERIFY +
     *  DOCKER_CERT_PATH) or `ssh://[USER@]HOST[:PORT][/REMOTE/SOCKET]` (docs/engines.md). */
    host?: string | null;
    /** TLS for a tcp:// engine: a directory with ca.pem, cert.pem and key.pem (Docker's layout). */
    tlsDir?: string | null;
    /** TLS for a tcp:// engine, file by file (cert and key both or neither). */
    tlsFiles?: { ca: string; cert?: string | null; key?: string | null } | null;
    /** The private key ssh logs in with for an ssh:// engine (default: $CONTAINER_SSHKEY). */
    sshIdentity?: string | null;
    /** A known-hosts file holding the ssh:// engine host's key, checked strictly. */
    sshKnownHosts?: string | null;
    /** Stop waiting: connect() rejects with AbortError (a client that connects later is closed). */
    signal?: AbortSignal | null;
}

/** Options of the calls that can wait on the engine but cannot be interrupted there: an
 *  aborted `signal` rejects with AbortError at once; the call finishes in the library and
 *  what it makes late is disposed of (a sandbox removed, a handle freed, a process killed). */
export interface SignalOptions {
    signal?: AbortSignal | null;
}

/** What the engine said about itself when the client connected. */
export interface EngineInfo {
    kind: 'docker' | 'podman';
    /** The engine's own version, e.g. '4.3.1' or '20.10.24+dfsg1'. */
    version: string;
    /** The highest engine API version it speaks, e.g. '1.41'. */
    apiVersion: string;
    /** The Unix socket it was reached on (a path). */
    socket: string;
}

/** Options of a new sandbox. Every field is optional; omitted ones keep the library defaults. */
export interface ContainerOptions {
    /** Applies the strict preset for untrusted code first (network off, read-only root with
     *  writable tmpfs for /tmp and the working directory, all capabilities dropped, no
     *  privilege gains, at most 256 processes, a non-root user); the other options refine it. */
    strict?: boolean;
    /** Image (must exist locally; pocketdock never pulls). Default `pocketdock/minimal-python`. */
    image?: string;
    /** Container name, also the engine's; default `pd-<8 hex>`. A clash is a NameConflictError. */
    name?: string;
    /** Default timeout of runs in milliseconds (the timeout rule: > 0 a limit, < 0 no limit,
     *  0 InvalidArgumentError). Default 30 000. */
    timeoutMs?: number;
    /** Memory limit such as "256m" or "1g"; malformed values are an InvalidArgumentError. */
    memLimit?: string;
    /** CPU limit in percent of one core (50 = half a core); 0 removes it. */
    cpuPercent?: number;
    /** Networking on or off. Unset, the image decides: off for the default image and every
     *  image but the dev and embedded profiles', on when ports are published (README,
     *  "Defaults"). */
    network?: boolean;
    /** Run commands through the in-sandbox agent (default true: milliseconds per run, exact
     *  kills, stdin, accounting). False: every run is an engine exec. */
    agent?: boolean;
    /** Make the container's root filesystem read-only. */
    readOnly?: boolean;
    /** Drop every capability from the commands. */
    capDropAll?: boolean;
    /** Forbid privilege gains (no-new-privileges). */
    noNewPrivileges?: boolean;
    /** Cap on the number of processes (> 0); 0 removes it. */
    pidsLimit?: number;
    /** Default user of commands ("name", "uid", "uid:gid"); null: the image's. */
    user?: string | null;
    /** Writable tmpfs mounts; `options` default "size=64m". */
    tmpfs?: Array<{ path: string; options?: string | null }>;
    /** Keep the container (stopped) on shutdown instead of removing it. */
    persist?: boolean;
    /** Working directory inside the container. */
    workdir?: string;
    /** Project label. */
    project?: string;
    /** Makes the sandbox part of the project at or above this directory: its settings apply
     *  first (profile, persist, project label; its socket is the client's business, see
     *  ConnectOptions.projectDir), every other option here overrides
     *  them; the sandbox gets an instance directory with data/ mounted at /data and run logs. */
    projectDir?: string;
    /** How long an ephemeral sandbox may live, in ms (0: no limit); past it, doctor() treats
     *  it as left by a crashed client. */
    ttlMs?: number;
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
    /** Image profile ('minimal-python', 'minimal-node', 'dev', 'agent', 'embedded'): its
     *  image and network default, applied before every other option (which win). */
    profile?: string;
    /** Stop waiting: createContainer() rejects with AbortError; a sandbox created late is removed. */
    signal?: AbortSignal | null;
}

/** Language a run's command is written in. */
export type Lang = 'sh' | 'bash' | 'python' | 'node';

export interface RunOptions {
    /** Timeout in milliseconds (the timeout rule: > 0 a limit, < 0 no limit, 0
     *  InvalidArgumentError); default: the container's. On expiry the command and everything
     *  it started are killed and the result has `timedOut: true`. */
    timeoutMs?: number;
    /** run() and stream(): aborting kills the command and everything it started in the
     *  sandbox, then the call (or the stream's reads) rejects with AbortError. spawn() and
     *  session(): stop waiting for the start (a process started late is killed, a shell
     *  closed). */
    signal?: AbortSignal | null;
    /** run(): called on the JS thread with each chunk of stdout as the command writes it
     *  (pushed by the library, no polling). If it throws, the command is killed and run()
     *  rejects with that error. */
    onStdout?: ((chunk: Buffer) => void) | null;
    /** run(): as onStdout, for stderr. */
    onStderr?: ((chunk: Buffer) => void) | null;
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
    /** Detached processes: bytes of output kept in the sandbox's ring (split between stdout
     *  and stderr; default 1 MiB, at least 2). */
    bufferSize?: number;
}

/** Options of Container#spawn: run options plus how often events are pulled. */
export interface SpawnOptions extends RunOptions {
    /** Event pump period in ms (default 100): the latency of 'stdout'/'stderr' events. */
    pollMs?: number;
}

/** One piece of a streaming run's output. */
export interface Chunk {
    stream: 'stdout' | 'stderr';
    data: Buffer;
}

/** Output of a detached process read (or peeked) at one moment. */
export interface ProcessOutput {
    stdout: string;
    stderr: string;
    stdoutBytes: Buffer;
    stderrBytes: Buffer;
}

/** Container#info(): the library's JSON with camelCase keys. Live figures are null when the
 *  container is not running. */
export interface ContainerInfo {
    id: string;
    name: string;
    /** The engine's state, e.g. 'running', 'exited'. */
    status: string;
    running: boolean;
    image: string;
    createdAt: string | null;
    startedAt: string | null;
    uptimeMs: number | null;
    memoryUsageBytes: number | null;
    memoryLimitBytes: number | null;
    memoryPercent: number | null;
    /** CPU use between two samples 250 ms apart. */
    cpuPercent: number | null;
    pids: number | null;
    network: boolean;
    ipAddress: string | null;
    ports: Array<{ containerPort: number; protocol: string; hostIp: string; hostPort: number }>;
    /** Column titles of `processes` (as the engine's top reports them). */
    processTitles: string[];
    /** One row per process (as the engine's top reports them). */
    processes: string[][];
    [key: string]: unknown;
}

/** An entry of Container#listFiles(). */
export interface FileEntry {
    /** The entry's name (not a path). */
    name: string;
    kind: 'file' | 'dir' | 'symlink' | 'other' | 'unknown';
    /** Size in bytes of a regular file, else 0. */
    size: number;
    /** Permission bits with setuid (0o4000), setgid (0o2000) and sticky (0o1000). */
    mode: number;
}

/** An entry of Container#processes(). */
export interface ProcessInfo {
    /** Process number inside the sandbox (Container#attach). */
    id: number;
    /** Pid inside the sandbox. */
    pid: number;
    running: boolean;
    /** Exit code once finished; null while running. */
    exitCode: number | null;
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

/**
 * A connection to one engine, made by connect(). Everything that talks to the engine without
 * a container hangs off it. Containers keep their client alive and keep working after
 * close().
 */
export declare class Client implements Disposable {
    private constructor();
    /** What the engine said about itself when the client connected. */
    readonly engineInfo: Readonly<EngineInfo>;
    /** True once close() was called. */
    readonly closed: boolean;
    /** Creates and starts a sandbox on this engine. */
    createContainer(opts?: ContainerOptions): Promise<Container>;
    /** Opens a handle on an existing container by name or id (e.g. made by another process).
     *  Rejects with ContainerNotFoundError if there is none. */
    openContainer(nameOrId: string, opts?: SignalOptions): Promise<Container>;
    /** Starts the stopped pocketdock container named exactly `name` (or takes the running
     *  one). Rejects with ContainerNotFoundError if no pocketdock container has that name. */
    resumeContainer(name: string, opts?: SignalOptions): Promise<Container>;
    /** Stops the pocketdock container named exactly `name` and keeps it. */
    stopContainer(name: string, opts?: SignalOptions): Promise<void>;
    /** Removes the pocketdock container named exactly `name` at once, running or not. */
    destroyContainer(name: string, opts?: SignalOptions): Promise<void>;
    /** pocketdock's containers, running or stopped; only those of `project` if given. */
    listContainers(opts?: { project?: string | null; signal?: AbortSignal | null }): Promise<ContainerSummary[]>;
    /** Removes every stopped pocketdock container (of `project` if given); resolves to the count. */
    prune(opts?: { project?: string | null; signal?: AbortSignal | null }): Promise<number>;
    /** Builds a profile's image; resolves with the image id. A failing step: BuildFailedError. */
    buildProfile(profile: string, opts?: BuildOptions): Promise<string>;
    /** Writes images into one archive at `file` (gzip when it ends in '.gz'). */
    exportImages(images: string[], file: string, opts?: SignalOptions): Promise<void>;
    /** Loads every image of an archive (plain or gzip); resolves with the loaded names. */
    importImages(file: string, opts?: SignalOptions): Promise<string[]>;
    /** Removes an image (ImageNotFoundError if missing). */
    removeImage(image: string, opts?: { force?: boolean; signal?: AbortSignal | null }): Promise<void>;
    /** Whether an image is on the engine. */
    imageExists(image: string, opts?: SignalOptions): Promise<boolean>;
    /** Examines a project (or, without projectDir, every pocketdock container, for crashed
     *  clients only) and with `fix` repairs what is safe. */
    doctor(opts?: { projectDir?: string | null; fix?: boolean; signal?: AbortSignal | null }): Promise<DoctorReport>;
    /** Frees the client (after calls in flight). Containers made from it stay usable; its
     *  own methods then reject with InvalidStateError. Idempotent. */
    close(): void;
    [Symbol.dispose](): void;
}

/**
 * Connects to an engine: `socket`, else the project's socket, else $POCKETDOCK_SOCKET, else
 * discovery. An explicit socket (option or environment) that does not answer rejects with
 * EngineNotFoundError naming it; no other engine is tried.
 */
export declare function connect(opts?: ConnectOptions): Promise<Client>;

/** A running sandbox. Made by a Client (createContainer, openContainer, resumeContainer). */
export declare class Container implements AsyncDisposable {
    private constructor();
    /** The Client this container was made from. */
    readonly client: Client;
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
     *  problems reject with a PocketdockError; an aborted `signal` with AbortError, once the
     *  command tree is gone. */
    run(command: string | readonly string[], opts?: RunOptions): Promise<ExecResult>;
    /** Starts `command` and resolves once it runs, with a stream of its output. Timeout,
     *  output cap and `signal` apply as in run(). */
    stream(command: string | readonly string[], opts?: RunOptions): Promise<RunStream>;
    /** Starts `command` in the background (needs the agent). Its timeout applies only if
     *  given; the sandbox keeps the newest `bufferSize` bytes of output. */
    spawn(command: string | readonly string[], opts?: SpawnOptions): Promise<Process>;
    /** Attaches to detached process `id` of this sandbox, whoever started it. */
    attach(id: number, opts?: { pollMs?: number; signal?: AbortSignal | null }): Promise<Process>;
    /** The sandbox's detached processes (running and recently finished). */
    processes(opts?: SignalOptions): Promise<ProcessInfo[]>;
    /** The instance directory of a project's sandbox; rejects with FileNotFoundError when it
     *  belongs to no project. */
    instanceDir(): Promise<string>;
    /** Opens a persistent shell (bash, else sh; needs the agent); `env`, `workdir` and `user`
     *  of `opts` apply to it. */
    session(opts?: RunOptions): Promise<Session>;
    /** Inspects the sandbox (state, uptime, memory, CPU, pids, network, ports, processes);
     *  takes ~250 ms on a running container (two CPU samples). */
    info(opts?: SignalOptions): Promise<ContainerInfo>;
    /** Frees the native handle WITHOUT shutting the sandbox down. Idempotent. */
    release(): void;
    /** Writes `data` (a string as UTF-8, or bytes) to `path` (relative: the working
     *  directory), replacing it and creating missing parents; mode 0644. */
    writeFile(path: string, data: string | Uint8Array | ArrayBuffer, opts?: SignalOptions): Promise<void>;
    /** Reads the file at `path` (symlinks followed). Rejects with FileNotFoundError. */
    readFile(path: string, opts?: SignalOptions): Promise<Buffer>;
    readFile(path: string, encoding: BufferEncoding): Promise<string>;
    readFile(path: string, opts: SignalOptions & { encoding: BufferEncoding }): Promise<string>;
    /** Lists the directory at `path` (default: the working directory), sorted by name. */
    listFiles(path?: string, opts?: SignalOptions): Promise<FileEntry[]>;
    /** Copies host file or directory `hostSrc` to `dest` in the sandbox (docker cp rules). */
    push(hostSrc: string, dest: string, opts?: SignalOptions): Promise<void>;
    /** Copies sandbox `src` to `hostDest`; nothing is ever written outside `hostDest`. */
    pull(src: string, hostDest: string, opts?: SignalOptions): Promise<void>;
    /** Reboots the sandbox; it runs afterwards. `fresh: false` (default) restarts it in
     *  place, files kept; `fresh: true` recreates it from its recorded options under the same
     *  name (new filesystem, every option kept) and this object follows it (`id` changes). */
    reboot(opts?: { fresh?: boolean; signal?: AbortSignal | null }): Promise<void>;
    /** Commits the filesystem to the local image `reference` (`repo[:tag]`, tag `latest` by
     *  default); resolves to the image id. Rejects with InvalidArgumentError if malformed. */
    snapshot(reference: string, opts?: SignalOptions): Promise<string>;
    /** SIGKILLs every process in the sandbox but its init (background processes, detached
     *  processes, sessions, runs in progress); resolves to how many. Needs no new process
     *  when the agent runs, so it recovers a sandbox a fork bomb holds. */
    killAll(opts?: SignalOptions): Promise<number>;
    /** Removes an ephemeral sandbox / stops a persistent one. Idempotent. */
    shutdown(opts?: SignalOptions): Promise<void>;
    /** `shutdown()` and free the native handle. Idempotent. */
    close(): Promise<void>;
    [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The output of a streaming run. Iterate it (`for await (const { stream, data } of s)`);
 * leaving the loop early closes the stream and kills the command. After the end,
 * `result()` has the exit code etc. (its stdout/stderr are empty: the output came as chunks).
 */
export declare class RunStream implements AsyncIterable<Chunk>, AsyncDisposable {
    private constructor();
    /** The command is over and every chunk was handed out. */
    readonly ended: boolean;
    /** The next chunk, or null at the end (or after close()). Rejects with AbortError once
     *  the stream's `signal` aborted it. */
    nextChunk(): Promise<Chunk | null>;
    /** The run's result; reads and discards chunks not consumed yet. Rejects with
     *  InvalidStateError if the stream was closed before the command ended, AbortError if
     *  its `signal` aborted it. */
    result(): Promise<ExecResult>;
    /** Kills the command and everything it started; the iteration then ends. */
    cancel(): void;
    /** Kills the command if still running and frees the stream. Idempotent. */
    close(): Promise<void>;
    [Symbol.asyncIterator](): AsyncIterator<Chunk>;
    [Symbol.asyncDispose](): Promise<void>;
}

/** Events of a Process: listening to any of stdout/stderr/exit starts pulling them. */
export interface ProcessEvents {
    stdout: [data: Buffer];
    stderr: [data: Buffer];
    exit: [result: ExecResult];
    error: [error: Error];
}

/**
 * A detached process (Container#spawn / #attach). Closing the handle does not stop it.
 * Listening to 'stdout', 'stderr' or 'exit' starts a pump that pulls output every `pollMs`
 * (through the same calls as read()/wait(); don't mix the two on one handle).
 */
export declare class Process implements AsyncDisposable {
    private constructor();
    /** Process number inside the sandbox. */
    readonly id: number;
    /** Ring buffer size it was started with (attached handles: the default). */
    readonly bufferSize: number;
    /** Sticky: output was dropped from the ring before this handle read it. */
    readonly bufferOverflow: boolean;
    /** True once close() was called. */
    readonly closed: boolean;
    /** Asks the sandbox whether it still runs. */
    isRunning(): Promise<boolean>;
    /** Waits for the end; the result's output is what this handle had not read yet.
     *  `timeoutMs` (the timeout rule: > 0 a limit, 0 just looks, < 0 or omitted no limit):
     *  rejects with TimeoutError if it still runs then. `signal`: aborting rejects with
     *  AbortError. Either way the process keeps running (kill() ends it). */
    wait(opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ExecResult>;
    /** Signals the process and its group (number or name; default SIGKILL). */
    kill(signal?: number | NodeJS.Signals): Promise<void>;
    /** Output since this handle last read (at first: the oldest still kept), marked read. */
    read(): Promise<ProcessOutput>;
    /** Like read(), but leaves the output unread. */
    peek(): Promise<ProcessOutput>;
    /** Stops the event pump and frees the handle; the process keeps running. Idempotent. */
    close(): Promise<void>;
    [Symbol.asyncDispose](): Promise<void>;
    on<K extends keyof ProcessEvents>(event: K, listener: (...args: ProcessEvents[K]) => void): this;
    once<K extends keyof ProcessEvents>(event: K, listener: (...args: ProcessEvents[K]) => void): this;
    off<K extends keyof ProcessEvents>(event: K, listener: (...args: ProcessEvents[K]) => void): this;
    addListener<K extends keyof ProcessEvents>(event: K, listener: (...args: ProcessEvents[K]) => void): this;
    removeListener<K extends keyof ProcessEvents>(event: K, listener: (...args: ProcessEvents[K]) => void): this;
    removeAllListeners(event?: keyof ProcessEvents): this;
    listenerCount(event: keyof ProcessEvents): number;
}

/** A persistent shell: cwd and variables persist between commands. */
export declare class Session implements AsyncDisposable {
    private constructor();
    /** True once close() was called. */
    readonly closed: boolean;
    /** Runs `command` and waits up to `timeoutMs` (the timeout rule: > 0 a limit, < 0 no
     *  limit, 0 InvalidArgumentError). Omitted: the container's default run timeout, as
     *  recorded when it was created (also for opened and resumed containers). On timeout the command is interrupted (`timedOut`), the session
     *  stays usable. Calls queue in order. */
    sendAndWait(command: string, opts?: { timeoutMs?: number; signal?: AbortSignal | null }): Promise<ExecResult>;
    /** Writes `input` and a newline without waiting; its output goes to read(). */
    send(input: string): Promise<void>;
    /** Output not consumed by sendAndWait(), marked read. */
    read(): Promise<ProcessOutput>;
    /** Ends the shell (after queued commands) and frees the handle. Idempotent. */
    close(): Promise<void>;
    [Symbol.asyncDispose](): Promise<void>;
}

/** A pocketdock container as listContainers() reports it. */
export interface ContainerSummary {
    name: string;
    id: string;
    /** The image it was created from, as asked for. */
    image: string;
    /** The engine's state word: 'running', 'exited', 'created', ... */
    status: string;
    /** Kept (stopped) on shutdown. */
    persist: boolean;
    project: string | null;
    /** RFC 3339 UTC, e.g. '2024-02-29T12:34:56Z'. */
    createdAt: string;
}

/** A project's merged settings: its pocketdock.yaml over ~/.pocketdock/pocketdock.yaml over
 *  the built-in defaults. */
export interface ProjectConfig {
    projectName: string;
    defaultProfile: string | null;
    defaultPersist: boolean;
    socket: string | null;
    logging: { history: boolean; runLogs: boolean; maxFileSize: number; maxRunLogs: number; maxAgeDays: number };
}

/** One line of an instance's history (logs/history.jsonl). */
export interface HistoryEntry {
    time: string;
    unixMs: number;
    kind: 'run' | 'stream' | 'spawn' | 'exit' | 'session';
    command: string;
    exitCode: number | null;
    signal: number | null;
    durationMs: number | null;
    timedOut: boolean;
    truncated: boolean;
    processId: number | null;
    error: string | null;
    /** File name of the per-run log under logs/runs/. */
    log: string | null;
}

/** One finding of doctor(). */
export interface DoctorItem {
    name: string;
    path: string | null;
    detail: string;
    /** What the repair did; null when none was made. */
    fixed: string | null;
}

/** What doctor() found. */
export interface DoctorReport {
    engineKind: 'docker' | 'podman';
    engineVersion: string;
    apiVersion: string;
    socket: string;
    projectRoot: string | null;
    projectName: string | null;
    orphans: DoctorItem[];
    staleDirs: DoctorItem[];
    crashed: DoctorItem[];
    fix: boolean;
    /** Nothing found. */
    healthy: boolean;
}

/** Makes `path` a project named `name` (default: the directory's name); returns its root. */
export declare function initProject(path: string, name?: string | null): string;
/** The project root at or above `start`; throws FileNotFoundError when there is none. */
export declare function findProjectRoot(start: string): string;
/** The merged settings of the project at or above `dir`. */
export declare function projectConfig(dir: string): ProjectConfig;
/** The history of instance `instance` (a container name) of the project at or above `dir`. */
export declare function projectHistory(dir: string, instance: string): HistoryEntry[];

/** The library version (pd_version). */
export declare function version(): string;
/** The loaded library's C ABI version (pd_abi_version). */
export declare function abiVersion(): number;
/** The C ABI version this binding was written for (2). */
export declare const ABI_VERSION: number;
/** Pass as any `timeoutMs` for "no limit" (-1; any negative number means the same). */
export declare const NO_TIMEOUT: -1;

/** How much the library says, most severe first. */
export type LogLevel = 'off' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
/** Log level names and their pd_log_level numbers. */
export declare const LOG_LEVELS: Readonly<{ off: 0; error: 1; warn: 2; info: 3; debug: 4; trace: 5 }>;
/** One of the library's log records. */
export interface LogRecord {
    level: Exclude<LogLevel, 'off'>;
    /** The module that logged, e.g. 'pocketdock::engine::discover'. */
    target: string;
    /** The message, then its fields as ` key=value`. */
    message: string;
}
/**
 * Sends the library's log records at `level` (default 'info') and more severe to `logger`,
 * called on the JS thread, in order. Process-wide and main thread only (InvalidStateError in
 * a worker): a new call replaces the previous logger; `null` or level 'off' silences the
 * library again (the default). Resolves once the replaced logger has had its last record:
 * `await setLogger(null)` before process.exit() (docs/node.md, Logs). A logger that throws
 * becomes a process warning.
 */
export declare function setLogger(logger: ((record: LogRecord) => void) | null, level?: LogLevel | 0 | 1 | 2 | 3 | 4 | 5): Promise<void>;
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
    | 'INVALID_STATE'
    | 'FILE_NOT_FOUND'
    | 'BUILD_FAILED';

export declare const STATUS: Readonly<{ OK: 0; STREAM_END: 100 } & { [K in ErrorCode]: number }>;

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
export declare class FileNotFoundError extends PocketdockError {}
/** An image build failed (a step exited non-zero, a bad Dockerfile, a missing base). */
export declare class BuildFailedError extends PocketdockError {}
/** An AbortSignal fired (not a PocketdockError: no library status); `cause` is its reason. */
export declare class AbortError extends Error {
    readonly name: 'AbortError';
    readonly code: 'ABORT_ERR';
}

/** A ready-made sandbox image (pd_profile_*). */
export interface Profile {
    name: string;
    /** The image sandboxes of this profile are created from, e.g. 'pocketdock/dev'. */
    image: string;
    /** Whether its sandboxes get a network by default. */
    network: boolean;
    description: string;
    /** Approximate image size, e.g. '~680 MB'. */
    size: string;
}
export interface BuildOptions {
    /** Stop waiting: buildProfile() rejects with AbortError (the build finishes in the engine). */
    signal?: AbortSignal | null;
    /** The BASE build argument, e.g. 'pocketdock/debian-base:bookworm' offline. */
    base?: string | null;
    /** Build from this directory (holding a Dockerfile) instead of the embedded Dockerfile. */
    contextDir?: string | null;
    /** Tag instead of the profile's image. */
    tag?: string | null;
    /** Build every step afresh. */
    noCache?: boolean;
}
/** Every profile, in a stable order. */
export declare function listProfiles(): Profile[];
/** The profile called `name` (InvalidArgumentError if unknown). */
export declare function resolveProfile(name: string): Profile;

// ==== Pools (lib/pool.js, docs/pool.md) ============================================

/** One more engine for a pool's set. */
export interface PoolEngine {
    client: Client;
    /** Its share of the members relative to the others (default 1). */
    weight?: number;
    /** Most members on it at once (default 0: no limit but maxSize). */
    limit?: number;
}

/** Options of Client#createPool(); unset ones take the library's defaults. */
export interface PoolOptions {
    /** Options of every member (no name, not persistent). */
    container?: ContainerOptions;
    /** Ready members kept idle (default 2). */
    minIdle?: number;
    /** Most members at once, idle, in use and being created (default 8). */
    maxSize?: number;
    /** Most creates at once while the pool fills (default 2). */
    parallel?: number;
    /** A shell command run in every new member before it counts as ready. */
    warmup?: string | null;
    /** release() kills the member's processes and hands it out again (files NOT reset). */
    recycle?: boolean;
    /** How often idle members are checked, in ms (default 5000; NO_TIMEOUT: never). */
    healthIntervalMs?: number;
    /** More engines, after the client createPool() is called on. */
    engines?: PoolEngine[];
}

/** A pool's counters. */
export interface PoolStats {
    idle: number;
    inUse: number;
    creating: number;
    created: number;
    failed: number;
    enginesDown: number;
    acquireP50Ms: number;
    acquireP95Ms: number;
}

/** A warm pool of sandboxes. */
export declare class Pool implements AsyncDisposable {
    private constructor();
    /** The value of its members' `pocketdock.pool` label. */
    readonly id: string;
    readonly closed: boolean;
    /** A ready sandbox; waits up to timeoutMs (default 30 000; 0: do not wait) when none is idle. */
    acquire(opts?: { timeoutMs?: number }): Promise<Container>;
    /** Gives a sandbox back (destroyed and replaced, or recycled) and frees its handle. */
    release(container: Container): Promise<void>;
    stats(): PoolStats;
    /** Removes every member, idle or handed out. */
    shutdown(): Promise<void>;
    /** shutdown(), then frees the handle. */
    close(): Promise<void>;
    [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Several engines to create single sandboxes on: createContainer() goes to the least loaded
 * engine that answers (the fewest running pocketdock containers per unit of weight, among
 * those under their limit). A PoolEngine's limit here counts running pocketdock containers.
 */
export declare class EngineSet implements Disposable {
    constructor(engines: PoolEngine[]);
    readonly closed: boolean;
    /** Creates a sandbox on the least loaded engine; its `client` is that engine's Client. */
    createContainer(opts?: ContainerOptions): Promise<Container>;
    /** Frees the set; containers created on it stay valid. */
    close(): void;
    [Symbol.dispose](): void;
}

export interface Client {
    /** Starts a warm pool on this client's engine (plus opts.engines); resolves at once. */
    createPool(opts?: PoolOptions): Promise<Pool>;
}
