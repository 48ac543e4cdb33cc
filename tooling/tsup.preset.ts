import { defineConfig, type Options } from 'tsup';

/**
 * The build every package shares: ESM with declarations and source maps for Node 20.
 * `neutral` is for the pure layers (algebra, trust), which must also run in a browser or WASM host.
 */
export function syncropelBuild(platform: 'node' | 'neutral', overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform,
    ...overrides,
  });
}
