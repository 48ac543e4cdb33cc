import { expect, it } from 'vitest';
import * as api from '@syncropel/log-postgres';

// The public surface is checked by machine, so any API change shows up in review.
it('exports exactly the public API', () => {
  expect(Object.keys(api).sort()).toEqual(['openPostgresLogStore', 'redactUrl']);
});
