import { defineProject } from 'vitest/config';

/**
 * Shared vitest project settings. Packages resolve each other through the `source` export
 * condition so tests run against TypeScript sources without a build step.
 */
export function syncropelProject(name: string, extra: { testTimeout?: number } = {}) {
  const conditions = ['source', 'import', 'module', 'node', 'default'];
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: { name, environment: 'node', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], ...extra },
  });
}
