'use strict';
// AbortSignal on run() and stream() against the engine in POCKETDOCK_SOCKET, on both
// execution paths (the in-sandbox agent and engine exec): aborting kills the whole command
// tree in the sandbox before the promise rejects with AbortError.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { pd, makeContainer, closeAll } = require('./helpers');

/** How many processes in `box` have `re` in their command line (checked from inside). Write
 *  `re` so that it does not match itself (`sleep 317[6]`): the checking shell counts too. */
async function count(box, re) {
    const script = `for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done | grep -c '${re}' || true`;
    return Number((await box.run(script)).stdout.trim());
}

const abortAfter = (ms) => AbortSignal.timeout(ms);

for (const agent of [true, false]) {
    describe(`AbortSignal (${agent ? 'agent' : 'engine exec'})`, () => {
        /** @type {import('..').Container} */
        let box;
        before(async () => {
            box = await makeContainer({ agent });
            assert.equal(box.usesAgent, agent);
        });
        after(closeAll);

        test('run(): abort kills the command tree, then rejects with AbortError', async () => {
            // A shell with two background children and a grandchild: the whole tree must go.
            const cmd = 'sleep 3171 & (sleep 3172; echo never) & sh -c "sleep 3173" & echo started; wait';
            const ac = new AbortController();
            const t0 = Date.now();
            const running = box.run(cmd, { signal: ac.signal });
            // Abort once the three sleeps are up (seen from inside the sandbox).
            for (let i = 0; i < 100 && (await count(box, '^sleep 317[123]')) < 3; i++);
            assert.equal(await count(box, '^sleep 317[123]'), 3, 'the command tree never started');
            ac.abort(new Error('enough'));
            await assert.rejects(running, (e) => {
                assert.ok(e instanceof pd.AbortError, String(e));
                assert.equal(e.name, 'AbortError');
                assert.equal(e.code, 'ABORT_ERR');
                assert.equal(/** @type {any} */ (e.cause)?.message, 'enough');
                return true;
            });
            assert.ok(Date.now() - t0 < 20_000);
            // Unanchored: the shells of the tree count too.
            assert.equal(await count(box, 'sleep 317[123]'), 0, 'processes of the aborted run are still alive');
            assert.equal((await box.run('echo still usable')).stdout, 'still usable\n');
        });

        test('an AbortSignal.timeout() aborts an argv run the same way', async () => {
            const running = box.run(['sh', '-c', 'sleep 3174 & sleep 3175; echo never'], { signal: abortAfter(800) });
            await assert.rejects(running, pd.AbortError);
            assert.equal(await count(box, 'sleep 317[45]'), 0);
        });

        test('a signal that never fires changes nothing in the result', async () => {
            const ac = new AbortController();
            const r = await box.run('echo out; echo err >&2; exit 4', { signal: ac.signal });
            assert.equal(r.exitCode, 4);
            assert.equal(r.stdout, 'out\n');
            assert.equal(r.stderr, 'err\n');
            assert.deepEqual(r.stdoutBytes, Buffer.from('out\n'));
            assert.equal(r.timedOut, false);
            assert.equal(r.ok, false);
            const capped = await box.run('yes | head -c 100000', { signal: ac.signal, maxOutput: 1000 });
            assert.equal(capped.truncated, true);
            assert.ok(capped.stdoutBytes.length <= 1000, `${capped.stdoutBytes.length} bytes`);
            const slow = await box.run('sleep 30', { signal: ac.signal, timeoutMs: 800 });
            assert.equal(slow.timedOut, true);
            const plain = await box.run('printf "a\\nb"', { signal: ac.signal, lang: 'sh', env: { X: '1' } });
            assert.equal(plain.stdout, 'a\nb');
            if (agent) assert.equal((await box.run('wc -c', { stdin: 'hello', signal: ac.signal })).stdout.trim(), '5');
        });

        test('an already aborted signal rejects at once and starts nothing', async () => {
            const t0 = Date.now();
            await assert.rejects(box.run('touch /tmp/ran-anyway', { signal: AbortSignal.abort() }), pd.AbortError);
            await assert.rejects(box.stream('touch /tmp/ran-anyway', { signal: AbortSignal.abort() }), pd.AbortError);
            assert.ok(Date.now() - t0 < 1000);
            assert.equal((await box.run('test -e /tmp/ran-anyway && echo yes || echo no')).stdout, 'no\n');
        });

        test('stream(): abort ends the iteration with AbortError and kills the command', async () => {
            const ac = new AbortController();
            const s = await box.stream('for i in 1 2 3 4 5 6 7 8 9; do echo tick $i; sleep 0.2; done; sleep 3176', {
                signal: ac.signal,
            });
            const seen = [];
            await assert.rejects(
                (async () => {
                    for await (const { data } of s) {
                        seen.push(data.toString());
                        if (seen.join('').includes('tick 2')) ac.abort();
                    }
                })(),
                pd.AbortError,
            );
            assert.ok(!seen.join('').includes('tick 9'), seen.join(''));
            await assert.rejects(s.result(), pd.AbortError);
            assert.equal(await count(box, 'sleep 317[6]'), 0);
            await s.close();
        });

        test('a bad signal is a TypeError', async () => {
            await assert.rejects(box.run('true', /** @type {any} */ ({ signal: 'stop' })), TypeError);
        });
    });
}
