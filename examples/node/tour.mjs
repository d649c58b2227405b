// @ts-check
// tour.mjs: the rest of the API in one go: streaming output, a detached process with events,
// files in and out, then shutdown (via close() in finally).
//
//   cd examples/node && npm install && node tour.mjs
import { createContainer } from 'pocketdock';

const spec = process.env.POCKETDOCK_EXAMPLE_LABEL; // e.g. pocketdock.test=node (test script)
const labels = spec ? { [spec.slice(0, spec.indexOf('='))]: spec.slice(spec.indexOf('=') + 1) } : {};

const box = await createContainer({ labels });
try {
    // 1. Stream a command's output as it comes.
    const s = await box.stream('for i in 1 2 3; do echo "step $i"; sleep 0.2; done; echo done >&2');
    for await (const { stream, data } of s) process.stdout.write(`[${stream}] ${data}`);
    console.log(`stream exit ${(await s.result()).exitCode}`);

    // 2. A detached process followed through events.
    const p = await box.spawn(['python3', '-c', 'import time\nfor i in range(3):\n    print("tick", i, flush=True); time.sleep(0.2)']);
    p.on('stdout', (buf) => process.stdout.write(`[process ${p.id}] ${buf}`));
    const result = await new Promise((resolve) => p.once('exit', resolve));
    console.log(`process exit ${result.exitCode}`);
    await p.close();

    // 3. Files.
    await box.writeFile('/tmp/tour/input.txt', 'pocketdock\n');
    await box.run('tr a-z A-Z < /tmp/tour/input.txt > /tmp/tour/output.txt');
    console.log(`file: ${(await box.readFile('/tmp/tour/output.txt', 'utf8')).trim()}`);
    console.log(`listing: ${(await box.listFiles('/tmp/tour')).map((e) => `${e.name} (${e.size} B)`).join(', ')}`);
} finally {
    await box.close();
}
console.log('sandbox removed');
