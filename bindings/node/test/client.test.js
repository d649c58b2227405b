'use strict';
// connect() and Client against the engine in POCKETDOCK_SOCKET: what the engine said about
// itself, an explicit socket that is never replaced by another engine, the connect timeout
// rule, close() semantics, and containers that outlive their client.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { pd, client, makeContainer, closeAll, engine, SOCKET, LABEL_KEY, LABEL_VALUE } = require('./helpers');

const PKG = path.resolve(__dirname, '..');

/** Runs `code` in a fresh node process with `env` added; returns its result. */
function node(code, env) {
    return spawnSync(process.execPath, ['-e', code], {
        cwd: PKG,
        env: { ...process.env, ...env },
        encoding: 'utf8',
        timeout: 60_000,
    });
}

describe('connect', () => {
    after(closeAll);

    test('engineInfo is what the engine says about itself', async () => {
        const c = await client();
        const v = (await engine('GET', '/version')).json;
        const podman = (v.Components ?? []).some((x) => /podman/i.test(x.Name));
        assert.deepEqual(Object.keys(c.engineInfo), ['kind', 'version', 'apiVersion', 'socket']);
        assert.equal(c.engineInfo.kind, podman ? 'podman' : 'docker');
        assert.equal(c.engineInfo.version, v.Version);
        assert.equal(c.engineInfo.apiVersion, v.ApiVersion);
        assert.equal(c.engineInfo.socket, SOCKET);
        assert.ok(Object.isFrozen(c.engineInfo));
        assert.ok(c instanceof pd.Client);
        assert.match(String(c), new RegExp(c.engineInfo.kind));
    });

    test('unix:// and a plain path name the same engine', async () => {
        const c = await pd.connect({ socket: `unix://${SOCKET}`, connectTimeoutMs: 60_000 });
        try {
            assert.equal(c.engineInfo.socket, SOCKET);
        } finally {
            c.close();
        }
    });

    test('an explicit socket that does not answer is EngineNotFoundError naming it', async () => {
        await assert.rejects(pd.connect({ socket: '/nonexistent/pd-node.sock' }), (e) => {
            assert.ok(e instanceof pd.EngineNotFoundError, String(e));
            assert.equal(e.code, 'ENGINE_NOT_FOUND');
            assert.match(e.message, /\/nonexistent\/pd-node\.sock/);
            return true;
        });
        await assert.rejects(pd.connect({ socket: 'tcp://127.0.0.1:2375' }), pd.InvalidArgumentError);
    });

    test('POCKETDOCK_SOCKET naming a missing path: connect() rejects naming it, no fallback', () => {
        const missing = `/nonexistent/pd-node-env-${process.pid}.sock`;
        const code = `
            require('.').connect().then(
                (c) => { console.log('CONNECTED ' + c.engineInfo.socket); process.exit(3); },
                (e) => { console.log(e.constructor.name + ' ' + e.code + ' ' + e.message); });`;
        const r = node(code, { POCKETDOCK_SOCKET: missing });
        assert.equal(r.status, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /^EngineNotFoundError ENGINE_NOT_FOUND /);
        assert.ok(r.stdout.includes(missing), r.stdout);
    });

    test('connectTimeoutMs follows the timeout rule; bad options are TypeErrors', async () => {
        await assert.rejects(pd.connect({ socket: SOCKET, connectTimeoutMs: 0 }), pd.InvalidArgumentError);
        const c = await pd.connect({ socket: SOCKET, connectTimeoutMs: pd.NO_TIMEOUT });
        c.close();
        await assert.rejects(pd.connect({ socket: SOCKET, requestTimeoutMs: 0 }), pd.InvalidArgumentError);
        const r = await pd.connect({ socket: SOCKET, requestTimeoutMs: 5_000 });
        r.close();
        await assert.rejects(pd.connect({ connectTimeoutMs: 1.5 }), TypeError);
        await assert.rejects(pd.connect(/** @type {any} */ ({ socket: 5 })), TypeError);
        await assert.rejects(pd.connect(/** @type {any} */ ({ image: 'x' })), TypeError);
        await assert.rejects(pd.connect(/** @type {any} */ (null)), TypeError);
    });

    test('close(): idempotent, later calls are InvalidStateError, containers keep working', async () => {
        const c = await pd.connect({ socket: SOCKET });
        const box = await c.createContainer({ labels: { [LABEL_KEY]: LABEL_VALUE } });
        try {
            assert.equal(box.client, c);
            c.close();
            c.close();
            assert.equal(c.closed, true);
            await assert.rejects(c.createContainer(), pd.InvalidStateError);
            await assert.rejects(c.listContainers(), pd.InvalidStateError);
            assert.equal((await box.run('echo after client close')).stdout, 'after client close\n');
            assert.equal(c.engineInfo.socket, SOCKET, 'engineInfo stays readable');
        } finally {
            await box.close();
        }
    });

    test('close() while a call is in flight frees the client after it', async () => {
        const c = await pd.connect({ socket: SOCKET });
        const listing = c.listContainers();
        c.close();
        assert.ok(Array.isArray(await listing));
        await assert.rejects(c.prune(), pd.InvalidStateError);
    });

    test('one client serves many containers; they are listed by its engine', async () => {
        const c = await client();
        const [a, b] = await Promise.all([makeContainer(), makeContainer()]);
        const names = (await c.listContainers()).map((s) => s.name);
        assert.ok(names.includes(a.name) && names.includes(b.name), names.join(','));
    });

    test('Client cannot be constructed directly', () => {
        assert.throws(() => new (/** @type {any} */ (pd.Client))(1n), TypeError);
    });
});
