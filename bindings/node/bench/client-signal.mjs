// What ABI 2 changes for a Node user, measured in one run on the engine in POCKETDOCK_SOCKET:
//   1. create+start with one shared Client vs connect() before every create (what every
//      create cost under ABI 1, when each call discovered the engine again);
//   2. run('true') with an AbortSignal (the stream path) vs without (one pd_run).
// Each pair alternates call by call, so drift in machine load hits both sides alike.
//
//   node bench/client-signal.mjs [CREATES=10] [RUNS=200]
import os from 'node:os';
import { connect } from '../index.mjs';

const creates = Number(process.argv[2] ?? 10);
const runs = Number(process.argv[3] ?? 200);
const labels = { 'pocketdock.bench': 'node' };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
const fmt = (xs) => `median ${median(xs).toFixed(2)} ms, p95 ${p95(xs).toFixed(2)} ms`;

async function timed(fn) {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
}

const client = await connect();
const { kind, version, socket } = client.engineInfo;
console.log(`engine: ${kind} ${version} at ${socket}; load ${os.loadavg()[0].toFixed(1)}`);

const shared = [];
const fresh = [];
const createShared = async () => {
    let box;
    shared.push(await timed(async () => (box = await client.createContainer({ labels }))));
    await box.close();
};
const createFresh = async () => {
    let box;
    fresh.push(
        await timed(async () => {
            const c = await connect();
            box = await c.createContainer({ labels });
            c.close();
        }),
    );
    await box.close();
};
// Which goes first alternates too: a create right after a removal may find the engine busy.
for (let i = 0; i < creates; i++) {
    for (const f of i % 2 ? [createFresh, createShared] : [createShared, createFresh]) await f();
}
console.log(`create+start, shared client:       ${fmt(shared)}`);
console.log(`create+start, connect() each time: ${fmt(fresh)}`);
console.log(`ratio shared/connect-each-time (median): ${(median(shared) / median(fresh)).toFixed(2)}`);

const box = await client.createContainer({ labels });
try {
    const plain = [];
    const signalled = [];
    const never = new AbortController().signal;
    for (let i = -5; i < runs; i++) {
        const a = await timed(() => box.run('true'));
        const b = await timed(() => box.run('true', { signal: never }));
        if (i >= 0) {
            plain.push(a);
            signalled.push(b);
        }
    }
    console.log(`run('true') via ${box.usesAgent ? 'agent' : 'engine exec'}, no signal:  ${fmt(plain)}`);
    console.log(`run('true') via ${box.usesAgent ? 'agent' : 'engine exec'}, with signal: ${fmt(signalled)}`);
    console.log(`ratio with/without signal (median): ${(median(signalled) / median(plain)).toFixed(2)}`);
} finally {
    await box.close();
    client.close();
}
