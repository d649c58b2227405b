'use strict';
// Container lifecycle and options, checked against what the engine in POCKETDOCK_SOCKET sees.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { pd, makeContainer, closeAll, uniqueName, inspect, forceRemove, LABEL_KEY, LABEL_VALUE } = require('./helpers');

describe('lifecycle', () => {
    after(closeAll);

    test('name and id match the engine; default name is pd-<8 hex>', async () => {
        const box = await makeContainer();
        assert.match(box.name, /^pd-[0-9a-f]{8}$/);
        assert.match(box.id, /^[0-9a-f]{64}$/);
        const info = await inspect(box.id);
        assert.ok(info);
        assert.equal(info.Name.replace(/^\//, ''), box.name);
        assert.equal(info.State.Running, true);
        assert.equal(info.Config.Labels[LABEL_KEY], LABEL_VALUE);
        assert.equal(box.closed, false);
        assert.match(String(box), new RegExp(box.name));
    });

    test('close() via Symbol.asyncDispose removes the container', async () => {
        const box = await makeContainer();
        assert.equal(typeof box[Symbol.asyncDispose], 'function');
        await box[Symbol.asyncDispose]();
        assert.equal(box.closed, true);
        assert.equal(await inspect(box.id), null);
        assert.equal(box.name.length > 0, true, 'name stays readable after close');
    });

    test('options reach the container', async () => {
        const name = uniqueName('opts');
        const box = await makeContainer({
            name,
            env: { POCKETDOCK_NODE_TEST: 'a b=c' },
            workdir: '/tmp',
            memLimit: '256m',
            cpuPercent: 50,
            network: false,
            project: 'node-binding-test',
            labels: { 'pocketdock.node.extra': 'yes' },
        });
        assert.equal(box.name, name);
        const r = await box.run('echo "$POCKETDOCK_NODE_TEST"; pwd; id -un');
        assert.equal(r.stdout, 'a b=c\n/tmp\nsandbox\n');
        const info = await inspect(box.id);
        assert.equal(info.HostConfig.Memory, 256 * 1024 * 1024);
        assert.equal(info.Config.Labels['pocketdock.node.extra'], 'yes');
        assert.equal(info.Config.Labels[LABEL_KEY], LABEL_VALUE);
        assert.equal(info.HostConfig.NetworkMode, 'none');
    });

    test('info(): live figures while running, nulls once stopped, camelCase keys', async () => {
        const box = await makeContainer({ persist: true, memLimit: '128m' });
        try {
            const i = await box.info();
            assert.equal(i.id, box.id);
            assert.equal(i.name, box.name);
            assert.equal(i.running, true);
            assert.equal(i.status, 'running');
            assert.match(i.image, /minimal-python/);
            assert.equal(typeof i.uptimeMs, 'number');
            assert.ok(i.memoryUsageBytes > 0, `memoryUsageBytes ${i.memoryUsageBytes}`);
            assert.equal(i.memoryLimitBytes, 128 * 1024 * 1024);
            assert.equal(typeof i.cpuPercent, 'number');
            assert.ok(i.pids >= 1, `pids ${i.pids}`);
            assert.ok(Array.isArray(i.processes) && i.processes.length >= 1);
            assert.ok(!Object.keys(i).some((k) => k.includes('_')), Object.keys(i).join(','));
            await box.shutdown();
            const s = await box.info();
            assert.equal(s.running, false);
            assert.equal(s.uptimeMs, null);
            assert.equal(s.memoryUsageBytes, null);
            assert.equal(s.pids, null);
        } finally {
            await box.close();
            await forceRemove(box.id);
        }
    });

    test('container default timeout applies to runs', async () => {
        const box = await makeContainer({ timeoutMs: 1000 });
        const r = await box.run('sleep 20');
        assert.equal(r.timedOut, true);
        assert.ok(r.durationMs < 10_000, `durationMs ${r.durationMs}`);
    });

    test('close() while a run is in flight waits for it before freeing', async () => {
        const box = await makeContainer();
        const running = box.run('sleep 1; echo done');
        const closing = box.close(); // shuts the container down under the run
        const [run, closed] = await Promise.allSettled([running, closing]);
        assert.equal(closed.status, 'fulfilled');
        // Depending on timing the run finishes or sees its container vanish; either way it
        // settles with a result or a PocketdockError, and nothing crashes.
        if (run.status === 'rejected') assert.ok(run.reason instanceof pd.PocketdockError, String(run.reason));
        assert.equal(box.closed, true);
        assert.equal(await inspect(box.id), null);
    });
});
