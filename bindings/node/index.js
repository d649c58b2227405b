'use strict';
// pocketdock for Node (CommonJS entry). See README.md and docs/node.md.

const { lib, libPath, ABI_VERSION } = require('./lib/ffi');
const errors = require('./lib/errors');
const { Container, createContainer } = require('./lib/container');
const { RunStream } = require('./lib/stream');
const { Process } = require('./lib/process');
const { Session } = require('./lib/session');
const { setMaxBlockingCalls, blockingStats } = require('./lib/call');
const { handleStats } = require('./lib/handle');
const persist = require('./lib/persist');
const project = require('./lib/project');
const profiles = require('./lib/profiles');

/** The library's version string (pd_version). */
function version() {
    return lib.pd_version();
}

/** The C ABI version of the loaded library (pd_abi_version). */
function abiVersion() {
    return lib.pd_abi_version();
}

module.exports = {
    Container,
    createContainer,
    RunStream,
    Process,
    Session,
    version,
    abiVersion,
    ABI_VERSION,
    libraryPath: libPath,
    setMaxBlockingCalls,
    blockingStats,
    handleStats,
    resumeContainer: persist.resumeContainer,
    stopContainer: persist.stopContainer,
    destroyContainer: persist.destroyContainer,
    listContainers: persist.listContainers,
    prune: persist.prune,
    initProject: project.initProject,
    findProjectRoot: project.findProjectRoot,
    projectConfig: project.projectConfig,
    projectHistory: project.projectHistory,
    doctor: project.doctor,
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
    listProfiles: profiles.listProfiles,
    resolveProfile: profiles.resolveProfile,
    buildProfile: profiles.buildProfile,
    exportImages: profiles.exportImages,
    importImages: profiles.importImages,
    removeImage: profiles.removeImage,
    imageExists: profiles.imageExists,
};
