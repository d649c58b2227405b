'use strict';
// Container#killAll against the engine in POCKETDOCK_SOCKET.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { makeContainer, closeAll } = require('./helpers');

describe('killAll', () => {
    /** @type {import('..').Container} */
    let box;
    before(async () => {
        box = await makeContainer();
    });
    after(closeAll);

    test('ends what a finished run left behind and says how many', async () => {
        await box.run('setsid sleep 4712 >/dev/null 2>&1 < /dev/null &');
        const killed = await box.killAll();
        assert.ok(killed >= 1, `killAll killed ${killed}; the background sleep was running`);
        const ps = await box.run("for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done 2>/dev/null");
        assert.ok(!ps.stdout.includes('sleep 4712'), `the sleep survived:\n${ps.stdout}`);
    });
});
