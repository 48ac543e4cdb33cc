import { syncropelProject } from '../../tooling/vitest.project.ts';

const base = syncropelProject('log-postgres', { testTimeout: 30_000 });

// vitest hands `ssr.resolve.conditions` to Node as --conditions. With "import" among them, the
// require('pg-pool') inside pg (CommonJS; its exports list "import" before "require") gets the
// ESM build, and `class BoundPool extends Pool` fails. Vite adds import/require by itself for the
// files it resolves, so leaving it out here still finds every package's `source`.
const conditions = ['source', 'node', 'default'];
export default {
  ...base,
  ssr: { ...base.ssr, resolve: { ...base.ssr?.resolve, conditions, externalConditions: conditions } },
};
