import { expect, it } from 'vitest';
import * as api from '@syncropel/log';

// The public surface is checked by machine, so any API change shows up in review.
it('exports exactly the public API', () => {
  expect(Object.keys(api).sort()).toEqual([
    'ABANDONED',
    'BACKUP_FILE',
    'CHECKPOINT_INTERVAL_MS',
    'DEFAULT_BACKUP_GENERATIONS',
    'DEFAULT_DURABILITY',
    'DEFAULT_PAGE_SIZE',
    'LOG_ERROR_CODES',
    'LogError',
    'MANIFEST_SUFFIX',
    'MAX_PAGE_SIZE',
    'MAX_SUSPECTS',
    'SCAN_PAGE_SIZE',
    'VERIFIED_STAMP_SUFFIX',
    'checkLogFile',
    'checkStoreAtStart',
    'createMemoryLogStore',
    'inspect',
    'installBackup',
    'isLogError',
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
