'use strict';
// Where libpocketdock comes from, in order (docs/node.md, "Install"):
//   1. $POCKETDOCK_LIB, a full path (nothing else is tried when it is set);
//   2. pkg-config: `pkg-config --variable=libdir pocketdock` (an installed prefix, or a
//      checkout's target/pkgconfig on PKG_CONFIG_PATH);
//   3. the system's library paths: the dynamic loader by name (LD_LIBRARY_PATH, the ldconfig
//      cache), then /usr/local/lib and /usr/lib, where an install that did not run ldconfig
//      leaves it;
//   4. the checkout the package sits in (bindings/node -> ../../target/release), for
//      `npm install <path>`, which links the folder instead of copying it.
// The loader keeps the first candidate that loads and, if none does, says what it tried.

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const PKG_DIR = path.resolve(__dirname, '..');

function libNames(abi) {
    if (process.platform === 'darwin') return [`libpocketdock.${abi}.dylib`, 'libpocketdock.dylib'];
    if (process.platform === 'win32') return ['pocketdock.dll'];
    // The versioned name is what an install's SONAME points at; the bare one is the
    // development symlink (and what a checkout builds).
    return [`libpocketdock.so.${abi}`, 'libpocketdock.so'];
}

/** pkg-config's libdir for pocketdock, or a reason why there is none. */
function pkgConfigLibdir(env) {
    try {
        const out = execFileSync('pkg-config', ['--variable=libdir', 'pocketdock'], {
            env,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
            timeout: 5000,
        }).trim();
        return out ? { dir: out } : { why: 'pkg-config knows pocketdock but gave no libdir' };
    } catch (e) {
        if (e.code === 'ENOENT') return { why: 'pkg-config is not installed' };
        return { why: 'pkg-config does not know pocketdock (no pocketdock.pc on PKG_CONFIG_PATH or the default path)' };
    }
}

/**
 * The candidates to load, in order: `{ file, how }` where `file` is a path or, for the
 * loader's own search, a bare name; plus `skipped`, what was looked at and not found.
 * @returns {{ candidates: Array<{ file: string, how: string }>, skipped: string[] }}
 */
function libraryCandidates(abi, env = process.env) {
    const names = libNames(abi);
    if (env.POCKETDOCK_LIB) {
        const p = path.resolve(env.POCKETDOCK_LIB);
        if (!fs.existsSync(p)) {
            throw new Error(`pocketdock: POCKETDOCK_LIB=${env.POCKETDOCK_LIB} does not exist`);
        }
        return { candidates: [{ file: p, how: 'POCKETDOCK_LIB' }], skipped: [] };
    }
    const candidates = [];
    const skipped = ['POCKETDOCK_LIB: not set'];
    const inDir = (dir, how) => {
        const found = names.map((n) => path.join(dir, n)).filter((p) => fs.existsSync(p));
        if (found.length === 0) skipped.push(`${how}: no ${names.join(' or ')} in ${dir}`);
        for (const file of found.slice(0, 1)) candidates.push({ file, how });
    };
    const pc = pkgConfigLibdir(env);
    if (pc.dir) inDir(pc.dir, 'pkg-config');
    else skipped.push(`pkg-config: ${pc.why}`);
    for (const n of names) candidates.push({ file: n, how: 'the dynamic loader (LD_LIBRARY_PATH, ldconfig cache)' });
    for (const dir of ['/usr/local/lib', '/usr/local/lib64', '/usr/lib', '/usr/lib64']) {
        if (fs.existsSync(dir)) inDir(dir, 'system library path');
    }
    inDir(path.join(PKG_DIR, '..', '..', 'target', 'release'), 'the checkout around the package');
    return { candidates, skipped };
}

module.exports = { libraryCandidates, PKG_DIR };
