/**
 * @syncropel/cli — the `spl` binary. Exported for tests and embedding tools: the command tree,
 * path resolution and the daemon lifecycle.
 */
export { buildProgram, runCli } from './program.js';
export { resolvePaths } from './paths.js';
export type { SplPaths } from './paths.js';
export { startDaemon } from './daemon-process.js';
export type { Daemon, DaemonOptions } from './daemon-process.js';
export { DEFAULT_HOST, DEFAULT_PORT, SHUTDOWN_GRACE_MS } from './defaults.js';
export { VERSION } from './version.js';
