// Benchmark: run("true") through the Node binding vs pd_run through C, in the same run.
//
//   node bench/run-true.mjs [N=200] [WARMUP=5]   (engine: POCKETDOCK_SOCKET; BENCH_ROUNDS=4)
//
// Compiles bench/run_true.c against include/ and target/release (cc, into a temp dir), then
// alternates rounds of the same loop in C (that program) and in Node, and prints median /
// p95 / mean per call for both and the Node/C ratio. Each Node round is a child process, once
// with the library's callbacks dispatched on Node's event loop (the default,
// pd_callbacks_to_fd) and once on the library's callback thread
// (POCKETDOCK_NODE_CALLBACK_THREAD=1, the hand-off before), so both are measured in the same
// run. A program that prints figures, not a test.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { connect, libraryPath } from '../index.mjs';

const require = createRequire(import.meta.url);
const { lib } = require('../lib/ffi.js');
const { callBlocking } = require('../lib/call.js');

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const n = Number(process.argv[2] ?? 200);
const warmup = Number(process.argv[3] ?? 5);

function stats(times) {
    const t = [...times].sort((a, b) => a - b);
    const p95 = t[Math.round((t.length - 1) * 0.95)];
    return { median: t[Math.floor((t.length - 1) / 2)], p95, mean: t.reduce((s, x) => s + x, 0) / t.length, n: t.length };
}

// C and Node alternate in BENCH_ROUNDS rounds of N/rounds calls each (a fresh sandbox per
// round and side), so drift in machine load hits both sides alike.
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const per = Math.max(1, Math.ceil(n / rounds));

const libDir = path.dirname(libraryPath);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pd-bench-'));
const exe = path.join(tmp, 'run_true');
if (process.env.PD_BENCH_NODE_ROUND !== '1') {
    execFileSync('cc', [
        '-O2', '-Wall', '-Wextra',
        '-I', path.join(root, 'include'),
        '-o', exe, path.join(here, 'run_true.c'),
        '-L', libDir, '-lpocketdock', `-Wl,-rpath,${libDir}`,
    ], { stdio: 'inherit' });
}

function cRound() {
    const out = execFileSync(exe, [String(per), String(warmup)], { encoding: 'utf8' });
    return out.split('\n').filter((l) => /^[0-9.]+$/.test(l)).map(Number);
}

// box.run() (pd_run_async, the end pushed back) alternating call by call with the path it
// replaced (pd_run on a libuv thread through Koffi's .async), on the same sandbox.
async function nodeRound() {
    const client = await connect();
    const box = await client.createContainer({ labels: { 'pocketdock.bench': 'node' } });
    client.close();
    const t = [];
    const old = [];
    try {
        for (let i = -warmup; i < per; i++) {
            let t0 = performance.now();
            const r = await box.run('true');
            const dt = performance.now() - t0;
            if (r.exitCode !== 0) throw new Error(`true exited ${r.exitCode}`);
            if (i >= 0) t.push(dt);
            t0 = performance.now();
            await box._handle.use(async (c) => {
                const out = [null];
                await callBlocking(lib.pd_run, c, 'true', null, out);
                lib.pd_exec_result_free(out[0]);
            });
            if (i >= 0) old.push(performance.now() - t0);
        }
    } finally {
        await box.close();
    }
    return { t, old };
}

// A child process runs one Node round and prints its times as JSON.
if (process.env.PD_BENCH_NODE_ROUND === '1') {
    process.stdout.write(JSON.stringify(await nodeRound()));
    fs.rmSync(tmp, { recursive: true, force: true });
    process.exit(0);
}

function nodeChild(callbackThread) {
    const env = { ...process.env, PD_BENCH_NODE_ROUND: '1', POCKETDOCK_NODE_CALLBACK_THREAD: callbackThread ? '1' : '0' };
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), String(n), String(warmup)], {
        env,
        encoding: 'utf8',
    });
    return JSON.parse(out);
}

const cTimes = [];
const jsTimes = [];
const oldTimes = [];
const threadTimes = [];
const loads = [];
try {
    for (let r = 0; r < rounds; r++) {
        loads.push(os.loadavg()[0]);
        cTimes.push(...cRound());
        const { t, old } = nodeChild(false);
        jsTimes.push(...t);
        oldTimes.push(...old);
        threadTimes.push(...nodeChild(true).t);
    }
} finally {
    fs.rmSync(tmp, { recursive: true, force: true });
}
const c = stats(cTimes);
const js = stats(jsTimes);
const oldS = stats(oldTimes);
const thr = stats(threadTimes);

// --- The binding's own floor: a worker-thread round trip (.async) of a trivial C call, and
// the same call made synchronously. What every blocking call pays on top of the C work.
const hop = [];
for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    await new Promise((res, rej) => lib.pd_abi_version.async((e, v) => (e ? rej(e) : res(v))));
    hop.push(performance.now() - t0);
}
const t0 = performance.now();
for (let i = 0; i < 100000; i++) lib.pd_abi_version();
const syncUs = ((performance.now() - t0) / 100000) * 1000;
const hopS = stats(hop);

const fmt = (s) => `median ${s.median.toFixed(2)} ms  p95 ${s.p95.toFixed(2)} ms  mean ${s.mean.toFixed(2)} ms  (n=${s.n})`;
const load = loads.reduce((a, b) => a + b, 0) / loads.length;
console.log(`engine: ${process.env.POCKETDOCK_SOCKET ?? '(discovered)'}, ${rounds} alternating rounds, load ${load.toFixed(1)}`);
console.log(`C    pd_run("true"):      ${fmt(c)}`);
console.log(`Node box.run("true"):     ${fmt(js)}  (callbacks on Node's loop)`);
console.log(`Node, callback thread:    ${fmt(thr)}  (the hand-off before pd_callbacks_to_fd)`);
console.log(`Node .async pd_run:       ${fmt(oldS)}  (the path run() used before pd_run_async)`);
console.log(`ratio Node/C: median ${(js.median / c.median).toFixed(3)}  p95 ${(js.p95 / c.p95).toFixed(3)}  ` +
    `difference ${(js.median - c.median).toFixed(2)} ms/call`);
console.log(`ratio Node (callback thread)/C: median ${(thr.median / c.median).toFixed(3)}  ` +
    `difference ${(thr.median - c.median).toFixed(2)} ms/call`);
console.log(`ratio run()/.async pd_run: median ${(js.median / oldS.median).toFixed(3)}`);
console.log(`binding floor: async round trip median ${(hopS.median * 1000).toFixed(1)} µs, ` +
    `p95 ${(hopS.p95 * 1000).toFixed(1)} µs; sync call ${syncUs.toFixed(2)} µs`);
