// Compile-time test of index.d.ts (tsc -p bindings/node; never executed). Each line uses the
// API the way a TypeScript user would; the @ts-expect-error lines must stay errors.
import {
    createContainer,
    Container,
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
    resumeContainer,
    listContainers,
    prune,
    type ContainerSummary,
} from 'pocketdock';

export async function usage(): Promise<number> {
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

    await using box = await createContainer(opts);
    const also: Container = await Container.create();
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
    const opened: Container = await Container.open(box.name, { socket: null });
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
    const c: Container = await resumeContainer('pd-1', { socket: null });
    await c.reboot({ fresh: true });
    const image: string = await c.snapshot('localhost:5000/team/img:v1');
    const all: ContainerSummary[] = await listContainers({ project: 'p' });
    // @ts-expect-error fresh is a boolean
    await c.reboot({ fresh: 1 });
    return all.length + image.length + (await prune());
}

// Projects (index.d.ts: initProject ... doctor).
import {
    initProject,
    findProjectRoot,
    projectConfig,
    projectHistory,
    doctor,
    type ProjectConfig,
    type HistoryEntry,
    type DoctorReport,
} from 'pocketdock';

export async function projects(): Promise<boolean> {
    const root: string = initProject('/tmp/p', 'name');
    const again: string = findProjectRoot(root);
    const cfg: ProjectConfig = projectConfig(again);
    const box = await createContainer({ projectDir: root, persist: false, ttlMs: 60_000 });
    const dir: string = await box.instanceDir();
    const h: HistoryEntry[] = projectHistory(root, box.name);
    const r: DoctorReport = await doctor({ projectDir: root, fix: false });
    // @ts-expect-error -- fix is a boolean
    await doctor({ fix: 'yes' });
    void [cfg.logging.maxRunLogs, dir, h[0]?.kind, r.crashed[0]?.fixed];
    return r.healthy;
}
