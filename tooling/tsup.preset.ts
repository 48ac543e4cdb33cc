import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

/**
 * The build every package shares: ESM and CommonJS, each with declarations (`.d.ts` / `.d.cts`)
 * and source maps, for Node 20. `neutral` is for the pure layers (algebra, trust), which must
 * also run in a browser or WASM host.
 */
export function syncropelBuild(platform: 'node' | 'neutral', overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform,
    // Not tsup's shims: besides giving the CommonJS build an import.meta.url, they give the ESM
    // build a top-level __filename computed from import.meta.url, which throws when a service
    // bundles that ESM build to CommonJS (esbuild empties import.meta there). The packages fall
    // back to __filename themselves where import.meta.url is undefined (see log-sqlite's module-url.ts).
    shims: false,
    esbuildOptions(options, { format }) {
      if (format !== 'cjs' || platform !== 'node') return;
      // The CommonJS build's import.meta.url: the file's own URL (build ids, finding workers and drivers).
      options.define = { ...options.define, 'import.meta.url': '__syncropelModuleUrl' };
      options.inject = [...(options.inject ?? []), fileURLToPath(new URL('./cjs-module-url.js', import.meta.url))];
    },
    ...overrides,
  });
}
