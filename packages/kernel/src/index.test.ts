import { expect, it } from 'vitest';
import * as api from '@syncropel/kernel';

// The public surface is checked by machine, so any API change shows up in review.
it('exports exactly the public API', () => {
  expect(Object.keys(api).sort()).toEqual([
    'KERNEL_ERROR_CODES',
    'KernelError',
    'MAX_BATCH_RECORDS',
    'MAX_GROUP_RECORDS',
    'MAX_RECORD_BYTES',
    'SECRET_FILE_MODE',
    'clockFold',
    'clockKey',
    'createKernel',
    'instanceKey',
    'isKernelError',
    'loadOrCreateIdentity',
    'readIdentity',
  ]);
});
