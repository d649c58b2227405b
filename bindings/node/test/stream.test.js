'use strict';
// Streaming runs (RunStream over pd_stream_next) against the engine in POCKETDOCK_SOCKET.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { pd, makeContainer, closeAll } = require('./helpers');

/** Counts processes whose command line matches `pattern` (a grep -E that cannot match itself). */
async function countProcs(box, pattern) {
    const r = await box.run(
        `for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done | grep -cE '${pattern}' || true`,
    );
    return Number(r.stdout.trim());
}

/** Collects a stream: chunks with arrival times (ms since `t0`). */
async function collect(s, t0) {
    const chunks = [];
    for await (const c of s) chunks.push({ ...c, at: Date.now() - t0 });
    return chunks;
}

const text = (chunks, which) =>
    Buffer.concat(chunks.filter((c) => c.stream === which).map((c) => c.data)).toString();

describe('Container.stream', () => {
    /** @type {import('..').Container} */
    let box;
    before(async () => {
        box = await makeContainer();
    });
    after(closeAll);

    test('chunks arrive while the command runs, stdout and stderr apart, then the result', async () => {
        const t0 = Date.now();
        const s = await box.stream('echo first; echo oops >&2; sleep 2; echo second; exit 3');
        const chunks = await collect(s, t0);
        assert.equal(text(chunks, 'stdout'), 'first\nsecond\n');
        assert.equal(text(chunks, 'stderr'), 'oops\n');
        const first = chunks.find((c) => c.data.toString().includes('first'));
        const second = chunks.find((c) => c.data.toString().includes('second'));
        assert.ok(first && second);
        assert.ok(second.at - first.at >= 1500, `first at ${first.at} ms, second at ${second.at} ms`);
        assert.ok(chunks.every((c) => Buffer.isBuffer(c.data)));
        assert.equal(s.ended, true);
        const r = await s.result();
        assert.equal(r.exitCode, 3);
        assert.equal(r.stdout, '', 'the output came as chunks');
        assert.equal(r.timedOut, false);
        assert.equal(await s.result(), r, 'result() is stable');
        assert.equal(await s.nextChunk(), null);
        await s.close();
    });

    test('argv stream and nextChunk()', async () => {
        const s = await box.stream(['printf', '%s|', 'a b', 'c']);
        const parts = [];
        for (let c = await s.nextChunk(); c !== null; c = await s.nextChunk()) parts.push(c.data);
        assert.equal(Buffer.concat(parts).toString(), 'a b|c|');
        assert.equal((await s.result()).exitCode, 0);
    });

    test('a timeout kills the streamed command and keeps what came', async () => {
        const s = await box.stream('echo early; sleep 31', { timeoutMs: 1500 });
        const chunks = await collect(s, Date.now());
        assert.equal(text(chunks, 'stdout'), 'early\n');
        const r = await s.result();
        assert.equal(r.timedOut, true);
        assert.equal(await countProcs(box, 'sleep 3[1]'), 0);
    });

    test('the output cap truncates and kills', async () => {
        const s = await box.stream("head -c 200000 /dev/zero | tr '\\0' x; sleep 30", { maxOutput: 5000, timeoutMs: 20_000 });
        const chunks = await collect(s, Date.now());
        const total = chunks.reduce((n, c) => n + c.data.length, 0);
        assert.ok(total <= 5000, `${total} bytes over a 5000-byte cap`);
        const r = await s.result();
        assert.equal(r.truncated, true);
        assert.ok(r.durationMs < 15_000);
    });

    test('leaving the loop early closes the stream and kills the command', async () => {
        const s = await box.stream('echo go; sleep 32');
        for await (const c of s) {
            assert.equal(c.data.toString(), 'go\n');
            break;
        }
        assert.equal(s.ended, false);
        await assert.rejects(s.result(), pd.InvalidStateError);
        let left = 1;
        for (let i = 0; i < 20 && left > 0; i++) {
            left = await countProcs(box, 'sleep 3[2]');
            if (left) await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(left, 0, 'the streamed command survived closing its stream');
        await s.close(); // idempotent
    });

    test('cancel() wakes a pull in flight and ends the iteration', async () => {
        const s = await box.stream('sleep 33');
        const t0 = Date.now();
        setTimeout(() => s.cancel(), 500);
        const chunks = await collect(s, t0);
        assert.equal(chunks.length, 0);
        assert.ok(Date.now() - t0 < 5000, `cancel took ${Date.now() - t0} ms`);
        const r = await s.result();
        assert.equal(r.ok, false);
        assert.equal(await countProcs(box, 'sleep 3[3]'), 0);
    });

    test('a silent stream does not hold the pool: other calls get turns', async () => {
        const prev = pd.setMaxBlockingCalls(1);
        try {
            const s = await box.stream('sleep 3; echo late');
            const reading = collect(s, Date.now());
            await new Promise((r) => setTimeout(r, 100));
            const t0 = Date.now();
            const r = await box.run('echo quick');
            const took = Date.now() - t0;
            assert.equal(r.stdout, 'quick\n');
            assert.ok(took < 2000, `run waited ${took} ms behind a silent stream`);
            assert.equal(text(await reading, 'stdout'), 'late\n');
        } finally {
            pd.setMaxBlockingCalls(prev);
        }
    });

    test('streaming through the engine exec (agent: false)', async () => {
        const nb = await makeContainer({ agent: false });
        const s = await nb.stream('echo a; echo b >&2; exit 4');
        const chunks = await collect(s, Date.now());
        assert.equal(text(chunks, 'stdout'), 'a\n');
        assert.equal(text(chunks, 'stderr'), 'b\n');
        assert.equal((await s.result()).exitCode, 4);
    });

    test('stream on a closed container is an InvalidStateError', async () => {
        const c = await makeContainer();
        await c.close();
        await assert.rejects(c.stream('echo x'), pd.InvalidStateError);
    });
});
