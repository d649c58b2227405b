'use strict';
// Runs against the real engine in POCKETDOCK_SOCKET, on one shared sandbox.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { pd, makeContainer, closeAll, sleep } = require('./helpers');

describe('Container.run', () => {
    /** @type {import('..').Container} */
    let box;
    before(async () => {
        box = await makeContainer();
    });
    after(closeAll);

    test('echo: stdout, exit 0, empty stderr', async () => {
        const r = await box.run('echo hello');
        assert.equal(r.stdout, 'hello\n');
        assert.equal(r.stderr, '');
        assert.equal(r.exitCode, 0);
        assert.equal(r.ok, true);
        assert.equal(r.timedOut, false);
        assert.equal(r.truncated, false);
        assert.ok(Buffer.isBuffer(r.stdoutBytes));
        assert.deepEqual(r.stdoutBytes, Buffer.from('hello\n'));
        assert.equal(typeof r.durationMs, 'number');
        assert.ok(r.durationMs >= 0 && r.durationMs < 30_000, `durationMs ${r.durationMs}`);
    });

    test('stderr is kept separate from stdout', async () => {
        const r = await box.run('echo out; echo err >&2; echo out2');
        assert.equal(r.stdout, 'out\nout2\n');
        assert.equal(r.stderr, 'err\n');
        assert.deepEqual(r.stderrBytes, Buffer.from('err\n'));
    });

    test('exit code 42 is a result, not an error', async () => {
        const r = await box.run('echo before; exit 42');
        assert.equal(r.exitCode, 42);
        assert.equal(r.ok, false);
        assert.equal(r.stdout, 'before\n');
    });

    test('lang python', async () => {
        const r = await box.run('import sys\nprint(6 * 7, file=sys.stdout)\nprint("e", file=sys.stderr)', {
            lang: 'python',
        });
        assert.equal(r.exitCode, 0, r.stderr);
        assert.equal(r.stdout, '42\n');
        assert.equal(r.stderr, 'e\n');
    });

    test('lang bash', async () => {
        const r = await box.run('a=(x y z); echo ${#a[@]}', { lang: 'bash' });
        assert.equal(r.stdout, '3\n');
    });

    test('binary output: bytes exact, text with replacement characters', async () => {
        const r = await box.run("printf '\\377\\000ab'");
        assert.deepEqual(r.stdoutBytes, Buffer.from([0xff, 0x00, 0x61, 0x62]));
        assert.ok(r.stdout.endsWith('ab'), JSON.stringify(r.stdout));
        assert.ok(r.stdout.includes('\uFFFD'), JSON.stringify(r.stdout));
    });

    test('timeout kills the command, keeps partial output, sets timedOut', async () => {
        const t0 = Date.now();
        const r = await box.run('echo partial; sleep 31; echo never', { timeoutMs: 1500 });
        const wall = Date.now() - t0;
        assert.equal(r.timedOut, true);
        assert.equal(r.exitCode, -1);
        assert.equal(r.ok, false);
        assert.equal(r.stdout, 'partial\n');
        assert.ok(wall < 15_000, `run took ${wall} ms despite a 1.5 s timeout`);
        assert.ok(r.durationMs >= 1400, `durationMs ${r.durationMs}`);
        // The sleep is really gone inside the container ('3[1]' keeps grep from matching itself).
        const ps = await box.run(
            "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done | grep -c 'sleep 3[1]' || true",
        );
        assert.equal(ps.stdout.trim(), '0');
    });

    test('output over maxOutput is truncated and the command killed', async () => {
        const r = await box.run("head -c 100000 /dev/zero | tr '\\0' a; sleep 20; echo end", {
            maxOutput: 1000,
            timeoutMs: 15_000,
        });
        assert.equal(r.truncated, true);
        assert.equal(r.timedOut, false);
        assert.equal(r.ok, false);
        assert.equal(r.stdoutBytes.length, 1000);
        assert.equal(r.stdout, 'a'.repeat(1000));
        assert.ok(r.durationMs < 14_000, `killed late: ${r.durationMs} ms`);
    });

    test('output at maxOutput is not truncated', async () => {
        const r = await box.run("head -c 1000 /dev/zero | tr '\\0' b", { maxOutput: 1000 });
        assert.equal(r.truncated, false);
        assert.equal(r.stdout, 'b'.repeat(1000));
    });

    test('bad run options reject with InvalidArgumentError', async () => {
        await assert.rejects(box.run('true', { lang: /** @type {any} */ ('cobol') }), (e) => {
            assert.ok(e instanceof pd.InvalidArgumentError);
            assert.ok(e instanceof pd.PocketdockError);
            assert.equal(e.code, 'INVALID_ARGUMENT');
            assert.equal(e.status, pd.STATUS.INVALID_ARGUMENT);
            assert.match(e.message, /cobol/);
            return true;
        });
        // The timeout rule: 0 leaves no time to run; a negative timeout is no limit.
        await assert.rejects(box.run('true', { timeoutMs: 0 }), pd.InvalidArgumentError);
        assert.equal((await box.run('echo unlimited', { timeoutMs: pd.NO_TIMEOUT })).stdout, 'unlimited\n');
        assert.equal((await box.run('echo unlimited', { timeoutMs: -5 })).timedOut, false);
        await assert.rejects(box.run('true', /** @type {any} */ ({ timeout: 5 })), TypeError);
        await assert.rejects(box.run(/** @type {any} */ (42)), TypeError);
        await assert.rejects(box.run('echo a\0b'), TypeError);
        await assert.rejects(box.run('true', { maxOutput: -1 }), TypeError);
        await assert.rejects(box.run('true', /** @type {any} */ ({ lang: 7 })), TypeError);
    });

    test('concurrent runs via Promise.all overlap and each gets its own output', async () => {
        const n = 3;
        const t0 = Date.now();
        const results = await Promise.all(
            Array.from({ length: n }, (_, i) => box.run(`sleep 2; echo run-${i}; echo err-${i} >&2`)),
        );
        const wall = Date.now() - t0;
        results.forEach((r, i) => {
            assert.equal(r.stdout, `run-${i}\n`);
            assert.equal(r.stderr, `err-${i}\n`);
            assert.equal(r.exitCode, 0);
        });
        const serial = results.reduce((s, r) => s + r.durationMs, 0);
        assert.ok(serial >= n * 2000, `sum of durations ${serial}`);
        assert.ok(wall < serial * 0.75, `no overlap: wall ${wall} ms vs ${serial} ms serial`);
    });

    test('a quick run does not wait behind 16 slow ones (no pool thread held while a command runs)', async () => {
        const slow = Array.from({ length: 16 }, (_, i) => box.run(`sleep 3; echo s${i}`));
        await sleep(500); // let them start
        const t0 = Date.now();
        const r = await box.run('echo quick');
        const took = Date.now() - t0;
        assert.equal(r.stdout, 'quick\n');
        const results = await Promise.all(slow);
        const waited = Date.now() - t0;
        assert.deepEqual(
            results.map((x) => x.stdout),
            Array.from({ length: 16 }, (_, i) => `s${i}\n`),
        );
        // The sleeps end ~2.5 s after t0; behind them the quick run would take that long.
        assert.ok(took < 1500 && took < waited, `quick run took ${took} ms (the slow ones ${waited} ms)`);
        assert.deepEqual(pd.blockingStats(), { max: pd.blockingStats().max, active: 0, queued: 0 });
    });

    test('the libuv pool keeps a thread for fs while the cap is saturated', async () => {
        const { max } = pd.blockingStats();
        const pending = Array.from({ length: max + 1 }, () => box.run('sleep 3'));
        await sleep(300); // let the runs reach their worker threads
        const t0 = Date.now();
        await fs.promises.readFile(__filename);
        const took = Date.now() - t0;
        await Promise.all(pending);
        assert.ok(took < 1500, `fs.readFile waited ${took} ms behind blocking calls`);
    });

    test('the event loop keeps running during a 10 s command', async () => {
        let ticks = 0;
        let last = Date.now();
        let maxGap = 0;
        const timer = setInterval(() => {
            const now = Date.now();
            maxGap = Math.max(maxGap, now - last);
            last = now;
            ticks++;
        }, 500);
        try {
            const r = await box.run('sleep 10; echo slept', { timeoutMs: 20_000 });
            assert.equal(r.stdout, 'slept\n');
            assert.ok(r.durationMs >= 10_000, `durationMs ${r.durationMs}`);
        } finally {
            clearInterval(timer);
        }
        // ~20 expected; 15 leaves room for a loaded machine, a blocked loop would give 0-1.
        assert.ok(ticks >= 15, `only ${ticks} ticks of 500 ms during a 10 s run`);
        assert.ok(maxGap < 2000, `event loop stalled for ${maxGap} ms`);
    });
});
