import { pathToFileURL } from 'node:url';

/**
 * This package's file URL, which the driver and the backup worker are found from: its
 * `import.meta.url`, or, where that is undefined (an ESM source bundled to CommonJS: esbuild
 * leaves `import.meta` empty there), the bundle's own file.
 */
export const MODULE_URL: string = import.meta.url ?? pathToFileURL(__filename).href;
