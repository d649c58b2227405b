'use strict';
// `signal` on the calls that wait but cannot be interrupted in C: the promise rejects with
// AbortError at once and what the call makes late is disposed of.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { pd, client, makeContainer, closeAll, sleep } = require('./helpers');

const SOCKET = process.env.POCKETDOCK_SOCKET;

describe('signal on calls that wait', () => {
    /** @type {import('..').Container} */
    let box;
    before(async () => {
        box = await makeContainer();
    });
    after(closeAll);

    test('an aborted signal rejects before anything reaches C', async () => {
        const s = AbortSignal.abort('no');
        const c = await client();
        await assert.rejects(pd.connect({ socket: SOCKET, signal: s }), pd.AbortError);
        await assert.rejects(c.createContainer({ signal: s }), pd.AbortError);
        await assert.rejects(c.openContainer(box.name, { signal: s }), pd.AbortError);
        await assert.rejects(box.readFile('/etc/hostname', { signal: s }), pd.AbortError);
        await assert.rejects(box.writeFile('/tmp/x', 'x', { signal: s }), pd.AbortError);
        await assert.rejects(box.listFiles('/', { signal: s }), pd.AbortError);
        await assert.rejects(box.info({ signal: s }), pd.AbortError);
        await assert.rejects(box.spawn('sleep 1', { signal: s }), pd.AbortError);
        await assert.rejects(box.session({ signal: s }), pd.AbortError);
        await assert.rejects(c.listContainers({ signal: s }), pd.AbortError);
        await assert.rejects(c.prune({ project: 'none', signal: s }), pd.AbortError);
        await assert.rejects(box.reboot({ signal: s }), pd.AbortError);
        await assert.rejects(box.snapshot('pocketdock/never', { signal: s }), pd.AbortError);
        await assert.rejects(box.shutdown({ signal: s }), pd.AbortError);
        assert.equal((await box.run('echo still')).stdout, 'still\n');
        await assert.rejects(c.buildProfile('minimal-python', { signal: s }), pd.AbortError);
        await assert.rejects(c.exportImages(['x'], '/tmp/never.tar', { signal: s }), pd.AbortError);
        await assert.rejects(c.importImages('/tmp/never.tar', { signal: s }), pd.AbortError);
        await assert.rejects(c.removeImage('pocketdock/never', { signal: s }), pd.AbortError);
        await assert.rejects(c.imageExists('pocketdock/never', { signal: s }), pd.AbortError);
        await assert.rejects(c.doctor({ signal: s }), pd.AbortError);
        await assert.rejects(pd.connect({ socket: SOCKET, signal: 'x' }), TypeError);
    });

    test('a create aborted in flight rejects at once and its sandbox is removed', async () => {
        const c = await client();
        const name = `pd-abort-${process.pid}-${Date.now()}`;
        const ac = new AbortController();
        const p = c.createContainer({ name, labels: { 'pocketdock.test': 'node' }, signal: ac.signal });
        await sleep(20);
        const t0 = Date.now();
        ac.abort();
        await assert.rejects(p, pd.AbortError);
        assert.ok(Date.now() - t0 < 100, 'rejected at once');
        // The create finishes in the library; the late sandbox is then removed.
        let left = 1;
        for (let i = 0; i < 100 && left > 0; i++) {
            await sleep(200);
            left = (await c.listContainers()).filter((x) => x.name === name).length;
        }
        assert.equal(left, 0);
    });

    test('sendAndWait: an abort stops the wait; the shell stays usable', async () => {
        const sh = await box.session();
        try {
            const ac = new AbortController();
            setTimeout(() => ac.abort(), 300);
            const t0 = Date.now();
            await assert.rejects(sh.sendAndWait('sleep 2; echo late', { signal: ac.signal }), pd.AbortError);
            assert.ok(Date.now() - t0 < 1500, `waited ${Date.now() - t0} ms`);
            const r = await sh.sendAndWait('echo next');
            assert.equal(r.stdout, 'next\n');
        } finally {
            await sh.close();
        }
    });
});
