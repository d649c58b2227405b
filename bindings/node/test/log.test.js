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
        (await pd.connect({ socket: SOCKET })).close();
        // Resolves once the library is done with the first logger (its free_user_data came).
        await pd.setLogger((r) => second.push(r), pd.LOG_LEVELS.debug);
        assert.ok(first.some(found), 'records queued before the switch still reach the first logger');
        const before = first.length;
        (await pd.connect({ socket: SOCKET })).close();
        assert.ok(await until(() => second.some(found)));
        assert.equal(first.length, before, 'the replaced logger still got records');

        const errorsOnly = [];
        pd.setLogger((r) => errorsOnly.push(r), 'error');
        (await pd.connect({ socket: SOCKET })).close();
        await sleep(300);
        assert.deepEqual(errorsOnly.filter((r) => r.level !== 'error'), []);

        await pd.setLogger(null);
        const silenced = second.length;
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

    test('a worker thread may not install a logger', async () => {
        const { Worker } = require('node:worker_threads');
        const w = new Worker(
            `const pd = require(${JSON.stringify(PKG)});
             try { pd.setLogger(() => {}, 'debug'); require('node:worker_threads').parentPort.postMessage('installed'); }
             catch (e) { require('node:worker_threads').parentPort.postMessage(e.constructor.name + ': ' + e.message); }`,
            { eval: true },
        );
        const msg = await new Promise((resolve, reject) => w.once('message', resolve).once('error', reject));
        await w.terminate();
        assert.match(String(msg), /^InvalidStateError: setLogger\(\) must be called from the main thread/);
    });

    test('bad arguments are TypeErrors', () => {
        assert.throws(() => pd.setLogger(/** @type {any} */ ('console')), TypeError);
        assert.throws(() => pd.setLogger(() => {}, /** @type {any} */ ('verbose')), TypeError);
        assert.throws(() => pd.setLogger(() => {}, 6), TypeError);
    });

    // Koffi relays the library's calls through a thread-safe function that Node tears down at
    // exit; records still queued then used to abort the process (SIGABRT, 5 of 15 exits).
    // Each child exits while trace records are still flowing.
    test('a process logging at trace exits on its own, cleanly, every time', () => {
        const natural = `
            const pd = require('.');
            let n = 0;
            pd.setLogger(() => n++, 'trace');
            pd.connect({ socket: ${JSON.stringify(SOCKET)} }).then(async (c) => {
                const list = await c.listContainers();
                // Records reach JS through the library's callback thread, asynchronously: on
                // a loaded machine that thread may not have run yet when the list arrives.
                for (let i = 0; i < 200 && n === 0; i++) await new Promise((r) => setTimeout(r, 10));
                console.log('listed ' + list.length + ' records>0 ' + (n > 0));
            });`;
        const explicit = `
            const pd = require('.');
            pd.setLogger(() => {}, 'trace');
            pd.connect({ socket: ${JSON.stringify(SOCKET)} }).then((c) => {
                for (let i = 0; i < 3; i++) (async () => { for (;;) await c.listContainers(); })();
                setTimeout(async () => { await pd.setLogger(null); console.log('listed'); process.exit(0); }, 200);
            });`;
        for (let i = 0; i < 6; i++) {
            const t0 = Date.now();
            const r = spawnSync(process.execPath, ['-e', i % 2 ? explicit : natural], { cwd: PKG, encoding: 'utf8', timeout: 60_000 });
            assert.equal(r.signal, null, `run ${i}: killed by ${r.signal} after ${Date.now() - t0} ms`);
            assert.equal(r.status, 0, `run ${i}: ${r.stderr}`);
            assert.match(r.stdout, i % 2 ? /^listed/ : /^listed \d+ records>0 true/);
        }
    });
});
