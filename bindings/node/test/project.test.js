'use strict';
// Projects: init/find/config, a project sandbox's /data mount and history, doctor; against
// the engine in POCKETDOCK_SOCKET. Each test uses its own project (unique name, temp dir).

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pd, client, makeContainer, closeAll, inspect, SOCKET } = require('./helpers');
const dirs = [];

/** A project in a temp dir with a unique name, on the engine under test. */
function newProject(extra = '') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pd-node-proj-'));
    dirs.push(dir);
    const name = `node proj "${process.pid}-${Math.random().toString(16).slice(2, 8)}" ü`;
    const root = pd.initProject(dir, name);
    const yaml = `project_name: ${JSON.stringify(name)}\nsocket: ${JSON.stringify(SOCKET)}\n${extra}`;
    fs.writeFileSync(path.join(root, '.pocketdock', 'pocketdock.yaml'), yaml);
    return { root, name };
}

describe('projects', () => {
    after(async () => {
        await closeAll();
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    test('init, find the root from below, merged config; errors', async () => {
        const { root, name } = newProject('default_persist: true\n');
        const sub = path.join(root, 'a', 'b');
        fs.mkdirSync(sub, { recursive: true });
        assert.equal(pd.findProjectRoot(sub), root);
        const cfg = pd.projectConfig(sub);
        assert.equal(cfg.projectName, name);
        assert.equal(cfg.defaultPersist, true);
        assert.equal(cfg.socket, SOCKET);
        assert.equal(cfg.logging.maxRunLogs, 100);
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'pd-node-none-'));
        dirs.push(empty);
        assert.throws(() => pd.findProjectRoot(empty), pd.FileNotFoundError);
        assert.throws(() => pd.projectHistory(root, 'pd-none'), pd.FileNotFoundError);
        assert.throws(() => pd.initProject('a\0b'), TypeError);
        assert.throws(() => pd.projectConfig(/** @type {any} */ (5)), TypeError);
        await assert.rejects(makeContainer({ ttlMs: -1 }), TypeError);
        fs.writeFileSync(path.join(root, '.pocketdock', 'pocketdock.yaml'), 'bogus: 1\n');
        assert.throws(() => pd.projectConfig(root), pd.InvalidArgumentError);
    });

    test('a project sandbox: /data on the host, history with retention, doctor', async () => {
        const { root, name } = newProject('logging:\n  max_run_logs: 2\n');
        const box = await makeContainer({ projectDir: root, ttlMs: 3_600_000 });
        const labels = (await inspect(box.name)).Config.Labels;
        assert.equal(labels['pocketdock.project'], name);
        assert.equal(labels['pocketdock.owner-pid'], String(process.pid));
        assert.ok(Number(labels['pocketdock.expires-at']) > Date.now() / 1000 + 3000);
        const dir = await box.instanceDir();
        assert.equal(dir, path.join(root, '.pocketdock', 'instances', box.name));
        await box.run('echo from-node > /data/node.txt');
        assert.equal(fs.readFileSync(path.join(dir, 'data', 'node.txt'), 'utf8'), 'from-node\n');
        for (let i = 0; i < 3; i++) await box.run(`echo ${i}`);
        const h = pd.projectHistory(root, box.name);
        assert.equal(h.length, 4);
        assert.equal(h[3].kind, 'run');
        assert.equal(h[3].exitCode, 0);
        assert.match(h[3].command, /echo 2/);
        assert.equal(fs.readdirSync(path.join(dir, 'logs', 'runs')).length, 2);

        const report = await (await client()).doctor({ projectDir: root });
        assert.equal(report.healthy, true, JSON.stringify(report));
        assert.equal(report.projectName, name);
        assert.equal(report.socket, SOCKET);
        assert.ok(['docker', 'podman'].includes(report.engineKind));
        await assert.rejects((await client()).doctor(/** @type {any} */ ({ projectDir: 5 })), TypeError);

        // A client connected through the project uses the project's socket; a directory
        // with no project is FileNotFoundError.
        const viaProject = await pd.connect({ projectDir: root });
        assert.equal(viaProject.engineInfo.socket, SOCKET);
        viaProject.close();
        const none = fs.mkdtempSync(path.join(os.tmpdir(), 'pd-node-none-'));
        dirs.push(none);
        await assert.rejects(pd.connect({ projectDir: none }), pd.FileNotFoundError);

        const plain = await makeContainer();
        await assert.rejects(plain.instanceDir(), pd.FileNotFoundError);
    });
});
