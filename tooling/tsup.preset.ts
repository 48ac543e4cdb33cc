import { defineConfig, type Options } from 'tsup';

/**
 * The build every package shares: ESM and CommonJS, each with declarations (`.d.ts` / `.d.cts`)
 * and source maps, for Node 20. `neutral` is for the pure layers (algebra, trust), which must
 * also run in a browser or WASM host.
 *
 * `shims` gives the CommonJS build a real `import.meta.url` (the file's own URL), which the
 * build ids of fold snapshots and the SQLite store's writer rely on.
 */
export function syncropelBuild(platform: 'node' | 'neutral', overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    shims: true,
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform,
    ...overrides,
  });
}
