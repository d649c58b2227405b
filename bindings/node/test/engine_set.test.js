'use strict';
// EngineSet: a plain create on a set of the engine under test and the other one
// (POCKETDOCK_OTHER_SOCKET, else the other of scripts/engine-up's two): the sandbox lands on
// one of them, its `client` is that engine's, it outlives the set; bad input refused.

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const pd = require('..');
const { client, LABEL_KEY, LABEL_VALUE } = require('./helpers');

function otherSocket() {
    if (process.env.POCKETDOCK_OTHER_SOCKET) return process.env.POCKETDOCK_OTHER_SOCKET;
    return process.env.POCKETDOCK_SOCKET === '/run/podman/podman.sock'
        ? '/run/pocketdock-docker.sock'
        : '/run/podman/podman.sock';
}

const labels = { [LABEL_KEY]: LABEL_VALUE };
const opened = [];
after(() => {
    for (const c of opened) c.close();
});

test('an engine set creates on one of its engines', async () => {
    const mine = await client();
    const other = await pd.connect({ socket: otherSocket() });
    opened.push(other);
    const set = new pd.EngineSet([{ client: mine }, { client: other, weight: 1, limit: 0 }]);
    for (let i = 0; i < 2; i++) {
        const box = await set.createContainer({ labels });
        try {
            assert.ok(box.client === mine || box.client === other, 'client is one of the set');
            assert.equal((await box.run('echo placed')).stdout, 'placed\n');
        } finally {
            await box.close();
        }
    }
    const kept = await set.createContainer({ labels });
    set.close();
    set.close();
    assert.ok(set.closed);
    try {
        assert.equal((await kept.run('echo still')).stdout, 'still\n', 'a sandbox outlives its set');
    } finally {
        await kept.close();
    }
    await assert.rejects(set.createContainer({ labels }), pd.InvalidStateError);
});

test('an engine set refuses bad input', async () => {
    const mine = await client();
    assert.throws(() => new pd.EngineSet([]), TypeError);
    assert.throws(() => new pd.EngineSet([{ client: {} }]), TypeError);
    assert.throws(() => new pd.EngineSet([{ client: mine, weight: 0 }]), TypeError);
    assert.throws(() => new pd.EngineSet([{ client: mine, bogus: 1 }]));
    const set = new pd.EngineSet([{ client: mine }]);
    try {
        await assert.rejects(
            set.createContainer({ image: 'pocketdock/no-such-image-here', labels }),
            pd.ImageNotFoundError,
        );
        const ac = new AbortController();
        ac.abort();
        await assert.rejects(set.createContainer({ labels, signal: ac.signal }), { name: 'AbortError' });
    } finally {
        set.close();
    }
});
