import { syncropelBuild } from '../../tooling/tsup.preset.ts';

export default syncropelBuild('node');
