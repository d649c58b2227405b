// pocketdock for Node (ES module entry): the same objects as the CommonJS entry.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pd = require('./index.js');

export const {
    Container,
    createContainer,
    RunStream,
    Process,
    Session,
    version,
    abiVersion,
    ABI_VERSION,
    libraryPath,
    setMaxBlockingCalls,
    blockingStats,
    handleStats,
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
    listProfiles,
    resolveProfile,
    buildProfile,
    exportImages,
    importImages,
    removeImage,
    imageExists,
} = pd;
export default pd;
