import { syncropelBuild } from '../../tooling/tsup.preset.ts';

// Two entries: the library (with declarations) and the spl binary.
export default syncropelBuild('node', { entry: ['src/index.ts', 'src/main.ts'], dts: { entry: 'src/index.ts' } });
