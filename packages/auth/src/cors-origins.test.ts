import type { Auth, AuthError } from '@syncropel/auth';
import { createMemoryLogStore } from '@syncropel/log';
import { openSqliteLogStore } from '@syncropel/log-sqlite';
import { describe, expect, it } from 'vitest';
import { ACTOR, ENV_BEARER, ENV_SECRET, allRecords, boot, dbPath, onThread, rejected, secretOf, sha256, thrown } from '../test/auth-harness.js';

describe('CORS allowlist', () => {
  it('is empty until set, then returns the origins and survives a restart', async () => {
    const path = dbPath();
    const store1 = openSqliteLogStore({ path });
    const b = await boot(store1);
    expect(b.auth.corsOrigins()).toEqual([]);
    const origins = ['https://a.example', 'https://b.example:8443'];
    expect(await b.auth.setCorsOrigins({ origins })).toEqual(origins);
    expect(b.auth.corsOrigins()).toEqual(origins);
    await b.close();
    await store1.close();

    const store2 = openSqliteLogStore({ path });
    const again = await boot(store2);
    expect(again.auth.corsOrigins()).toEqual(origins);
    await again.close();
    await store2.close();
  });

  it('deduplicates, and an empty list clears it (also after a restart)', async () => {
    const store = createMemoryLogStore();
    const b = await boot(store);
    expect(await b.auth.setCorsOrigins({ origins: ['http://localhost:3000', 'http://localhost:3000'] })).toEqual(['http://localhost:3000']);
    expect(await b.auth.setCorsOrigins({ origins: [] })).toEqual([]);
    expect(b.auth.corsOrigins()).toEqual([]);
    await b.close();
    const again = await boot(store);
    expect(again.auth.corsOrigins()).toEqual([]);
    await again.close();
  });

  it.each([
    [['https://a.example/path'], 0],
    [['ftp://x'], 0],
    [['*'], 0],
    [['a.example'], 0],
    [['https://ok.example', 'https://a.example/'], 1],
    [['https://ok.example', 'https://ok2.example', 'https://a.example?q=1'], 2],
    [['https://user@a.example'], 0],
    [['https://a.example#frag'], 0],
    [['null'], 0],
    [[''], 0],
    [[42], 0],
    [['https://ok.example', null], 1],
  ])('refuses %j with VALIDATION_FAILED naming origins[%i], changing nothing', async (origins, i) => {
    const b = await boot();
    await b.auth.setCorsOrigins({ origins: ['https://kept.example'] });
    const count = await b.store.count();
    const e = await rejected(b.auth.setCorsOrigins({ origins }));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.field).toBe(`origins[${i}]`);
    expect(e.message).toContain(`origins[${i}]`);
    expect(await b.store.count()).toBe(count);
    expect(b.auth.corsOrigins()).toEqual(['https://kept.example']);
    await b.close();
  });

  it.each([[undefined], [null], ['https://a.example'], [{ origins: 'https://a.example' }], [{}]])('refuses a body of %j naming origins', async (input) => {
    const b = await boot();
    const e = await rejected(b.auth.setCorsOrigins(input));
    expect([e.code, e.field]).toEqual(['VALIDATION_FAILED', 'origins']);
    expect(await b.store.count()).toBe(0);
    await b.close();
  });
});
