import { syncropelBuild } from '../../tooling/tsup.preset.ts';

// contract is a second entry: other stores' tests import the suite as `@syncropel/log/contract`.
export default syncropelBuild('node', { entry: ['src/index.ts', 'src/contract.ts'] });
