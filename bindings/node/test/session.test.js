'use strict';
// Persistent shell sessions (Session over pd_session_*) against the engine in POCKETDOCK_SOCKET.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { pd, makeContainer, closeAll, sleep } = require('./helpers');

describe('Container.session', () => {
    /** @type {import('..').Container} */
    let box;
    before(async () => {
        box = await makeContainer();
    });
    after(closeAll);

    test('cwd and variables persist between commands; env/workdir of the options apply', async () => {
        const s = await box.session({ env: { PD_GREETING: 'hi there' }, workdir: '/tmp' });
        try {
            const a = await s.sendAndWait('pwd; echo "$PD_GREETING"; cd /etc; PD_X=5');
            assert.equal(a.stdout, '/tmp\nhi there\n');
            assert.equal(a.exitCode, 0);
            const b = await s.sendAndWait('pwd; echo "$PD_X"');
            assert.equal(b.stdout, '/etc\n5\n');
        } finally {
            await s.close();
        }
    });

    test('exit codes and stderr per command; concurrent calls queue in order', async () => {
        const s = await box.session();
        try {
            const [a, b, c] = await Promise.all([
                s.sendAndWait('echo one'),
                s.sendAndWait('echo oops >&2; false'),
                s.sendAndWait('echo three'),
            ]);
            assert.equal(a.stdout, 'one\n');
            assert.equal(b.stderr, 'oops\n');
            assert.equal(b.exitCode, 1);
            assert.equal(c.stdout, 'three\n');
        } finally {
            await s.close();
        }
    });

    test('a timeout interrupts the command and the session stays usable', async () => {
        const s = await box.session();
        try {
            const t = await s.sendAndWait('echo before; sleep 30; echo never', { timeoutMs: 1000 });
            assert.equal(t.timedOut, true);
            assert.equal(t.stdout, 'before\n');
            assert.ok(t.durationMs < 10_000);
            assert.equal((await s.sendAndWait('echo alive')).stdout, 'alive\n');
        } finally {
            await s.close();
        }
    });

    test("without timeoutMs a command gets the container's default timeout", async () => {
        const quick = await makeContainer({ timeoutMs: 1000 });
        const s = await quick.session();
        try {
            const t = await s.sendAndWait('sleep 30');
            assert.equal(t.timedOut, true);
            assert.ok(t.durationMs < 10_000, `durationMs ${t.durationMs}`);
        } finally {
            await s.close();
        }
    });

    test('send() then read()', async () => {
        const s = await box.session();
        try {
            await s.send('echo sent-only; echo to-err >&2');
            let out = { stdout: '', stderr: '' };
            for (let i = 0; i < 30 && !(out.stdout && out.stderr); i++) {
                const o = await s.read();
                out = { stdout: out.stdout + o.stdout, stderr: out.stderr + o.stderr };
                if (!(out.stdout && out.stderr)) await sleep(100);
            }
            assert.equal(out.stdout, 'sent-only\n');
            assert.equal(out.stderr, 'to-err\n');
        } finally {
            await s.close();
        }
    });

    test('close() is idempotent; use after close is an InvalidStateError; bad args are TypeErrors', async () => {
        const s = await box.session();
        await assert.rejects(s.sendAndWait(/** @type {any} */ (5)), TypeError);
        await assert.rejects(s.sendAndWait('true', { timeoutMs: 1.5 }), TypeError);
        // The timeout rule: 0 leaves no time to run.
        await assert.rejects(s.sendAndWait('true', { timeoutMs: 0 }), pd.InvalidArgumentError);
        assert.equal((await s.sendAndWait('echo unlimited', { timeoutMs: pd.NO_TIMEOUT })).stdout, 'unlimited\n');
        await s.close();
        await s.close();
        assert.equal(s.closed, true);
        await assert.rejects(s.sendAndWait('echo x'), pd.InvalidStateError);
        await assert.rejects(s.read(), pd.InvalidStateError);
    });

    test('sessions need the agent', async () => {
        const nb = await makeContainer({ agent: false });
        await assert.rejects(nb.session(), pd.InvalidArgumentError);
    });
});
