import { expect, it } from 'vitest';
import * as api from '@syncropel/log';

// The public surface is checked by machine, so any API change shows up in review.
it('exports exactly the public API', () => {
  expect(Object.keys(api).sort()).toEqual(['DEFAULT_PAGE_SIZE', 'LOG_ERROR_CODES', 'LogError', 'MAX_PAGE_SIZE', 'RECORD_COLUMNS', 'SCAN_PAGE_SIZE', 'createMemoryLogStore', 'isLogError', 'recordFromRow']);
});
