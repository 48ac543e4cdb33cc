import { syncropelBuild } from '../../tooling/tsup.preset.ts';

// backup-worker is a second entry: snapshots and verification run it on a worker thread.
export default syncropelBuild('node', { entry: ['src/index.ts', 'src/backup-worker.ts'] });
