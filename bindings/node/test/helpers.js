'use strict';
// Shared by the tests: one Client per test file (connected on first use to the engine under
// test), every container carries pocketdock.test=node and is closed by the test file's
// after() hook even when a test fails (scripts/test-node sweeps leftovers too).

const { after } = require('node:test');
const http = require('node:http');
const pd = require('..');

const LABEL_KEY = 'pocketdock.test';
const LABEL_VALUE = 'node';
// The engine under test; scripts/test-node sets it once per engine.
const SOCKET = process.env.POCKETDOCK_SOCKET || '/run/podman/podman.sock';

const live = new Set();

/** @type {Promise<import('..').Client> | null} */
let shared = null;

/** The Client of this test file, on the engine under test (connected once). */
function client() {
    shared ??= pd.connect({ socket: SOCKET });
    return shared;
}

/** createContainer with the test label and the engine under test; closed in after(). */
async function makeContainer(opts = {}) {
    const c = await client();
    const box = await c.createContainer({
        ...opts,
        labels: { ...(opts.labels ?? {}), [LABEL_KEY]: LABEL_VALUE },
    });
    live.add(box);
    return box;
}

/** Closes every container this file created (and still holds). */
async function closeAll() {
    const boxes = [...live];
    live.clear();
    const results = await Promise.allSettled(boxes.map((b) => b.close()));
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length) throw failed[0].reason;
}

/** Registers closeAll() as an after() hook of the current file/suite. */
function cleanupAfter() {
    after(closeAll);
}

/** A unique container name for this run. */
function uniqueName(tag) {
    return `pd-node-${tag}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
}

/** A raw engine API request (for checking what the engine sees and for cleanup). */
function engine(method, path) {
    return new Promise((resolve, reject) => {
        const req = http.request({ socketPath: SOCKET, method, path: `/v1.41${path}` }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                let json = null;
                try {
                    json = text ? JSON.parse(text) : null;
                } catch {
                    /* not JSON */
                }
                resolve({ status: res.statusCode, json, text });
            });
        });
        req.on('error', reject);
        req.end();
    });
}

/** Inspects a container through the engine; null when it does not exist. */
async function inspect(idOrName) {
    const r = await engine('GET', `/containers/${encodeURIComponent(idOrName)}/json`);
    if (r.status === 404) return null;
    if (r.status !== 200) throw new Error(`inspect ${idOrName}: HTTP ${r.status} ${r.text}`);
    return r.json;
}

/** Force-removes a container through the engine (cleanup of persistent ones). */
async function forceRemove(idOrName) {
    const r = await engine('DELETE', `/containers/${encodeURIComponent(idOrName)}?force=true&t=0`);
    if (r.status !== 204 && r.status !== 404) throw new Error(`remove ${idOrName}: HTTP ${r.status} ${r.text}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = {
    pd,
    client,
    makeContainer,
    closeAll,
    cleanupAfter,
    uniqueName,
    sleep,
    engine,
    inspect,
    forceRemove,
    live,
    SOCKET,
    LABEL_KEY,
    LABEL_VALUE,
};
