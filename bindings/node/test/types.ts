// Compile-time test of index.d.ts (tsc -p bindings/node; never executed). Each line uses the
// API the way a TypeScript user would; the @ts-expect-error lines must stay errors.
import {
    connect,
    Client,
    Container,
    AbortError,
    setLogger,
    NO_TIMEOUT,
    LOG_LEVELS,
    type ConnectOptions,
    type EngineInfo,
    type LogRecord,
    PocketdockError,
    ImageNotFoundError,
    ContainerNotFoundError,
    type ContainerOptions,
    type ExecResult,
    type RunOptions,
    type ProcessOutput,
    type ProcessInfo,
    type FileEntry,
    type ContainerInfo,
    Process,
    Session,
    version,
    abiVersion,
    setMaxBlockingCalls,
    blockingStats,
    STATUS,
    type ContainerSummary,
} from 'pocketdock';

export async function clients(): Promise<string> {
    const co: ConnectOptions = { socket: 'unix:///run/podman/podman.sock', connectTimeoutMs: NO_TIMEOUT, projectDir: null };
    using client: Client = await connect(co);
    const info: Readonly<EngineInfo> = client.engineInfo;
    const kind: 'docker' | 'podman' = info.kind;
    // @ts-expect-error engineInfo is read-only
    client.engineInfo.socket = '/x';
    // @ts-expect-error the socket is a client option, not a container option
    await client.createContainer({ socket: '/x' });
    // @ts-expect-error the ABI 1 static constructors are gone
    await Container.create();
    const box = await client.createContainer({ timeoutMs: NO_TIMEOUT });
    const same: Client = box.client;
    const ac = new AbortController();
    try {
        await box.run('sleep 10', { signal: ac.signal, timeoutMs: -1 });
    } catch (e) {
        if (e instanceof AbortError) return e.code;
    }
    const s = await box.stream('ls', { signal: AbortSignal.timeout(100) });
    await s.close();
    const p = await box.spawn('sleep 1');
    await p.wait({ timeoutMs: 0, signal: ac.signal });
    setLogger((r: LogRecord) => void [r.level, r.target, r.message], 'debug');
    const flushed: Promise<void> = setLogger(null);
    await flushed;
    setLogger(() => {}, LOG_LEVELS.trace);
    // @ts-expect-error unknown level
    setLogger(() => {}, 'verbose');
    client.close();
    return kind + info.version + info.apiVersion + info.socket + String(same.closed);
}

