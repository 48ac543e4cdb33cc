import { expect, it } from 'vitest';
import * as api from '@syncropel/log-sqlite';

// The public surface is checked by machine, so any API change shows up in review.
it('exports exactly the public API', () => {
  expect(Object.keys(api).sort()).toEqual([
    'ABANDONED',
    'BACKUP_FILE',
    'CHECKPOINT_INTERVAL_MS',
    'DEFAULT_BACKUP_GENERATIONS',
    'DEFAULT_DURABILITY',
    'MANIFEST_SUFFIX',
    'MAX_SUSPECTS',
    'VERIFIED_STAMP_SUFFIX',
    'checkLogFile',
    'checkStoreAtStart',
    'inspect',
    'installBackup',
    'listBackups',
    'moveAside',
    'openSqliteLogStore',
    'readManifest',
    'runOffThread',
    'snapshot',
    'stampVerified',
    'vacuumFile',
    'verifyBackup',
    'verifyRecords',
  ]);
});
