'use strict';
// Errors from the real engine in POCKETDOCK_SOCKET: classes, codes, statuses, messages.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { pd, makeContainer, closeAll, uniqueName, inspect, forceRemove, live } =
    require('./helpers');

/** Asserts `promise` rejects with class `Cls`, code and status; returns the error. */
async function rejectsWith(promise, Cls, code) {
    let caught;
    await assert.rejects(promise, (e) => {
        caught = e;
        return true;
    });
    assert.ok(caught instanceof Cls, `expected ${Cls.name}, got ${caught?.constructor?.name}: ${caught?.message}`);
    assert.ok(caught instanceof pd.PocketdockError);
    assert.ok(caught instanceof Error);
    assert.equal(caught.code, code);
    assert.equal(caught.status, pd.STATUS[code]);
    assert.equal(caught.name, Cls.name);
    assert.equal(typeof caught.engineStatus, 'number');
    assert.ok(caught.message.length > 0);
    return caught;
}

describe('errors', () => {
    after(closeAll);

    test('missing image -> ImageNotFoundError', async () => {
        const e = await rejectsWith(
            makeContainer({ image: 'pocketdock/does-not-exist:nope' }),
            pd.ImageNotFoundError,
            'IMAGE_NOT_FOUND',
        );
        assert.match(e.message, /does-not-exist/);
    });

    test('name clash -> NameConflictError, the first container untouched', async () => {
        const name = uniqueName('clash');
        const first = await makeContainer({ name });
        assert.equal(first.name, name);
        const e = await rejectsWith(makeContainer({ name }), pd.NameConflictError, 'NAME_CONFLICT');
        assert.match(e.message, new RegExp(name));
        const r = await first.run('echo still here');
        assert.equal(r.stdout, 'still here\n');
    });

    test('malformed memLimit -> InvalidArgumentError from create', async () => {
        const e = await rejectsWith(makeContainer({ memLimit: 'lots' }), pd.InvalidArgumentError, 'INVALID_ARGUMENT');
        assert.match(e.message, /lots/);
    });

    test('bad option values are rejected by the builder', async () => {
        await rejectsWith(makeContainer({ timeoutMs: 0 }), pd.InvalidArgumentError, 'INVALID_ARGUMENT');
        await assert.rejects(makeContainer(/** @type {any} */ ({ imagee: 'x' })), TypeError);
    });

    test('wrong JS types are TypeErrors and never reach C', async () => {
        // Koffi would take a number as a pointer: name: 5 must not become address 5.
        const bad = [
            { name: 5 },
            { image: null },
            { cpuPercent: -1 },
            { timeoutMs: 1.5 },
            { timeoutMs: Infinity },
            { timeoutMs: '5' },
            { network: 'no' },
            { name: 'a\0b' },
            { env: ['x'] },
            { volumes: [{ hostPath: 1, containerPath: '/x' }] },
            { ports: [{ hostPort: 70000, containerPort: 80 }] },
            { devices: [3] },
        ];
        const liveBefore = live.size;
        for (const opts of bad) {
            await assert.rejects(makeContainer(/** @type {any} */ (opts)), TypeError, JSON.stringify(opts));
        }
        assert.equal(live.size, liveBefore, 'a container was created from bad options');
    });

    test('no engine on the socket -> EngineNotFoundError from connect, naming it', async () => {
        const e = await rejectsWith(pd.connect({ socket: '/nonexistent/pocketdock.sock' }), pd.EngineNotFoundError, 'ENGINE_NOT_FOUND');
        assert.match(e.message, /\/nonexistent\/pocketdock\.sock/);
    });

    test('the socket is no longer a container option', async () => {
        await assert.rejects(makeContainer(/** @type {any} */ ({ socket: '/x' })), /unknown container option key 'socket'/);
    });

    test('run after shutdown of an ephemeral container -> ContainerNotFoundError', async () => {
        const box = await makeContainer();
        await box.shutdown();
        assert.equal(await inspect(box.id), null, 'ephemeral container still exists after shutdown');
        await rejectsWith(box.run('echo x'), pd.ContainerNotFoundError, 'CONTAINER_NOT_FOUND');
    });

    test('run after shutdown of a persistent container -> ContainerNotRunningError', async () => {
        const box = await makeContainer({ persist: true });
        try {
            await box.shutdown();
            const info = await inspect(box.id);
            assert.ok(info, 'persistent container was removed');
            assert.equal(info.State.Running, false);
            await rejectsWith(box.run('echo x'), pd.ContainerNotRunningError, 'CONTAINER_NOT_RUNNING');
        } finally {
            await box.close();
            await forceRemove(box.id); // persistent: close() only stops it
        }
    });

    test('container removed behind our back -> ContainerNotFoundError (or its Gone subclass)', async () => {
        const box = await makeContainer();
        await forceRemove(box.id);
        await assert.rejects(box.run('echo x'), pd.ContainerNotFoundError);
        await box.close(); // shutdown of a vanished container must not throw
    });

    test('shutdown twice and close twice are fine', async () => {
        const box = await makeContainer();
        await box.shutdown();
        await box.shutdown();
        await box.close();
        await box.close();
        assert.equal(box.closed, true);
        await box.shutdown(); // no-op after close
    });

    test('run after close -> InvalidStateError, C never sees the freed handle', async () => {
        const box = await makeContainer();
        await box.close();
        await rejectsWith(box.run('echo x'), pd.InvalidStateError, 'INVALID_STATE');
    });

    test('PocketdockError is constructible and subclass-friendly', () => {
        const e = new pd.TimeoutError('slow', { status: pd.STATUS.TIMEOUT });
        assert.ok(e instanceof pd.PocketdockError);
        assert.equal(e.code, 'TIMEOUT');
        assert.equal(e.engineStatus, 0);
        const g = new pd.ContainerGoneError('gone', { status: pd.STATUS.CONTAINER_GONE });
        assert.ok(g instanceof pd.ContainerNotFoundError);
        assert.equal(g.code, 'CONTAINER_GONE');
        const u = new pd.PocketdockError('future', { status: 99 });
        assert.equal(u.code, 'STATUS_99');
    });
});
