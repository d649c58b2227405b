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
const { SOCKET, makeContainer, cleanupAfter } = require('./helpers');

cleanupAfter();
const tags = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pd-node-profiles-'));
after(async () => {
    for (const t of tags) await pd.removeImage(t, { socket: SOCKET, force: true }).catch(() => {});
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
    assert.equal(ps.length, 5);
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
    await assert.rejects(pd.createContainer({ socket: SOCKET, profile: 'gpu' }), pd.InvalidArgumentError);
});

test('build, export, remove, import', async () => {
    const tag = `pocketdock-test/node-roundtrip-${process.pid}`;
    tags.push(tag);
    const id = await pd.buildProfile('minimal-python', {
        socket: SOCKET,
        contextDir: contextDir('ok', `FROM ${smallBase}\nLABEL node=test\n`),
        tag,
    });
    assert.ok(id);
    assert.equal(await pd.imageExists(tag, { socket: SOCKET }), true);
    const file = path.join(tmp, 'img.tar.gz');
    await pd.exportImages([tag], file, { socket: SOCKET });
    assert.deepEqual([...fs.readFileSync(file).subarray(0, 2)], [0x1f, 0x8b]);
    await pd.removeImage(tag, { socket: SOCKET, force: true });
    assert.equal(await pd.imageExists(tag, { socket: SOCKET }), false);
    const names = await pd.importImages(file, { socket: SOCKET });
    assert.ok(names.some((n) => n.includes(tag)), String(names));
    assert.equal(await pd.imageExists(tag, { socket: SOCKET }), true);
});

test('a failing build and missing images are typed errors', async () => {
    const tag = `pocketdock-test/node-fails-${process.pid}`;
    tags.push(tag);
    await assert.rejects(
        pd.buildProfile('minimal-python', {
            socket: SOCKET,
            contextDir: contextDir('fails', `FROM ${smallBase}\nRUN /busybox false\n`),
            tag,
        }),
        pd.BuildFailedError,
    );
    await assert.rejects(pd.buildProfile('gpu', { socket: SOCKET }), pd.InvalidArgumentError);
    await assert.rejects(
        pd.exportImages(['pocketdock-test/never-built:x'], path.join(tmp, 'x.tar'), { socket: SOCKET }),
        pd.ImageNotFoundError,
    );
    await assert.rejects(pd.importImages('/nonexistent/x.tar', { socket: SOCKET }), pd.FileNotFoundError);
    await assert.rejects(pd.removeImage('pocketdock-test/never-built:x', { socket: SOCKET }), pd.ImageNotFoundError);
    await assert.rejects(() => pd.exportImages('x', 'y'), TypeError);
});
