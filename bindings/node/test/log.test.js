'use strict';
// setLogger(): the library's log records (pd_set_log_callback) reach a JS function, although
// the library calls back on its own "pocketdock-callbacks" thread. Needs the engine in
// POCKETDOCK_SOCKET (connecting logs "engine found" at debug level).

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { pd, sleep, SOCKET } = require('./helpers');

const PKG = path.resolve(__dirname, '..');

/** Polls until `fn()` is truthy or `ms` pass. */
async function until(fn, ms = 5000) {
    const end = Date.now() + ms;
    while (!fn() && Date.now() < end) await sleep(20);
    return fn();
}

const found = (r) => r.target.startsWith('pocketdock') && r.message.includes('engine found');

describe('logs', () => {
    after(() => pd.setLogger(null));

    test('a record arrives on the JS thread, with level, target and message', async () => {
        const records = [];
        const { threadId } = require('node:worker_threads');
        pd.setLogger((r) => records.push({ ...r, threadId }), 'debug');
        const c = await pd.connect({ socket: SOCKET });
        c.close();
        assert.ok(await until(() => records.some(found)), `no "engine found" record in ${JSON.stringify(records.slice(0, 5))}`);
        const r = /** @type {any} */ (records.find(found));
        assert.equal(r.level, 'debug');
        assert.match(r.target, /^pocketdock::/);
        assert.ok(r.message.includes(SOCKET), r.message);
        assert.equal(r.threadId, 0);
        for (const x of records) assert.ok(['error', 'warn', 'info', 'debug', 'trace'].includes(x.level), x.level);
    });

    test('a new logger replaces the old one; the level filters; null silences', async () => {
        const first = [];
        const second = [];
        pd.setLogger((r) => first.push(r), 'debug');
        pd.setLogger((r) => second.push(r), pd.LOG_LEVELS.debug);
        await sleep(200); // records queued for the first logger before the switch
        const before = first.length;
        (await pd.connect({ socket: SOCKET })).close();
        assert.ok(await until(() => second.some(found)));
        assert.equal(first.length, before, 'the replaced logger still got records');

        const errorsOnly = [];
        pd.setLogger((r) => errorsOnly.push(r), 'error');
        (await pd.connect({ socket: SOCKET })).close();
        await sleep(300);
        assert.deepEqual(errorsOnly.filter((r) => r.level !== 'error'), []);

        const silenced = second.length;
        pd.setLogger(null);
        (await pd.connect({ socket: SOCKET })).close();
        await sleep(300);
        assert.equal(second.length, silenced);
        assert.equal(errorsOnly.filter(found).length, 0);
    });

    test('a logger that throws becomes a warning, not a crash', async () => {
        const warnings = [];
        const onWarning = (w) => warnings.push(w);
        process.on('warning', onWarning);
        try {
            pd.setLogger(() => {
                throw new Error('logger bug');
            }, 'debug');
            (await pd.connect({ socket: SOCKET })).close();
            assert.ok(await until(() => warnings.some((w) => /logger bug/.test(w.message))));
        } finally {
            pd.setLogger(null);
            process.off('warning', onWarning);
        }
    });

    test('bad arguments are TypeErrors', () => {
        assert.throws(() => pd.setLogger(/** @type {any} */ ('console')), TypeError);
        assert.throws(() => pd.setLogger(() => {}, /** @type {any} */ ('verbose')), TypeError);
        assert.throws(() => pd.setLogger(() => {}, 6), TypeError);
    });

    test('a process with a logger installed still exits on its own', () => {
        const code = `
            const pd = require('.');
            let n = 0;
            pd.setLogger(() => n++, 'trace');
            pd.connect({ socket: ${JSON.stringify(SOCKET)} }).then(async (c) => {
                const list = await c.listContainers();
                console.log('listed ' + list.length + ' records>0 ' + (n > 0));
            });`;
        const t0 = Date.now();
        const r = spawnSync(process.execPath, ['-e', code], { cwd: PKG, encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.signal, null, `killed after ${Date.now() - t0} ms: the process did not exit`);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^listed \d+ records>0 true/);
    });
});
