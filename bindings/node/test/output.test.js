'use strict';
// run() with onStdout / onStderr: output as it comes, pushed by the library (no polling).

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { pd, makeContainer, closeAll } = require('./helpers');
const { pushStats } = require('../lib/push');

// Processes whose command line matches `pattern` (no pgrep in the minimal image).
async function countProcs(box, pattern) {
    const r = await box.run(
        `for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done | grep -cE '${pattern}' || true`,
    );
    return Number(r.stdout.trim());
}

describe('run() output callbacks', () => {
    /** @type {import('..').Container} */
    let box;
    before(async () => {
        box = await makeContainer();
    });
    after(closeAll);

    test('chunks arrive while the command runs, in order, and the result has them all', async () => {
        const seen = [];
        const t0 = Date.now();
        const r = await box.run('echo one; sleep 1; echo two >&2; sleep 1; echo three', {
            onStdout: (b) => seen.push(['out', b.toString(), Date.now() - t0]),
            onStderr: (b) => seen.push(['err', b.toString(), Date.now() - t0]),
        });
        assert.deepEqual(
            seen.map(([s, t]) => [s, t]),
            [
                ['out', 'one\n'],
                ['err', 'two\n'],
                ['out', 'three\n'],
            ],
        );
        // The first chunk came long before the end: pushed, not collected at the end.
        assert.ok(seen[0][2] < r.durationMs - 1000, `first chunk at ${seen[0][2]} ms of ${r.durationMs}`);
        assert.equal(r.stdout, 'one\nthree\n');
        assert.equal(r.stderr, 'two\n');
        assert.equal(r.exitCode, 0);
        assert.deepEqual(pushStats(), { streams: 0, runs: 0 });
    });

    test('argv runs, a timeout and a signal work with callbacks too', async () => {
        const chunks = [];
        const r = await box.run(['sh', '-c', 'echo a; sleep 30'], { timeoutMs: 1000, onStdout: (b) => chunks.push(b) });
        assert.equal(Buffer.concat(chunks).toString(), 'a\n');
        assert.equal(r.timedOut, true);
        const ac = new AbortController();
        const p = box.run('echo b; sleep 31', { signal: ac.signal, onStdout: () => ac.abort() });
        await assert.rejects(p, pd.AbortError);
        assert.equal(await countProcs(box, 'sleep 3[1]'), 0);
    });

    test('a callback that throws cancels the run, which rejects with its error', async () => {
        const boom = new Error('boom');
        const p = box.run('echo x; sleep 32', {
            onStdout: () => {
                throw boom;
            },
        });
        await assert.rejects(p, (e) => e === boom);
        assert.equal(await countProcs(box, 'sleep 3[2]'), 0);
    });

    test('callbacks must be functions', async () => {
        await assert.rejects(box.run('true', { onStdout: 'no' }), TypeError);
        await assert.rejects(box.run('true', { onStderr: 1 }), TypeError);
    });
});
