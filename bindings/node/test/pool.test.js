'use strict';
// Warm pools through the Node binding, on the engine under test: warm acquire, a run,
// exhaustion, release (destroyed, not handed out again), shutdown removes every member,
// bad options refused.

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const pd = require('..');
const { client, engine, LABEL_KEY, LABEL_VALUE } = require('./helpers');

const pools = [];
after(async () => {
    await Promise.allSettled(pools.map((p) => p.close()));
});

async function makePool(opts) {
    const c = await client();
    const p = await c.createPool({ ...opts, container: { labels: { [LABEL_KEY]: LABEL_VALUE } } });
    pools.push(p);
    return p;
}

test('a pool hands out warm sandboxes and removes them all at shutdown', async () => {
    const p = await makePool({ minIdle: 1, maxSize: 2 });
    assert.match(p.id, /^pool-[0-9a-f]{8}$/);
    const a = await p.acquire({ timeoutMs: 60_000 });
    const r = await a.run('echo pooled');
    assert.equal(r.stdout, 'pooled\n');
    const b = await p.acquire({ timeoutMs: 60_000 });
    await assert.rejects(p.acquire({ timeoutMs: 0 }), pd.TimeoutError);
    const s = p.stats();
    assert.equal(s.inUse, 2);
    assert.ok(s.created >= 2 && s.acquireP50Ms > 0, JSON.stringify(s));

    const name = a.name;
    await p.release(a);
    assert.ok(a.closed, 'release frees the handle');
    await assert.rejects(p.release(a), pd.InvalidStateError);
    const c = await p.acquire({ timeoutMs: 60_000 });
    assert.notEqual(c.name, name, 'a released sandbox is not handed out again');

    await p.shutdown();
    for (const held of [b, c]) {
        const res = await engine('GET', `/containers/${held.name}/json`);
        assert.equal(res.status, 404, `${held.name} survived the shutdown`);
        held.release();
    }
    await assert.rejects(p.acquire({ timeoutMs: 0 }), pd.InvalidStateError);
    await p.close();
    assert.ok(p.closed);
    assert.throws(() => p.stats(), pd.InvalidStateError);
});

test('bad pool options are refused before any engine call', async () => {
    const c = await client();
    await assert.rejects(c.createPool({ minIdle: 3, maxSize: 2 }), pd.InvalidArgumentError);
    await assert.rejects(c.createPool({ maxSize: -1 }), TypeError);
    await assert.rejects(c.createPool({ bogus: 1 }), TypeError);
    await assert.rejects(c.createPool({ engines: [{ client: {} }] }), TypeError);
    await assert.rejects(c.createPool({ container: { name: 'fixed' } }), pd.InvalidArgumentError);
});
