'use strict';
// Files (writeFile/readFile/listFiles/push/pull) and hardening options, against the engine in
// POCKETDOCK_SOCKET.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pd, makeContainer, closeAll, inspect } = require('./helpers');

describe('files', () => {
    /** @type {import('..').Container} */
    let box;
    let tmp;
    before(async () => {
        box = await makeContainer();
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pd-node-files-'));
    });
    after(async () => {
        fs.rmSync(tmp, { recursive: true, force: true });
        await closeAll();
    });

    test('writeFile then readFile: text, bytes, encodings, parents created', async () => {
        await box.writeFile('/tmp/a/b/hello.txt', 'héllo\n');
        const buf = await box.readFile('/tmp/a/b/hello.txt');
        assert.ok(Buffer.isBuffer(buf));
        assert.deepEqual(buf, Buffer.from('héllo\n'));
        assert.equal(await box.readFile('/tmp/a/b/hello.txt', 'utf8'), 'héllo\n');
        assert.equal(await box.readFile('/tmp/a/b/hello.txt', 'base64'), Buffer.from('héllo\n').toString('base64'));
        const bin = Buffer.from([0, 255, 1, 254, 10]);
        await box.writeFile('bin.dat', bin); // relative: the working directory
        assert.deepEqual(await box.readFile('bin.dat'), bin);
        const r = await box.run('cat /tmp/a/b/hello.txt; stat -c %a bin.dat');
        assert.equal(r.stdout, 'héllo\n644\n');
    });

    test('empty and large files round-trip', async () => {
        await box.writeFile('/tmp/empty', '');
        assert.equal((await box.readFile('/tmp/empty')).length, 0);
        const big = Buffer.alloc(12 << 20);
        for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
        await box.writeFile('/tmp/big.bin', big);
        const back = await box.readFile('/tmp/big.bin');
        assert.equal(back.length, big.length);
        assert.ok(back.equals(big), 'large file changed on the way');
        assert.equal((await box.run('wc -c < /tmp/big.bin')).stdout.trim(), String(big.length));
    });

    test('listFiles: names, kinds, sizes, modes, sorted', async () => {
        await box.run('mkdir -p /tmp/l/d && printf 1234 > /tmp/l/f && chmod 4755 /tmp/l/f && ln -s f /tmp/l/s');
        const list = await box.listFiles('/tmp/l');
        assert.deepEqual(
            list.map((e) => [e.name, e.kind]),
            [
                ['d', 'dir'],
                ['f', 'file'],
                ['s', 'symlink'],
            ],
        );
        const f = list.find((e) => e.name === 'f');
        assert.equal(f?.size, 4);
        assert.equal(f?.mode, 0o4755);
        assert.ok(Array.isArray(await box.listFiles()));
    });

    test('missing files and wrong kinds are clear errors', async () => {
        await assert.rejects(box.readFile('/no/such/file'), (e) => {
            assert.ok(e instanceof pd.FileNotFoundError);
            assert.equal(e.code, 'FILE_NOT_FOUND');
            return true;
        });
        await assert.rejects(box.listFiles('/no/such/dir'), pd.FileNotFoundError);
        await assert.rejects(box.readFile('/tmp'), pd.InvalidArgumentError);
        await assert.rejects(box.writeFile('/tmp/x', /** @type {any} */ (42)), TypeError);
        await assert.rejects(box.readFile('/tmp/a/b/hello.txt', /** @type {any} */ ('klingon')), TypeError);
    });

    test('push a host tree in and pull it back out', async () => {
        const src = path.join(tmp, 'src');
        fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
        fs.writeFileSync(path.join(src, 'a.txt'), 'alpha');
        fs.writeFileSync(path.join(src, 'sub', 'b.txt'), 'beta');
        fs.chmodSync(path.join(src, 'a.txt'), 0o640);
        await box.push(src, '/tmp/pushed');
        const r = await box.run('cd /tmp/pushed && find . -type f | sort && cat sub/b.txt && stat -c %a a.txt');
        assert.equal(r.stdout, './a.txt\n./sub/b.txt\nbeta640\n');
        const dest = path.join(tmp, 'pulled');
        await box.pull('/tmp/pushed', dest);
        assert.equal(fs.readFileSync(path.join(dest, 'a.txt'), 'utf8'), 'alpha');
        assert.equal(fs.readFileSync(path.join(dest, 'sub', 'b.txt'), 'utf8'), 'beta');
        await assert.rejects(box.push(path.join(tmp, 'nope'), '/tmp'), pd.FileNotFoundError);
        await assert.rejects(box.pull('/no/such', path.join(tmp, 'x')), pd.FileNotFoundError);
    });

    test('files on a closed container: InvalidStateError', async () => {
        const c = await makeContainer();
        await c.close();
        await assert.rejects(c.readFile('/etc/hostname'), pd.InvalidStateError);
        await assert.rejects(c.writeFile('/tmp/x', 'y'), pd.InvalidStateError);
    });
});

