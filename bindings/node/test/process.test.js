'use strict';
// Detached processes (Process) and Client#openContainer against the engine in POCKETDOCK_SOCKET.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { pd, client, makeContainer, closeAll, inspect, sleep } = require('./helpers');

/** Polls `fn` until it returns a truthy value or `ms` pass; returns the last value. */
async function until(fn, ms = 5000, every = 100) {
    const end = Date.now() + ms;
    let v = await fn();
    while (!v && Date.now() < end) {
        await sleep(every);
        v = await fn();
    }
    return v;
}

describe('detached processes', () => {
    /** @type {import('..').Container} */
    let box;
    const procs = [];
    before(async () => {
        box = await makeContainer();
    });
    after(async () => {
        for (const p of procs) await p.kill().catch(() => {});
        for (const p of procs) await p.close();
        await closeAll();
    });
    const track = (p) => (procs.push(p), p);

    test('spawn, isRunning, processes(), kill, wait', async () => {
        const p = track(await box.spawn('sleep 60'));
        assert.ok(Number.isInteger(p.id) && p.id > 0, `id ${p.id}`);
        assert.equal(p.bufferSize, 1 << 20);
        assert.equal(await p.isRunning(), true, 'isRunning() right after spawn');
        // The agent may list a process a moment before its pid is known (pid 0: reported to
        // the core); the pid must show up soon after.
        const listed = await until(async () => {
            const e = (await box.processes()).find((x) => x.id === p.id);
            return e && e.pid > 0 ? e : null;
        }, 3000, 50);
        assert.ok(listed, 'spawned process not listed with a pid');
        assert.equal(listed.running, true, `listed: ${JSON.stringify(listed)}`);
        assert.equal(listed.exitCode, null);
        await p.kill('SIGTERM');
        const r = await p.wait({ timeoutMs: 10_000 });
        assert.equal(r.signal, 15);
        assert.equal(r.exitCode, 128 + 15);
        assert.equal(await p.isRunning(), false);
        const after = (await box.processes()).find((e) => e.id === p.id);
        assert.equal(after?.running, false);
        assert.equal(after?.exitCode, 143);
    });

    test('read() hands out new output once; peek() leaves it', async () => {
        const p = track(await box.spawn('echo one; sleep 1; echo two >&2; sleep 60'));
        const first = await until(async () => {
            const o = await p.peek();
            return o.stdout ? o : null;
        });
        assert.equal(first?.stdout, 'one\n');
        const r1 = await p.read();
        assert.equal(r1.stdout, 'one\n');
        assert.deepEqual(r1.stdoutBytes, Buffer.from('one\n'));
        const r2 = await until(async () => {
            const o = await p.read();
            return o.stderr ? o : null;
        });
        assert.equal(r2?.stdout, '', 'stdout read twice');
        assert.equal(r2?.stderr, 'two\n');
        await p.kill();
    });

    test('wait with a timeout rejects with TimeoutError and the process keeps running', async () => {
        const p = track(await box.spawn('sleep 60'));
        const t0 = Date.now();
        await assert.rejects(p.wait({ timeoutMs: 700 }), (e) => {
            assert.ok(e instanceof pd.TimeoutError);
            assert.equal(e.code, 'TIMEOUT');
            return true;
        });
        assert.ok(Date.now() - t0 >= 650);
        assert.equal(await p.isRunning(), true);
        await p.kill(9);
        assert.equal((await p.wait()).signal, 9);
    });

    test('wait follows the timeout rule: 0 just looks, negative waits without limit', async () => {
        const p = track(await box.spawn('sleep 1; echo done'));
        const t0 = Date.now();
        await assert.rejects(p.wait({ timeoutMs: 0 }), pd.TimeoutError);
        assert.ok(Date.now() - t0 < 900, `a look took ${Date.now() - t0} ms`);
        const r = await p.wait({ timeoutMs: pd.NO_TIMEOUT });
        assert.equal(r.stdout, 'done\n');
        await assert.rejects(p.wait({ timeoutMs: 1.5 }), TypeError);
    });

    test('wait with an AbortSignal rejects with AbortError; the process keeps running', async () => {
        const p = track(await box.spawn('sleep 60'));
        const ac = new AbortController();
        const t0 = Date.now();
        setTimeout(() => ac.abort(), 300);
        await assert.rejects(p.wait({ signal: ac.signal }), (e) => {
            assert.ok(e instanceof pd.AbortError);
            assert.equal(e.name, 'AbortError');
            return true;
        });
        assert.ok(Date.now() - t0 < 2000, `abort took ${Date.now() - t0} ms`);
        assert.equal(await p.isRunning(), true);
        await assert.rejects(p.wait({ signal: AbortSignal.abort() }), pd.AbortError);
        await p.kill(9);
        assert.equal((await p.wait()).signal, 9);
    });

    test('events: stdout, stderr and exit, in order, pulled by the pump', async () => {
        const p = track(
            await box.spawn('for i in 1 2 3; do echo tick $i; sleep 0.3; done; echo bye >&2; exit 7', { pollMs: 50 }),
        );
        const seen = [];
        p.on('stdout', (b) => seen.push(['out', b.toString()]));
        p.on('stderr', (b) => seen.push(['err', b.toString()]));
        const res = await new Promise((resolve, reject) => {
            p.once('exit', resolve);
            p.once('error', reject);
        });
        assert.equal(res.exitCode, 7);
        const out = seen.filter(([k]) => k === 'out').map(([, v]) => v).join('');
        const err = seen.filter(([k]) => k === 'err').map(([, v]) => v).join('');
        assert.equal(out, 'tick 1\ntick 2\ntick 3\n');
        assert.equal(err, 'bye\n');
        assert.ok(seen.filter(([k]) => k === 'out').length >= 2, 'output came in one piece: not streamed');
    });

    test('attach from another handle (and another Container handle) sees the output', async () => {
        const p = track(await box.spawn('echo hello-attach; sleep 60'));
        await until(async () => (await p.peek()).stdout);
        const same = track(await box.attach(p.id));
        assert.equal(same.id, p.id);
        assert.equal((await same.read()).stdout, 'hello-attach\n');
        const other = await (await client()).openContainer(box.name);
        try {
            const q = track(await other.attach(p.id));
            assert.equal((await q.peek()).stdout, 'hello-attach\n', 'read cursors are per handle');
            await q.kill();
            assert.equal((await p.wait({ timeoutMs: 10_000 })).signal, 9);
        } finally {
            other.release();
        }
        assert.ok(await inspect(box.id), 'release() of the opened handle removed the container');
    });

    test('a small ring drops old output and says so', async () => {
        const p = track(await box.spawn("head -c 100000 /dev/zero | tr '\\0' z; echo; echo tail", { bufferSize: 1024 }));
        const r = await p.wait({ timeoutMs: 10_000 });
        assert.equal(r.exitCode, 0);
        assert.ok(r.stdoutBytes.length <= 1024, `${r.stdoutBytes.length} bytes kept in a 1024-byte ring`);
        assert.ok(r.stdout.endsWith('tail\n'), 'the newest output is kept');
        assert.equal(p.bufferOverflow, true);
        assert.equal(p.bufferSize, 1024);
    });

    test('the run timeout applies to a spawned process when given', async () => {
        const p = track(await box.spawn('echo started; sleep 60', { timeoutMs: 1000 }));
        const r = await p.wait({ timeoutMs: 15_000 });
        assert.equal(r.timedOut, true);
        assert.equal(r.stdout, 'started\n');
    });

    test('close() frees the handle but the process keeps running', async () => {
        const p = await box.spawn('sleep 60');
        const id = p.id;
        await p.close();
        await p.close();
        assert.equal(p.closed, true);
        await assert.rejects(p.read(), pd.InvalidStateError);
        const listed = (await box.processes()).find((e) => e.id === id);
        assert.equal(listed?.running, true);
        const again = track(await box.attach(id));
        await again.kill();
    });

    test('bad arguments', async () => {
        const p = track(await box.spawn('true'));
        await assert.rejects(p.kill(/** @type {any} */ ('SIGNOPE')), TypeError);
        await assert.rejects(p.kill(0), TypeError);
        await assert.rejects(box.spawn('true', /** @type {any} */ ({ pollMs: 0 })), TypeError);
        await assert.rejects(box.attach(-1), TypeError);
    });

    test('detached processes need the agent', async () => {
        const nb = await makeContainer({ agent: false });
        await assert.rejects(nb.spawn('sleep 1'), (e) => {
            assert.ok(e instanceof pd.InvalidArgumentError);
            assert.match(e.message, /agent/);
            return true;
        });
    });
});

describe('Client#openContainer', () => {
    after(closeAll);

    test('opens by name and by id; missing -> ContainerNotFoundError', async () => {
        const box = await makeContainer();
        const byName = await (await client()).openContainer(box.name);
        const byId = await (await client()).openContainer(box.id);
        try {
            assert.equal(byName.id, box.id);
            assert.equal(byId.name, box.name);
            assert.equal((await byId.run('echo via-open')).stdout, 'via-open\n');
        } finally {
            byName.release();
            byId.release();
        }
        assert.ok(await inspect(box.id), 'release() must not shut the container down');
        await assert.rejects((await client()).openContainer('pd-node-no-such-container'), pd.ContainerNotFoundError);
    });

    test('close() of an opened handle shuts the container down', async () => {
        const box = await makeContainer();
        const o = await (await client()).openContainer(box.name);
        await o.close();
        assert.equal(await inspect(box.id), null);
        await assert.rejects(box.run('echo x'), pd.ContainerNotFoundError);
    });
});