export async function usage(): Promise<number> {
    const client = await connect();
    const opts: ContainerOptions = {
        image: 'pocketdock/minimal-python',
        memLimit: '256m',
        env: { A: 'b' },
        labels: { 'pocketdock.test': 'node' },
        agent: true,
        readOnly: false,
        volumes: [{ hostPath: '/tmp', containerPath: '/mnt', readOnly: true }],
        ports: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    };
    // @ts-expect-error unknown option
    const bad: ContainerOptions = { imagee: 'x' };
    void bad;

    await using box = await client.createContainer(opts);
    const also: Container = await client.createContainer();
    await also.close();

    const ro: RunOptions = { lang: 'python', timeoutMs: 1000, maxOutput: 1 << 20 };
    // @ts-expect-error unknown language
    const badLang: RunOptions = { lang: 'cobol' };
    void badLang;

    const r: ExecResult = await box.run('print(1)', ro);
    const a: ExecResult = await box.run(['ls', '-l'], { stdin: Buffer.from('x'), env: { A: 'b' }, user: null });
    const acct: number | null = a.cpuUserUs ?? a.cpuSysUs ?? a.peakRssBytes;
    const sig: number = a.signal;
    const oom: boolean = a.oomKilled && box.usesAgent;
    void [acct, sig, oom];
    // @ts-expect-error argv entries are strings
    await box.run(['ls', 1]);
    const text: string = r.stdout + r.stderr;
    const bytes: Buffer = r.stdoutBytes;
    const flags: boolean = r.timedOut || r.truncated || r.ok;
    void [text, bytes, flags, box.name, box.id, box.closed];

    try {
        await box.run('true');
    } catch (e) {
        if (e instanceof ImageNotFoundError || e instanceof ContainerNotFoundError) {
            const c: string = e.code;
            const s: number = e.status + e.engineStatus;
            void [c, s];
        } else if (e instanceof PocketdockError && e.code === 'TIMEOUT') {
            return STATUS.TIMEOUT;
        }
    }
    const s = await box.stream(['ls'], { timeoutMs: 5000 });
    for await (const c of s) {
        const which: 'stdout' | 'stderr' = c.stream;
        const data: Buffer = c.data;
        void [which, data];
    }
    const sr: ExecResult = await s.result();
    void sr;
    const p: Process = await box.spawn('sleep 1', { bufferSize: 4096, pollMs: 50 });
    p.on('stdout', (b: Buffer) => void b).on('exit', (res: ExecResult) => void res.exitCode);
    // @ts-expect-error exit listeners get an ExecResult
    p.on('exit', (code: string) => void code);
    const po: ProcessOutput = await p.peek();
    const list: ProcessInfo[] = await box.processes();
    const again: Process = await box.attach(list[0]?.id ?? p.id);
    await again.kill('SIGTERM');
    await p.kill(9);
    const waited: ExecResult = await p.wait({ timeoutMs: 1000 });
    void [po, waited, p.bufferOverflow, p.bufferSize];
    await p.close();
    const opened: Container = await client.openContainer(box.name);
    opened.release();
    await box.writeFile('a.txt', 'x');
    await box.writeFile('b.bin', new Uint8Array([1]));
    const asText: string = await box.readFile('a.txt', 'utf8');
    const asBytes: Buffer = await box.readFile('b.bin');
    const entries: FileEntry[] = await box.listFiles('/tmp');
    const kind: 'file' | 'dir' | 'symlink' | 'other' | 'unknown' = entries[0]!.kind;
    await box.push('/etc/hosts', '/tmp/hosts');
    await box.pull('/tmp/hosts', '/tmp/out');
    void [asText, asBytes, kind];
    const hardened: ContainerOptions = { strict: true, pidsLimit: 64, tmpfs: [{ path: '/scratch' }], user: null };
    void hardened;
    const info: ContainerInfo = await box.info();
    const up: number | null = info.uptimeMs;
    void up;
    await using sh: Session = await box.session({ workdir: '/tmp' });
    const sr2: ExecResult = await sh.sendAndWait('cd /', { timeoutMs: 1000 });
    await sh.send('ls');
    const so: ProcessOutput = await sh.read();
    void [sr2, so];
    const prev: number = setMaxBlockingCalls(2);
    const { max, active, queued } = blockingStats();
    void [prev, max, active, queued, version().length, abiVersion()];
    return r.exitCode;
}

export async function persistence(): Promise<number> {
    const client = await connect({ socket: '/run/podman/podman.sock' });
    const c: Container = await client.resumeContainer('pd-1');
    await c.reboot({ fresh: true });
    const image: string = await c.snapshot('localhost:5000/team/img:v1');
    const all: ContainerSummary[] = await client.listContainers({ project: 'p' });
    await client.stopContainer('pd-1');
    await client.destroyContainer('pd-1');
    const img: boolean = await client.imageExists('x');
    await client.removeImage('x', { force: true });
    await client.exportImages(['x'], '/tmp/x.tar');
    const loaded: string[] = await client.importImages('/tmp/x.tar');
    const id: string = await client.buildProfile('dev', { noCache: true });
    void [img, loaded, id];
    // @ts-expect-error fresh is a boolean
    await c.reboot({ fresh: 1 });
    return all.length + image.length + (await client.prune());
}

// Projects (index.d.ts: initProject ... doctor).
import {
    initProject,
    findProjectRoot,
    projectConfig,
    projectHistory,
    type ProjectConfig,
    type HistoryEntry,
    type DoctorReport,
} from 'pocketdock';

export async function projects(): Promise<boolean> {
    const root: string = initProject('/tmp/p', 'name');
    const again: string = findProjectRoot(root);
    const cfg: ProjectConfig = projectConfig(again);
    const client = await connect({ projectDir: root });
    const box = await client.createContainer({ projectDir: root, persist: false, ttlMs: 60_000 });
    const dir: string = await box.instanceDir();
    const h: HistoryEntry[] = projectHistory(root, box.name);
    const r: DoctorReport = await client.doctor({ projectDir: root, fix: false });
    // @ts-expect-error -- fix is a boolean
    await client.doctor({ fix: 'yes' });
    void [cfg.logging.maxRunLogs, dir, h[0]?.kind, r.crashed[0]?.fixed];
    return r.healthy;
}