describe('hardening options', () => {
    after(closeAll);

    test('strict preset: non-root, read-only root with writable /tmp, no network, no caps', async () => {
        const box = await makeContainer({ strict: true });
        const r = await box.run('id -u; touch /x 2>/dev/null && echo rootfs-writable; touch /tmp/t && echo tmp-ok; grep CapEff /proc/self/status');
        const [uid, ...rest] = r.stdout.trim().split('\n');
        assert.notEqual(uid, '0', 'strict runs as root');
        assert.ok(!rest.includes('rootfs-writable'));
        assert.ok(rest.includes('tmp-ok'));
        assert.match(r.stdout, /CapEff:\s+0+\n/);
        const info = await inspect(box.id);
        assert.equal(info.HostConfig.NetworkMode, 'none');
        assert.equal(info.HostConfig.ReadonlyRootfs, true);
        assert.equal(info.HostConfig.PidsLimit, 256);
        assert.ok((info.HostConfig.SecurityOpt ?? []).some((o) => /no-new-privileges/.test(o)), JSON.stringify(info.HostConfig.SecurityOpt));
    });

    test('explicit options refine the strict preset', async () => {
        const box = await makeContainer({ strict: true, pidsLimit: 64 });
        const info = await inspect(box.id);
        assert.equal(info.HostConfig.PidsLimit, 64);
        assert.equal(info.HostConfig.ReadonlyRootfs, true);
    });

    test('capDropAll, noNewPrivileges, pidsLimit, tmpfs, user reach the engine', async () => {
        const box = await makeContainer({
            capDropAll: true,
            noNewPrivileges: true,
            pidsLimit: 50,
            tmpfs: [{ path: '/scratch', options: 'size=8m' }],
        });
        const info = await inspect(box.id);
        // Docker reports CapDrop ["ALL"]; Podman the list of capabilities it dropped.
        assert.ok((info.HostConfig.CapDrop ?? []).some((c) => /^(CAP_)?(ALL|NET_RAW)$/i.test(c)), JSON.stringify(info.HostConfig.CapDrop));
        assert.ok((info.HostConfig.SecurityOpt ?? []).some((o) => /no-new-privileges/.test(o)));
        assert.equal(info.HostConfig.PidsLimit, 50);
        assert.match(JSON.stringify(info.HostConfig.Tmpfs ?? {}), /\/scratch/);
        const r = await box.run('touch /scratch/a && echo scratch-ok; df -k /scratch | tail -1');
        assert.match(r.stdout, /scratch-ok/);
        assert.match(r.stdout, /^tmpfs\s+8192\s/m);
        const asRoot = await makeContainer({ user: 'root' });
        assert.equal((await asRoot.run('id -un')).stdout, 'root\n');
        // Commands see a smaller capability bounding set with capDropAll.
        const bnd = async (c) => BigInt('0x' + (await c.run("grep CapBnd /proc/self/status | cut -f2")).stdout.trim());
        const dropped = await bnd(box);
        const normal = await bnd(asRoot);
        assert.ok(dropped < normal && (dropped & normal) === dropped, `CapBnd ${dropped.toString(16)} vs ${normal.toString(16)}`);
        await assert.rejects(makeContainer({ pidsLimit: -1 }), TypeError);
        await assert.rejects(makeContainer(/** @type {any} */ ({ tmpfs: [{ path: 3 }] })), TypeError);
    });
});
