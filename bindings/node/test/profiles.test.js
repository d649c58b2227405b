'use strict';
// Profiles and images against the engine under test: the table, a profile on container
// options, build (success and BuildFailedError), export -> remove -> import round trip.
// Test images get unique pocketdock-test/ names and are removed in after().

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const pd = require('..');
const { SOCKET, client, makeContainer, cleanupAfter } = require('./helpers');

cleanupAfter();
const tags = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pd-node-profiles-'));
after(async () => {
    const c = await client();
    for (const t of tags) await c.removeImage(t, { force: true }).catch(() => {});
    fs.rmSync(tmp, { recursive: true, force: true });
});

const smallBase = SOCKET.includes('podman') ? 'localhost/pocketdock/test-no-shell' : 'pocketdock/test-no-shell';

function contextDir(name, dockerfile) {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
    return dir;
}

test('the profile table', () => {
    const ps = pd.listProfiles();
    assert.equal(ps.length, 7);
    assert.equal(ps[0].name, 'minimal-python');
    for (const p of ps) {
        assert.equal(p.image, `pocketdock/${p.name}`);
        assert.equal(p.network, p.name === 'dev' || p.name === 'embedded');
        assert.deepEqual(pd.resolveProfile(p.name), p);
    }
    assert.throws(() => pd.resolveProfile('gpu'), pd.InvalidArgumentError);
});

test('a profile on container options sets image and network', async () => {
    const box = await makeContainer({ profile: 'minimal-python' });
    const info = await box.info();
    assert.match(info.image, /pocketdock\/minimal-python/);
    assert.equal(info.network, false);
    await assert.rejects((await client()).createContainer({ profile: 'gpu' }), pd.InvalidArgumentError);
});

test('build, export, remove, import', async () => {
    const c = await client();
    const tag = `pocketdock-test/node-roundtrip-${process.pid}`;
    tags.push(tag);
    const id = await c.buildProfile('minimal-python', {
        contextDir: contextDir('ok', `FROM ${smallBase}\nLABEL node=test\n`),
        tag,
    });
    assert.ok(id);
    assert.equal(await c.imageExists(tag), true);
    const file = path.join(tmp, 'img.tar.gz');
    await c.exportImages([tag], file);
    assert.deepEqual([...fs.readFileSync(file).subarray(0, 2)], [0x1f, 0x8b]);
    await c.removeImage(tag, { force: true });
    assert.equal(await c.imageExists(tag), false);
    const names = await c.importImages(file);
    assert.ok(names.some((n) => n.includes(tag)), String(names));
    assert.equal(await c.imageExists(tag), true);
});

test('a failing build and missing images are typed errors', async () => {
    const c = await client();
    const tag = `pocketdock-test/node-fails-${process.pid}`;
    tags.push(tag);
    await assert.rejects(
        c.buildProfile('minimal-python', {
            contextDir: contextDir('fails', `FROM ${smallBase}\nRUN /busybox false\n`),
            tag,
        }),
        pd.BuildFailedError,
    );
    await assert.rejects(c.buildProfile('gpu'), pd.InvalidArgumentError);
    await assert.rejects(
        c.exportImages(['pocketdock-test/never-built:x'], path.join(tmp, 'x.tar')),
        pd.ImageNotFoundError,
    );
    await assert.rejects(c.importImages('/nonexistent/x.tar'), pd.FileNotFoundError);
    await assert.rejects(c.removeImage('pocketdock-test/never-built:x'), pd.ImageNotFoundError);
    await assert.rejects(() => c.exportImages(/** @type {any} */ ('x'), 'y'), TypeError);
    await assert.rejects(() => c.buildProfile('minimal-python', /** @type {any} */ ({ socket: SOCKET })), TypeError);
});
