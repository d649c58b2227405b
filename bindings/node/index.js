'use strict';
// pocketdock for Node (CommonJS entry). See README.md and docs/node.md.

const { lib, libPath, ABI_VERSION } = require('./lib/ffi');
const errors = require('./lib/errors');
const { Container } = require('./lib/container');
const { Client, connect } = require('./lib/client');
const { RunStream } = require('./lib/stream');
const { Process } = require('./lib/process');
const { Session } = require('./lib/session');
const { setMaxBlockingCalls, blockingStats } = require('./lib/call');
const { handleStats } = require('./lib/handle');
const { setLogger, LOG_LEVELS } = require('./lib/log');
require('./lib/persist'); // Container#reboot, #snapshot
const project = require('./lib/project'); // also Client#doctor
const profiles = require('./lib/profiles'); // also Client#buildProfile and the image methods
const { Pool } = require('./lib/pool'); // also Client#createPool
const { EngineSet } = require('./lib/engine_set');

/** The library's version string (pd_version). */
function version() {
    return lib.pd_version();
}

/** The C ABI version of the loaded library (pd_abi_version). */
function abiVersion() {
    return lib.pd_abi_version();
}

/** Pass as any `timeoutMs` for "no limit" (PD_NO_TIMEOUT; any negative number means the same). */
const NO_TIMEOUT = -1;

module.exports = {
    connect,
    Client,
    Container,
    RunStream,
    Process,
    Session,
    Pool,
    EngineSet,
    version,
    abiVersion,
    ABI_VERSION,
    NO_TIMEOUT,
    libraryPath: libPath,
    setMaxBlockingCalls,
    blockingStats,
    handleStats,
    setLogger,
    LOG_LEVELS,
    initProject: project.initProject,
    findProjectRoot: project.findProjectRoot,
    projectConfig: project.projectConfig,
    projectHistory: project.projectHistory,
    listProfiles: profiles.listProfiles,
    resolveProfile: profiles.resolveProfile,
    STATUS: errors.STATUS,
    PocketdockError: errors.PocketdockError,
    InvalidArgumentError: errors.InvalidArgumentError,
    EngineNotFoundError: errors.EngineNotFoundError,
    ContainerNotFoundError: errors.ContainerNotFoundError,
    ContainerGoneError: errors.ContainerGoneError,
    ContainerNotRunningError: errors.ContainerNotRunningError,
    ImageNotFoundError: errors.ImageNotFoundError,
    NameConflictError: errors.NameConflictError,
    TimeoutError: errors.TimeoutError,
    EngineError: errors.EngineError,
    InvalidStateError: errors.InvalidStateError,
    FileNotFoundError: errors.FileNotFoundError,
    BuildFailedError: errors.BuildFailedError,
    AbortError: errors.AbortError,
};
