'use strict';
// Projects: a directory with .pocketdock/pocketdock.yaml whose settings sandboxes take
// (client.createContainer({ projectDir })), instance directories with run history, and
// client.doctor() (installed on Client.prototype below).
// Reports come from the library as JSON and are returned with camelCase keys.

const { lib } = require('./ffi');
const { callSync, takeString } = require('./call');
const { Client } = require('./client');
const { abortable } = require('./abort');

function str(v, what, nullable = false) {
    if (v === null && nullable) return null;
    if (typeof v !== 'string') throw new TypeError(`${what} must be a string${nullable ? ' or null' : ''}`);
    if (v.includes('\0')) throw new TypeError(`${what} must not contain NUL characters`);
    return v;
}

function camelKeys(v) {
    if (Array.isArray(v)) return v.map(camelKeys);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k.replace(/_([a-z0-9])/g, (_, ch) => ch.toUpperCase()), camelKeys(x)]),
    );
}

/** Calls a non-blocking function writing an owned string; returns the string. */
function stringOut(fn, ...args) {
    const out = [null];
    callSync(fn, ...args, out);
    return /** @type {string} */ (takeString(out[0]));
}

/** Makes `path` a project named `name` (default: the directory's name); returns its root. */
function initProject(path, name = null) {
    return stringOut(lib.pd_project_init, str(path, 'path'), str(name, 'name', true));
}

/** The project root at or above `start`; throws FileNotFoundError when there is none. */
function findProjectRoot(start) {
    return stringOut(lib.pd_project_find_root, str(start, 'start'));
}

/** The merged settings of the project at or above `dir` (project over user over defaults). */
function projectConfig(dir) {
    return camelKeys(JSON.parse(stringOut(lib.pd_project_config_json, str(dir, 'dir'))));
}

/** The history of instance `instance` (a container name) of the project at or above `dir`. */
function projectHistory(dir, instance) {
    const json = stringOut(lib.pd_project_history_json, str(dir, 'dir'), str(instance, 'instance'));
    return camelKeys(JSON.parse(json));
}

Object.assign(Client.prototype, {
    /**
     * Examines a project (or, without `projectDir`, every pocketdock container on this
     * client's engine for crashed clients) and with `fix` repairs what is safe. Runs off the
     * main thread.
     * @param {{ projectDir?: string | null, fix?: boolean }} [opts]
     */
    async doctor(opts = {}) {
        if (opts === null || typeof opts !== 'object') throw new TypeError('doctor options must be an object');
        for (const k of Object.keys(opts)) {
            if (k !== 'projectDir' && k !== 'fix' && k !== 'signal') {
                throw new TypeError(`unknown doctor option key '${k}' (known: projectDir, fix, signal)`);
            }
        }
        const dir = str(opts.projectDir ?? null, 'projectDir', true);
        const fix = opts.fix ?? false;
        if (typeof fix !== 'boolean') throw new TypeError('fix must be a boolean');
        const out = [null];
        await abortable(opts.signal, () => this._call(lib.pd_doctor, dir, fix, out), () => takeString(out[0]));
        const report = camelKeys(JSON.parse(/** @type {string} */ (takeString(out[0]))));
        report.healthy = report.orphans.length === 0 && report.staleDirs.length === 0 && report.crashed.length === 0;
        return report;
    },
});

module.exports = { initProject, findProjectRoot, projectConfig, projectHistory };
