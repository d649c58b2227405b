'use strict';
// Where libpocketdock.so comes from, in order:
//   1. $POCKETDOCK_LIB (a full path; nothing else is tried when it is set),
//   2. next to the package (bindings/node/libpocketdock.so, e.g. copied in when packaging),
//   3. the project's build output, ../../target/release relative to the package,
//   4. the system's dynamic loader search path (ldconfig, LD_LIBRARY_PATH).

const fs = require('node:fs');
const path = require('node:path');

const PKG_DIR = path.resolve(__dirname, '..');

function libName() {
    if (process.platform === 'darwin') return 'libpocketdock.dylib';
    if (process.platform === 'win32') return 'pocketdock.dll';
    return 'libpocketdock.so';
}

/** Returns the path (or bare name, for the loader's search) of the library to load. */
function locateLibrary(env = process.env) {
    const name = libName();
    if (env.POCKETDOCK_LIB) {
        const p = path.resolve(env.POCKETDOCK_LIB);
        if (!fs.existsSync(p)) {
            throw new Error(`pocketdock: POCKETDOCK_LIB=${env.POCKETDOCK_LIB} does not exist`);
        }
        return p;
    }
    const candidates = [
        path.join(PKG_DIR, name),
        path.join(PKG_DIR, '..', '..', 'target', 'release', name),
    ];
    for (const p of candidates) {
        if (fs.existsSync(p)) return p;
    }
    // Last resort: let dlopen search. koffi.load() reports a failure with this name; the
    // caller adds the candidates we tried to the message.
    return name;
}

module.exports = { locateLibrary, PKG_DIR };
