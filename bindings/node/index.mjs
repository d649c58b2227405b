// pocketdock for Node (ES module entry): the same objects as the CommonJS entry.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pd = require('./index.js');

export const {
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
    libraryPath,
    setMaxBlockingCalls,
    blockingStats,
    handleStats,
    setLogger,
    LOG_LEVELS,
    initProject,
    findProjectRoot,
    projectConfig,
    projectHistory,
    listProfiles,
    resolveProfile,
    STATUS,
    PocketdockError,
    InvalidArgumentError,
    EngineNotFoundError,
    ContainerNotFoundError,
    ContainerGoneError,
    ContainerNotRunningError,
    ImageNotFoundError,
    NameConflictError,
    TimeoutError,
    EngineError,
    InvalidStateError,
    FileNotFoundError,
    BuildFailedError,
    AbortError,
} = pd;
export default pd;
