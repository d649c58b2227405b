'use strict';
// Garbage-collection safety: run with `node --expose-gc --test test/gc.js` (scripts/test-node
// does). Forces collections while handles are live, after they are closed, and after they
// were forgotten, so the FinalizationRegistry safety net frees them; none of it may crash or
// free twice.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { pd, makeContainer, closeAll, forceRemove, live, SOCKET, LABEL_KEY, LABEL_VALUE } = require('./helpers');

const gc = /** @type {undefined | (() => void)} */ (globalThis.gc);

/** Collects until `done()` or `rounds` collections, letting finalizers run in between. */
async function collectUntil(done, rounds = 50) {
    for (let i = 0; i < rounds && !done(); i++) {
        gc?.();
        await new Promise((r) => setImmediate(r));
    }
    return done();
}

describe('garbage collection', { skip: gc ? false : 'needs node --expose-gc' }, () => {
    const forgotten = []; // ids of containers whose wrappers we drop on purpose
    after(async () => {
        await closeAll();
        for (const id of forgotten) await forceRemove(id);
    });

    test('gc while handles are live and between calls', async () => {
        const box = await makeContainer();
        gc?.();
        const results = [];
        for (let i = 0; i < 5; i++) {
            results.push(await box.run(`echo run-${i}`));
            gc?.();
        }
        gc?.();
        results.forEach((r, i) => {
            assert.equal(r.stdout, `run-${i}\n`);
            assert.deepEqual(r.stdoutBytes, Buffer.from(`run-${i}\n`));
        });
        const again = await box.run('echo alive');
        assert.equal(again.stdout, 'alive\n');
    });

    test('gc during an in-flight run whose wrapper is otherwise unreachable', async () => {
        const { pending, id } = await (async () => {
            const box = await makeContainer();
            live.delete(box); // drop every reference but the pending call's
            return { pending: box.run('sleep 1; echo survived'), id: box.id };
        })();
        forgotten.push(id);
        for (let i = 0; i < 5; i++) {
            gc?.();
            await new Promise((r) => setTimeout(r, 50));
        }
        const before = pd.handleStats.finalized;
        const r = await pending;
        assert.equal(r.stdout, 'survived\n');
        // Once the call settled nothing holds the wrapper: the safety net frees its handle.
        const freed = await collectUntil(() => pd.handleStats.finalized > before);
        assert.ok(freed, 'the unreachable wrapper was not finalized after its run settled');
    });

    test('gc after close does not free again', async () => {
        const before = { ...pd.handleStats };
        await (async () => {
            const box = await makeContainer();
            await box.close();
            live.delete(box);
        })();
        await collectUntil(() => false, 10);
        assert.equal(pd.handleStats.released, before.released + 1);
        assert.equal(pd.handleStats.finalized, before.finalized, 'a closed handle reached the finalizer');
    });

    test('forgotten stream and process handles are freed; gc during a stream', async () => {
        const box = await makeContainer();
        const before = pd.handleStats.finalized;
        await (async () => {
            const s = await box.stream('for i in 1 2 3; do echo $i; sleep 0.1; done; sleep 35');
            let n = 0;
            while (n < 3) {
                const c = await s.nextChunk();
                assert.ok(c, 'stream ended early');
                gc?.();
                n += c.data.toString().split('\n').filter(Boolean).length;
            }
            assert.equal(s.ended, false);
            const p = await box.spawn('sleep 36');
            gc?.();
            assert.equal(await p.isRunning(), true);
            // both dropped without close(): the stream still runs its command, the process too
        })();
        const freed = await collectUntil(() => pd.handleStats.finalized >= before + 2);
        assert.ok(freed, `finalized ${pd.handleStats.finalized - before} of 2 forgotten handles`);
        // Freeing the stream kills its command (soon after); the detached process keeps running.
        const count = async (re) =>
            Number((await box.run(`for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done | grep -c '${re}' || true`)).stdout.trim());
        let streamed = await count('sleep 3[5]');
        for (let i = 0; i < 30 && streamed > 0; i++) {
            await new Promise((r) => setTimeout(r, 100));
            streamed = await count('sleep 3[5]');
        }
        assert.equal(streamed, 0, 'the forgotten stream left its command running');
        assert.ok((await count('sleep 3[6]')) >= 1, 'the detached process died with its handle');
    });

    test('a forgotten handle is freed by the FinalizationRegistry', async () => {
        const before = pd.handleStats.finalized;
        const id = await (async () => {
            const box = await makeContainer();
            await box.shutdown(); // the container goes; only the handle is "forgotten"
            live.delete(box);
            return box.id;
        })();
        forgotten.push(id);
        const freed = await collectUntil(() => pd.handleStats.finalized > before);
        assert.ok(freed, 'the finalizer never freed the forgotten container handle');
        // The library is still fine afterwards.
        const box = await makeContainer();
        assert.equal((await box.run('echo ok')).stdout, 'ok\n');
        await box.close();
        gc?.();
    });

    test('a client lives as long as its containers; forgotten, the safety net frees it', async () => {
        const before = pd.handleStats.finalized;
        let { box, weak } = await (async () => {
            const c = await pd.connect({ socket: SOCKET });
            const b = await c.createContainer({ labels: { [LABEL_KEY]: LABEL_VALUE } });
            return { box: b, weak: new WeakRef(c) };
        })();
        // (Conditions read handleStats, not weak.deref(): a deref keeps its target alive for
        // the rest of the job, which is when gc() runs.)
        await collectUntil(() => pd.handleStats.finalized > before, 20);
        assert.equal(pd.handleStats.finalized, before, 'the client was finalized while its container was alive');
        assert.ok(weak.deref(), 'the client was collected while its container was alive');
        assert.equal(box.client, weak.deref());
        assert.equal((await box.run('echo held')).stdout, 'held\n');
        await box.close();
        box = null;
        const freed = await collectUntil(() => pd.handleStats.finalized > before);
        assert.ok(freed, 'the forgotten client was not finalized');
        assert.equal(weak.deref(), undefined);
    });
});
