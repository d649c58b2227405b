// @ts-check
// hello.mjs: create a sandbox, run a Python snippet in it, print the result, shut it down.
// The same scenario as examples/c/hello.c.
//
//   cd examples/node && npm install && node hello.mjs
//
// The engine is found once by connect() (POCKETDOCK_SOCKET, then the usual sockets); a
// socket named there and not answering is an error, never another engine.
import { connect, version, abiVersion, PocketdockError } from 'pocketdock';

/** Extra labels, e.g. POCKETDOCK_EXAMPLE_LABEL=pocketdock.test=node (used by the test script). */
function labels() {
    const spec = process.env.POCKETDOCK_EXAMPLE_LABEL;
    if (!spec) return {};
    const eq = spec.indexOf('=');
    return { [spec.slice(0, eq)]: spec.slice(eq + 1) };
}

async function main() {
    console.log(`pocketdock ${version()} (ABI ${abiVersion()})`);

    const client = await connect();
    const { kind, version: engineVersion, socket } = client.engineInfo;
    console.log(`engine: ${kind} ${engineVersion} at ${socket}`);

    const box = await client.createContainer({ labels: labels() });
    client.close(); // the container keeps what it needs
    let code;
    try {
        console.log(`sandbox ${box.name} is running`);
        const res = await box.run("import sys; print('hello from python', sys.version.split()[0])", {
            lang: 'python',
        });
        process.stdout.write(`exit ${res.exitCode} in ${res.durationMs} ms: ${res.stdout}`);
        code = res.exitCode;
    } finally {
        await box.close(); // shutdown + free the handle, also when run() threw
    }
    console.log('sandbox removed');
    return code === 0 ? 0 : 1;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (/** @type {unknown} */ err) => {
        if (err instanceof PocketdockError) {
            console.error(`${err.code} (status ${err.status}): ${err.message}`);
        } else {
            console.error(err);
        }
        process.exitCode = 1;
    },
);
