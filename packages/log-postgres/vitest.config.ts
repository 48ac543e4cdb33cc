import { syncropelProject } from '../../tooling/vitest.project.ts';

export default syncropelProject('log-postgres', { testTimeout: 30_000 });
