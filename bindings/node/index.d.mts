// Type declarations of the ES module entry: the same API as the CommonJS entry.
export * from './index.js';
import * as pocketdock from './index.js';
export default pocketdock;
