// Injected into the CommonJS builds by tsup.preset.ts: `import.meta.url` there is replaced by
// this, the file's own URL (build ids of fold snapshots, finding the SQLite driver and workers).
import { pathToFileURL } from 'node:url';

export const __syncropelModuleUrl = pathToFileURL(__filename).href;
