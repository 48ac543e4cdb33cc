import { syncropelBuild } from '../../tooling/tsup.preset.ts';

// contract is a second entry: other stores' tests import the suite as `@syncropel/log/contract`.
// package.json exports it to `import` only: the suite loads vitest, which refuses to be required.
export default syncropelBuild('node', { entry: ['src/index.ts', 'src/contract.ts'] });
