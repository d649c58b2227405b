'use strict';
// Persistence (Client#resumeContainer/stopContainer/destroyContainer/listContainers/prune, reboot,
// snapshot) against the engine in POCKETDOCK_SOCKET. Everything runs in a project of this
// file's own, removed in after() whatever happened.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { pd, client, LABEL_KEY, LABEL_VALUE, engine, inspect, forceRemove } = require('./helpers');

const project = `pdtest-node-persist-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
const images = [];

async function projectContainers() {
    const filters = encodeURIComponent(JSON.stringify({ label: [`pocketdock.project=${project}`] }));
    const r = await engine('GET', `/containers/json?all=true&filters=${filters}`);
    assert.equal(r.status, 200, r.text);
    return r.json.map((c) => c.Id);
}

async function make(opts = {}) {
    return (await client()).createContainer({
        project,
        ...opts,
        labels: { [LABEL_KEY]: LABEL_VALUE },
    });
}

describe('persistence', () => {
    after(async () => {
        for (const id of await projectContainers()) await forceRemove(id);
        for (const ref of images) await engine('DELETE', `/images/${ref}?force=true`);
    });

    test('persist, shutdown, list, resume, reboot, stop, prune, destroy', async () => {
        const cl = await client();
        const c = await make({ persist: true });
        const name = c.name;
        await c.writeFile('marker', 'kept\n');
        await c.close(); // persistent: stopped and kept
        const listed = await cl.listContainers({ project });
        assert.equal(listed.length, 1);
        const [s] = listed;
        assert.equal(s.name, name);
        assert.equal(s.status, 'exited');
        assert.equal(s.persist, true);
        assert.equal(s.project, project);
        assert.equal(s.image, 'pocketdock/minimal-python');
        assert.match(s.createdAt, /Z$/);
        assert.ok(s.id.length >= 12);

        const r = await cl.resumeContainer(name);
        try {
            assert.equal((await r.run('cat marker')).stdout, 'kept\n');
            await r.reboot();
            assert.equal((await r.run('cat marker')).stdout, 'kept\n');
            const oldId = r.id;
            await r.reboot({ fresh: true });
            assert.notEqual(r.id, oldId, 'the object follows the recreated container');
            assert.equal((await inspect(name)).Id, r.id);
            assert.equal((await r.run('cat marker 2>/dev/null || echo fresh')).stdout, 'fresh\n');
        } finally {
            r.release();
        }
        await cl.stopContainer(name);
        assert.equal(await cl.prune({ project }), 1);
        assert.equal(await inspect(name), null);
        await assert.rejects(cl.destroyContainer(name), pd.ContainerNotFoundError);
        await assert.rejects(cl.resumeContainer(name.slice(0, -1)), pd.ContainerNotFoundError);
    });

    test('snapshot, then a new sandbox from it; destroy', async () => {
        const c = await make();
        try {
            await c.run('echo snapped > /home/sandbox/marker');
            const ref = `localhost:5000/${project}/snap:v1`;
            images.push(ref);
            const id = await c.snapshot(ref);
            assert.ok(id.length > 0);
            const n = await make({ image: ref });
            try {
                assert.equal((await n.run('cat /home/sandbox/marker')).stdout, 'snapped\n');
            } finally {
                n.release();
            }
            await (await client()).destroyContainer(n.name);
            assert.equal(await inspect(n.name), null);
            await assert.rejects(c.snapshot('Bad Ref'), pd.InvalidArgumentError);
        } finally {
            await c.close();
        }
    });

    test('bad arguments are TypeErrors before any native call', async () => {
        const cl = await client();
        await assert.rejects(cl.resumeContainer(/** @type {any} */ (5)), TypeError);
        await assert.rejects(cl.stopContainer('a\0b'), TypeError);
        await assert.rejects(cl.listContainers(/** @type {any} */ ({ project: 7 })), TypeError);
        await assert.rejects(cl.listContainers(/** @type {any} */ ({ socket: '/x' })), TypeError);
        await assert.rejects(cl.prune(/** @type {any} */ (null)), TypeError);
        const c = await make();
        try {
            await assert.rejects(c.reboot({ fresh: 'yes' }), TypeError);
            await assert.rejects(c.snapshot(null), TypeError);
        } finally {
            await c.close();
        }
    });
});
