'use strict';
// Runs through the in-sandbox agent (the default) and through the engine exec (agent: false):
// argv runs, stdin, per-run env/workdir/user, signals, accounting, OOM, read-only rootfs.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { pd, makeContainer, closeAll, inspect } = require('./helpers');

describe('agent runs', () => {
    /** @type {import('..').Container} */
    let box;
    before(async () => {
        box = await makeContainer();
    });
    after(closeAll);

    test('the agent is used by default', () => {
        assert.equal(box.usesAgent, true);
    });

    test('argv run: no shell, arguments passed exactly', async () => {
        const r = await box.run(['python3', '-c', 'import sys, json; print(json.dumps(sys.argv[1:]))', 'a b', "c'd", '$HOME', '']);
        assert.equal(r.exitCode, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), ['a b', "c'd", '$HOME', '']);
    });

    test('argv run of a missing program is a result with exit 127', async () => {
        const r = await box.run(['/no/such/program']);
        assert.equal(r.exitCode, 127);
        assert.match(r.stderr, /no\/such\/program/);
    });

    test('argv must be a non-empty array of strings', async () => {
        await assert.rejects(box.run([]), TypeError);
        await assert.rejects(box.run(/** @type {any} */ (['echo', 1])), TypeError);
    });

    test('stdin from a string and from bytes', async () => {
        const s = await box.run('cat; echo', { stdin: 'héllo\nworld' });
        assert.equal(s.stdout, 'héllo\nworld\n');
        const bin = Buffer.from([0, 1, 2, 255, 10]);
        const b = await box.run('od -An -tu1 | tr -s " "', { stdin: bin });
        assert.equal(b.stdout.trim(), '0 1 2 255 10');
        const view = await box.run('cat', { stdin: new Uint8Array([104, 105]) });
        assert.equal(view.stdout, 'hi');
        const empty = await box.run('wc -c', { stdin: '' });
        assert.equal(empty.stdout.trim(), '0');
    });

    test('stdin larger than a pipe buffer', async () => {
        const big = Buffer.alloc(3 << 20, 0x41);
        const r = await box.run('wc -c', { stdin: big });
        assert.equal(r.stdout.trim(), String(big.length));
    });

    test('per-run env, workdir and user', async () => {
        const r = await box.run('echo "$PD_A|$PD_B"; pwd; id -un', {
            env: { PD_A: 'one two', PD_B: 'x=y' },
            workdir: '/etc',
            user: 'root',
        });
        assert.equal(r.stdout, 'one two|x=y\n/etc\nroot\n');
        const d = await box.run('echo "[$PD_A]"; id -un');
        assert.equal(d.stdout, '[]\nsandbox\n', 'per-run settings leaked into the next run');
    });

    test('a signal ends the command: signal set, exit 128 + signal', async () => {
        const r = await box.run('kill -TERM $$');
        assert.equal(r.signal, 15);
        assert.equal(r.exitCode, 128 + 15);
        assert.equal(r.ok, false);
    });

    test('resource accounting is reported', async () => {
        const r = await box.run('i = 0\nwhile i < 3_000_000: i += 1\nb = bytearray(40 << 20)', {
            lang: 'python',
        });
        assert.equal(r.exitCode, 0, r.stderr);
        assert.equal(typeof r.cpuUserUs, 'number');
        assert.equal(typeof r.cpuSysUs, 'number');
        assert.ok(/** @type {number} */ (r.cpuUserUs) + /** @type {number} */ (r.cpuSysUs) > 10_000, `cpu ${r.cpuUserUs}+${r.cpuSysUs} µs`);
        assert.ok(/** @type {number} */ (r.peakRssBytes) > 40 << 20, `peak rss ${r.peakRssBytes}`);
        assert.equal(r.oomKilled, false);
        assert.equal(r.signal, 0);
    });

    test('the OOM killer is reported', async () => {
        const small = await makeContainer({ memLimit: '64m' });
        const r = await small.run('b = bytearray(300 << 20)\nprint("survived")', { lang: 'python' });
        assert.equal(r.oomKilled, true);
        assert.equal(r.stdout, '');
        assert.equal(r.ok, false);
    });

    test('read-only root filesystem', async () => {
        const ro = await makeContainer({ readOnly: true });
        const r = await ro.run('touch /pd-node-ro 2>&1; echo "rc=$?"');
        assert.match(r.stdout, /Read-only file system/);
        assert.match(r.stdout, /rc=1/);
        const info = await inspect(ro.id);
        assert.equal(info.HostConfig.ReadonlyRootfs, true);
    });
});

describe('engine-exec runs (agent: false)', () => {
    after(closeAll);

    test('runs work, accounting is null, stdin is refused', async () => {
        const box = await makeContainer({ agent: false });
        assert.equal(box.usesAgent, false);
        const r = await box.run('echo hi; echo err >&2; exit 3');
        assert.equal(r.stdout, 'hi\n');
        assert.equal(r.stderr, 'err\n');
        assert.equal(r.exitCode, 3);
        assert.equal(r.cpuUserUs, null);
        assert.equal(r.cpuSysUs, null);
        assert.equal(r.peakRssBytes, null);
        const argv = await box.run(['echo', 'a b']);
        assert.equal(argv.stdout, 'a b\n');
        await assert.rejects(box.run('cat', { stdin: 'x' }), (e) => {
            assert.ok(e instanceof pd.InvalidArgumentError);
            assert.match(e.message, /agent/);
            return true;
        });
    });

    test('timeout still kills and keeps partial output', async () => {
        const box = await makeContainer({ agent: false });
        const r = await box.run('echo partial; sleep 30', { timeoutMs: 1500 });
        assert.equal(r.timedOut, true);
        assert.equal(r.stdout, 'partial\n');
    });
});
