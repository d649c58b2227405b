// @ts-check
// tour.mjs: the rest of the API in one go: the library's logs, streaming output, a run
// cancelled with an AbortSignal, a detached process with events, files in and out, then
// shutdown (via close() in finally).
//
//   cd examples/node && npm install && node tour.mjs
import { connect, setLogger, AbortError } from 'pocketdock';

const spec = process.env.POCKETDOCK_EXAMPLE_LABEL; // e.g. pocketdock.test=node (test script)
const labels = spec ? { [spec.slice(0, spec.indexOf('='))]: spec.slice(spec.indexOf('=') + 1) } : {};

// 0. The library's warnings and errors, as one line each (silent by default).
setLogger(({ level, target, message }) => console.error(`[pocketdock ${level}] ${target}: ${message}`), 'warn');

const client = await connect();
const box = await client.createContainer({ labels });
client.close(); // the container keeps what it needs
try {
    // 1. Stream a command's output as it comes.
    const s = await box.stream('for i in 1 2 3; do echo "step $i"; sleep 0.2; done; echo done >&2');
    for await (const { stream, data } of s) process.stdout.write(`[${stream}] ${data}`);
    console.log(`stream exit ${(await s.result()).exitCode}`);

    // 2. A run given up on: aborting kills the command and everything it started.
    const t0 = Date.now();
    try {
        await box.run('sleep 60 & sleep 61; echo never', { signal: AbortSignal.timeout(500) });
    } catch (e) {
        if (!(e instanceof AbortError)) throw e;
        const left = (await box.run('ps -eo args | grep -c "^sleep 6[01]" || true')).stdout.trim();
        console.log(`aborted after ${Date.now() - t0} ms; sleeps left in the sandbox: ${left}`);
    }

    // 3. A detached process followed through events.
    const p = await box.spawn(['python3', '-c', 'import time\nfor i in range(3):\n    print("tick", i, flush=True); time.sleep(0.2)']);
    p.on('stdout', (buf) => process.stdout.write(`[process ${p.id}] ${buf}`));
    const result = await new Promise((resolve) => p.once('exit', resolve));
    console.log(`process exit ${result.exitCode}`);
    await p.close();

    // 4. Files.
    await box.writeFile('/tmp/tour/input.txt', 'pocketdock\n');
    await box.run('tr a-z A-Z < /tmp/tour/input.txt > /tmp/tour/output.txt');
    console.log(`file: ${(await box.readFile('/tmp/tour/output.txt', 'utf8')).trim()}`);
    console.log(`listing: ${(await box.listFiles('/tmp/tour')).map((e) => `${e.name} (${e.size} B)`).join(', ')}`);
} finally {
    await box.close();
}
console.log('sandbox removed');
