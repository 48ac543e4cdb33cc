import { syncropelProject } from '../../tooling/vitest.project.ts';

export default syncropelProject('console');
