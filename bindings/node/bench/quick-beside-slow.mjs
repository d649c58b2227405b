// Benchmark: a quick run('echo') on an idle library vs with 16 run('sleep 1') in flight.
//
//   node bench/quick-beside-slow.mjs [SAMPLES=20] [SLOW=16]   (engine: POCKETDOCK_SOCKET;
//   SETTLE_MS=200: the wait before the quick run; SLOW_BOX=other: slow runs in a 2nd sandbox)
//
// Alternates idle and busy samples on one sandbox, so drift in machine load hits both alike;
// a busy sample starts SLOW sleeps, waits 200 ms for them to be running, times one quick run,
// then waits for the sleeps. Prints median / p95 for both and the busy/idle ratio (issue 18:
// within 2x). A program that prints figures, not a test.
import { performance } from 'node:perf_hooks';
import { connect } from '../index.mjs';

const samples = Number(process.argv[2] ?? 20);
const slowN = Number(process.argv[3] ?? 16);

function stats(times) {
    const t = [...times].sort((a, b) => a - b);
    return { median: t[Math.floor((t.length - 1) / 2)], p95: t[Math.round((t.length - 1) * 0.95)] };
}

async function quick(box) {
    const t0 = performance.now();
    const r = await box.run('echo quick');
    const dt = performance.now() - t0;
    if (r.stdout !== 'quick\n') throw new Error(`unexpected output ${JSON.stringify(r.stdout)}`);
    return dt;
}

const client = await connect();
const box = await client.createContainer({ labels: { 'pocketdock.bench': 'node' } });
// SLOW_BOX=other: the slow runs go to a second sandbox, to tell the library apart from one
// sandbox's agent.
const slowBox = process.env.SLOW_BOX === 'other' ? await client.createContainer({ labels: { 'pocketdock.bench': 'node' } }) : box;
const idle = [];
const busy = [];
try {
    for (let i = 0; i < 3; i++) await quick(box); // warm-up
    for (let i = 0; i < samples; i++) {
        idle.push(await quick(box));
        const slow = Array.from({ length: slowN }, () => slowBox.run('sleep 1'));
        await new Promise((r) => setTimeout(r, Number(process.env.SETTLE_MS ?? 200)));
        busy.push(await quick(box));
        await Promise.all(slow);
    }
} finally {
    if (slowBox !== box) await slowBox.close();
    await box.close();
    client.close();
}
const i = stats(idle);
const b = stats(busy);
const f = (x) => x.toFixed(2);
console.log(`engine ${client.engineInfo.kind} ${client.engineInfo.version}, ${samples} samples, ${slowN} slow runs in flight (${slowBox === box ? 'same sandbox' : 'another sandbox'})`);
console.log(`idle: median ${f(i.median)} ms, p95 ${f(i.p95)} ms`);
console.log(`busy: median ${f(b.median)} ms, p95 ${f(b.p95)} ms`);
console.log(`ratio busy/idle (median): ${(b.median / i.median).toFixed(2)}`);
