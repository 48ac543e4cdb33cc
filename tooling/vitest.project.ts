import { defineProject } from 'vitest/config';

/**
 * Shared vitest project settings. Packages resolve each other through the `source` export
 * condition so tests run against TypeScript sources without a build step.
 */
export function syncropelProject(name: string, extra: { testTimeout?: number } = {}) {
  const conditions = ['source', 'import', 'module', 'node', 'default'];
  // vitest hands the ssr conditions to Node as --conditions, where "import" would also apply to
  // require() inside CommonJS dependencies (pg's require('pg-pool') would get the ESM build and
  // fail). Vite adds import/require itself for the files it resolves, so `source` still wins.
  const external = ['source', 'node', 'default'];
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions: external, externalConditions: external } },
    test: { name, environment: 'node', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], ...extra },
  });
}
