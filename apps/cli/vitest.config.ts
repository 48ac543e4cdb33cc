import { syncropelProject } from '../../tooling/vitest.project.ts';

// End-to-end tests start the real binary; give them room on a busy 2-core machine.
export default syncropelProject('cli', { testTimeout: 60_000 });
