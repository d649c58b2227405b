'use strict';
// Loading the library: ABI check, POCKETDOCK_LIB, both entry points, versions. No engine needed.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const pd = require('..');
const { checkAbi } = require('../lib/ffi');
const { libraryCandidates } = require('../lib/locate');

const PKG = path.resolve(__dirname, '..');
const ROOT = path.resolve(PKG, '..', '..');

function node(code, env = {}) {
    return spawnSync(process.execPath, ['-e', code], {
        cwd: PKG,
        env: { ...process.env, ...env },
        encoding: 'utf8',
    });
}

describe('loading', () => {
    test('version() matches Cargo.toml and abiVersion() the binding', () => {
        const cargo = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8');
        const m = cargo.match(/^version\s*=\s*"([^"]+)"/m);
        assert.ok(m, 'no version in Cargo.toml');
        assert.equal(pd.version(), m[1]);
        assert.equal(pd.abiVersion(), pd.ABI_VERSION);
        assert.equal(pd.ABI_VERSION, 2);
    });

    test('an ABI mismatch is refused with both numbers in the message', () => {
        // A library of ABI 1 (before pd_client) under this ABI 2 binding.
        assert.throws(() => checkAbi(1, 2, '/x/libpocketdock.so'), (e) => {
            assert.match(e.message, /has C ABI version 1/);
            assert.match(e.message, /for ABI version 2/);
            assert.match(e.message, /\/x\/libpocketdock\.so/);
            return true;
        });
        assert.throws(() => checkAbi(3, 2), /has C ABI version 3/);
        assert.doesNotThrow(() => checkAbi(2, 2));
        assert.doesNotThrow(() => checkAbi(pd.abiVersion()));
    });

    test('POCKETDOCK_LIB wins; a missing file is a clear error', () => {
        assert.deepEqual(libraryCandidates(2, { POCKETDOCK_LIB: pd.libraryPath }).candidates, [
            { file: path.resolve(pd.libraryPath), how: 'POCKETDOCK_LIB' },
        ]);
        assert.throws(() => libraryCandidates(2, { POCKETDOCK_LIB: '/nonexistent/libpocketdock.so' }), /POCKETDOCK_LIB/);
        const r = node("require('.')", { POCKETDOCK_LIB: '/nonexistent/libpocketdock.so' });
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /POCKETDOCK_LIB=\/nonexistent\/libpocketdock\.so does not exist/);
    });

    test('a library that is not libpocketdock is refused', () => {
        const libc = ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/lib64/libc.so.6'].find(
            (p) => fs.existsSync(p),
        );
        if (!libc) return; // not a glibc system: nothing to load in its place
        const r = node("require('.')", { POCKETDOCK_LIB: libc });
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /is not libpocketdock .*pd_version/);
    });

    test('without POCKETDOCK_LIB: pkg-config, the loader, system paths, then the checkout', () => {
        const env = { ...process.env, PKG_CONFIG_PATH: path.join(ROOT, 'target', 'pkgconfig') };
        delete env.POCKETDOCK_LIB;
        const hasPc = fs.existsSync(path.join(ROOT, 'target', 'pkgconfig', 'pocketdock.pc'));
        const { candidates } = libraryCandidates(2, env);
        // The SONAME's name first (the build links libpocketdock.so.2 next to the library).
        const dir = path.join(ROOT, 'target', 'release');
        const soname = path.join(dir, 'libpocketdock.so.2');
        const release = fs.existsSync(soname) ? soname : path.join(dir, 'libpocketdock.so');
        if (hasPc) assert.deepEqual(candidates[0], { file: release, how: 'pkg-config' });
        assert.deepEqual(candidates.at(-1), { file: release, how: 'the checkout around the package' });
        assert.ok(candidates.some((c) => c.file === 'libpocketdock.so.2' && c.how.startsWith('the dynamic loader')));
        // And the package loads from the checkout with nothing set.
        delete env.PKG_CONFIG_PATH;
        const r = node("console.log(require('.').libraryPath)", env);
        assert.equal(r.status, 0, r.stderr);
    });

    test('a library found nowhere: the error lists every place looked at', () => {
        const env = { ...process.env, PKG_CONFIG_PATH: '/nonexistent', LD_LIBRARY_PATH: '' };
        delete env.POCKETDOCK_LIB;
        const { skipped } = libraryCandidates(2, env);
        assert.ok(skipped.some((s) => s.startsWith('pkg-config:')), skipped.join('\n'));
        assert.ok(skipped.includes('POCKETDOCK_LIB: not set'));
    });

    test('CommonJS and ES module entries expose the same objects', async () => {
        const esm = await import('../index.mjs');
        assert.equal(esm.Container, pd.Container);
        assert.equal(esm.PocketdockError, pd.PocketdockError);
        assert.equal(esm.default, pd);
        for (const k of Object.keys(pd)) assert.ok(k in esm, `ESM entry lacks ${k}`);
        const byName = await import('pocketdock'); // package self-reference through "exports"
        assert.equal(byName.Container, pd.Container);
        assert.equal(require('pocketdock'), pd);
    });

    test('Container and Client cannot be constructed directly', () => {
        assert.throws(() => new (/** @type {any} */ (pd.Container))(1n), TypeError);
        assert.throws(() => new (/** @type {any} */ (pd.Client))(1n), TypeError);
    });

    test('the ABI 1 entry points are gone', () => {
        for (const k of ['createContainer', 'resumeContainer', 'stopContainer', 'destroyContainer', 'listContainers', 'prune', 'doctor', 'buildProfile', 'exportImages', 'importImages', 'removeImage', 'imageExists']) {
            assert.equal(k in pd, false, `pd.${k} still exported`);
        }
        assert.equal(/** @type {any} */ (pd.Container).open, undefined);
        assert.equal(/** @type {any} */ (pd.Container).create, undefined);
        assert.equal(pd.NO_TIMEOUT, -1);
        assert.deepEqual(Object.keys(pd.LOG_LEVELS), ['off', 'error', 'warn', 'info', 'debug', 'trace']);
    });
});
