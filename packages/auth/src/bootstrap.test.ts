import type { Auth, AuthError } from '@syncropel/auth';
import { createMemoryLogStore } from '@syncropel/log';
import { openSqliteLogStore } from '@syncropel/log-sqlite';
import { describe, expect, it } from 'vitest';
import { ACTOR, ENV_BEARER, ENV_SECRET, allRecords, boot, dbPath, onThread, rejected, secretOf, sha256, thrown } from '../test/auth-harness.js';

describe('Path A: bootstrapFromEnv (SPL_BOOTSTRAP_TOKEN)', () => {
  it('treats unset or empty as unset and writes nothing', async () => {
    const b = await boot();
    expect(await b.auth.bootstrapFromEnv(undefined)).toEqual({ kind: 'unset' });
    expect(await b.auth.bootstrapFromEnv('')).toEqual({ kind: 'unset' });
    expect(await b.store.count()).toBe(0);
    expect(b.auth.bootstrapOpen()).toBe(true);
    await b.close();
  });

  it.each([
    ['too short (15)', 'abcdefghijklmno'],
    ['too long (257)', 'x'.repeat(257)],
    ['a space inside', 'abcdefgh ijklmnopq'],
    ['a trailing newline (as from $(cat file))', 'abcdefghijklmnopq\n'],
    ['a leading space', ' abcdefghijklmnopq'],
    ['a tab', 'abcdefgh\tijklmnopq'],
    ['a control byte', 'abcdefgh\u0001ijklmnopq'],
    ['a DEL byte', 'abcdefgh\u007fijklmnopq'],
    ['non-ASCII', 'abcdefghéijklmnopq'],
  ])('reports a value with %s as invalid, writes nothing, and never echoes it', async (_why, secret) => {
    const b = await boot();
    const before = await b.store.count();
    const outcome = await b.auth.bootstrapFromEnv(secret);
    expect(outcome.kind).toBe('invalid');
    const reason = (outcome as { reason: string }).reason;
    expect(reason).toContain('SPL_BOOTSTRAP_TOKEN');
    expect(reason).not.toContain(secret);
    expect(reason).not.toContain(secret.trim().slice(0, 8));
    expect(await b.store.count()).toBe(before);
    expect(b.auth.bootstrapOpen()).toBe(true);
    expect(b.auth.listServiceAccounts()).toEqual([]);
    await b.close();
  });

  it('mints sa-bootstrap-env (admin) whose bearer authenticates', async () => {
    const b = await boot();
    const outcome = await b.auth.bootstrapFromEnv(ENV_SECRET);
    expect(outcome).toMatchObject({ kind: 'minted', sa_id: 'sa-bootstrap-env' });
    const tokenId = (outcome as { token_id: string }).token_id;
    expect(tokenId).toMatch(/^tok_[0-9a-f]{16}$/);

    expect(b.auth.listServiceAccounts()).toEqual([
      expect.objectContaining({ sa_id: 'sa-bootstrap-env', scopes: ['admin'], namespace: 'default', revoked: false }),
    ]);
    expect(b.auth.listTokens()).toEqual([expect.objectContaining({ token_id: tokenId, sa_id: 'sa-bootstrap-env', env: 'prod', scopes: ['admin'], revoked: false })]);
    expect(b.auth.authenticate(`Bearer ${ENV_BEARER}`)).toEqual({ sa_id: 'sa-bootstrap-env', token_id: tokenId, scopes: ['admin'], actors: [] });
    expect(b.auth.bootstrapOpen()).toBe(false);
    await b.close();
  });

  it('accepts a value of exactly 16 and exactly 256 characters', async () => {
    for (const secret of ['!'.repeat(16), '~'.repeat(256)]) {
      const b = await boot();
      expect((await b.auth.bootstrapFromEnv(secret)).kind).toBe('minted');
      expect(b.auth.authenticate(`Bearer spl_prod_sa-bootstrap-env_${secret}`).sa_id).toBe('sa-bootstrap-env');
      await b.close();
    }
  });

  it('is a no-op when called again, writing nothing', async () => {
    const b = await boot();
    expect((await b.auth.bootstrapFromEnv(ENV_SECRET)).kind).toBe('minted');
    const count = await b.store.count();
    expect(await b.auth.bootstrapFromEnv(ENV_SECRET)).toMatchObject({ kind: 'skipped' });
    expect(await b.auth.bootstrapFromEnv('another-valid-secret-value')).toMatchObject({ kind: 'skipped' });
    expect(await b.store.count()).toBe(count);
    expect(() => b.auth.authenticate('Bearer spl_prod_sa-bootstrap-env_another-valid-secret-value')).toThrow();
    await b.close();
  });

  it('is skipped once any service account exists (e.g. made by Path B)', async () => {
    const b = await boot();
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    const count = await b.store.count();
    expect(await b.auth.bootstrapFromEnv(ENV_SECRET)).toMatchObject({ kind: 'skipped' });
    expect(await b.store.count()).toBe(count);
    expect(thrown(() => b.auth.authenticate(`Bearer ${ENV_BEARER}`)).code).toBe('AUTH_REQUIRED');
    await b.close();
  });

  it('survives a restart: skipped on the next start, and the bearer still authenticates (state = fold(records))', async () => {
    const path = dbPath();
    const store1 = openSqliteLogStore({ path });
    const first = await boot(store1);
    const minted = await first.auth.bootstrapFromEnv(ENV_SECRET);
    expect(minted.kind).toBe('minted');
    const accountsBefore = first.auth.listServiceAccounts();
    const tokensBefore = first.auth.listTokens();
    await first.close();
    const count = await store1.count();
    await store1.close();

    const store2 = openSqliteLogStore({ path });
    const second = await boot(store2);
    expect(second.auth.bootstrapOpen()).toBe(false);
    expect(await second.auth.bootstrapFromEnv(ENV_SECRET)).toMatchObject({ kind: 'skipped' });
    expect(await store2.count()).toBe(count);
    expect(second.auth.authenticate(`Bearer ${ENV_BEARER}`)).toEqual({
      sa_id: 'sa-bootstrap-env',
      token_id: (minted as { token_id: string }).token_id,
      scopes: ['admin'],
      actors: [],
    });
    // The rebuilt registry equals the one built incrementally.
    expect(second.auth.listServiceAccounts()).toEqual(accountsBefore);
    expect(second.auth.listTokens()).toEqual(tokensBefore);
    await second.close();
    await store2.close();
  });

  it('survives a restart over the same memory store too', async () => {
    const store = createMemoryLogStore();
    const first = await boot(store);
    await first.auth.bootstrapFromEnv(ENV_SECRET);
    await first.close();
    const count = await store.count();
    const second = await boot(store);
    expect(await second.auth.bootstrapFromEnv(ENV_SECRET)).toMatchObject({ kind: 'skipped' });
    expect(await store.count()).toBe(count);
    expect(second.auth.authenticate(`Bearer ${ENV_BEARER}`).sa_id).toBe('sa-bootstrap-env');
    await second.close();
  });
});

describe('Path A after the identity (and so the token key) was replaced', () => {
  const OTHER_KEY = new Uint8Array(32).fill(9);

  it('no old token verifies under a new key; SPL_BOOTSTRAP_TOKEN then mints its bearer again, once', async () => {
    const store = createMemoryLogStore();
    const first = await boot(store);
    await first.auth.bootstrapFromEnv(ENV_SECRET);
    const ci = await first.auth.createServiceAccount({ sa_id: 'sa-ci', scopes: ['records:read'] });
    const ciToken = await first.auth.mintToken(ci.sa_id);
    await first.close();

    const restored = await boot(store, OTHER_KEY);
    expect(thrown(() => restored.auth.authenticate(`Bearer ${ENV_BEARER}`)).code).toBe('AUTH_REQUIRED');
    expect(thrown(() => restored.auth.authenticate(`Bearer ${ciToken.bearer}`)).code).toBe('AUTH_REQUIRED');
    const outcome = await restored.auth.bootstrapFromEnv(ENV_SECRET);
    expect(outcome).toMatchObject({ kind: 'reminted', sa_id: 'sa-bootstrap-env', reason: expect.stringContaining('identity.json') });
    expect(restored.auth.authenticate(`Bearer ${ENV_BEARER}`)).toMatchObject({ sa_id: 'sa-bootstrap-env', scopes: ['admin'] });
    // Now a token verifies under this key, so later starts mint nothing.
    expect(await restored.auth.bootstrapFromEnv(ENV_SECRET)).toMatchObject({ kind: 'skipped' });
    expect((await onThread(restored.kernel, 'th_audit')).some((r) => r.body.path === 'env-new-key')).toBe(true);
    await restored.close();
  });

  it('does not reopen when every token was revoked under the same key: revoking is not forgetting the key', async () => {
    const b = await boot();
    await b.auth.bootstrapFromEnv(ENV_SECRET);
    for (const t of b.auth.listTokens()) await b.auth.revokeToken(t.token_id);
    expect(await b.auth.bootstrapFromEnv(ENV_SECRET)).toMatchObject({ kind: 'skipped' });
    expect(thrown(() => b.auth.authenticate(`Bearer ${ENV_BEARER}`)).code).toBe('AUTH_REQUIRED');
    await b.close();
  });
});

describe('Path B: bootstrapServiceAccount', () => {
  it('mints the first SA and returns a bearer (shown once) that authenticates', async () => {
    const b = await boot();
    expect(b.auth.bootstrapOpen()).toBe(true);
    const minted = await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    expect(minted).toMatchObject({ sa_id: 'sa-admin', env: 'prod', scopes: ['admin'] });
    expect(minted.bearer).toMatch(/^spl_prod_sa-admin_[0-9a-f]{64}$/);
    expect(b.auth.authenticate(`Bearer ${minted.bearer}`)).toEqual({ sa_id: 'sa-admin', token_id: minted.token_id, scopes: ['admin'], actors: [] });
    expect(b.auth.bootstrapOpen()).toBe(false);
    await b.close();
  });

  it('is closed after the first SA: a second call throws BOOTSTRAP_CLOSED and writes nothing', async () => {
    const b = await boot();
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    const count = await b.store.count();
    const e = await rejected(b.auth.bootstrapServiceAccount({ sa_id: 'sa-second', scopes: ['admin'] }));
    expect(e.code).toBe('BOOTSTRAP_CLOSED');
    expect(await b.store.count()).toBe(count);
    expect(b.auth.listServiceAccounts().map((sa) => sa.sa_id)).toEqual(['sa-admin']);
    await b.close();
  });

  it('stays closed after Path A minted, after all SAs are revoked, and after a restart', async () => {
    const store = createMemoryLogStore();
    const b = await boot(store);
    await b.auth.bootstrapFromEnv(ENV_SECRET);
    expect((await rejected(b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] }))).code).toBe('BOOTSTRAP_CLOSED');
    await b.auth.revokeServiceAccount('sa-bootstrap-env');
    expect((await rejected(b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] }))).code).toBe('BOOTSTRAP_CLOSED');
    await b.close();
    const again = await boot(store);
    expect(again.auth.bootstrapOpen()).toBe(false);
    expect((await rejected(again.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] }))).code).toBe('BOOTSTRAP_CLOSED');
    await again.close();
  });

  // Two bootstrap requests racing (e.g. two POST /v1/bootstrap/service-account at once) must not
  // both get an admin bearer: bootstrap is one-shot.
  it('lets only one of two concurrent bootstrap calls succeed', async () => {
    const b = await boot();
    const results = await Promise.allSettled([
      b.auth.bootstrapServiceAccount({ sa_id: 'sa-one', scopes: ['admin'] }),
      b.auth.bootstrapServiceAccount({ sa_id: 'sa-two', scopes: ['admin'] }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((failure.reason as AuthError).code).toBe('BOOTSTRAP_CLOSED');
    expect(b.auth.listServiceAccounts()).toHaveLength(1);
    await b.close();
  });

  it('lets only one of Path A and Path B win when they race', async () => {
    const b = await boot();
    const [envOutcome, http] = await Promise.allSettled([b.auth.bootstrapFromEnv(ENV_SECRET), b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] })]);
    const envMinted = envOutcome.status === 'fulfilled' && envOutcome.value.kind === 'minted';
    const httpMinted = http.status === 'fulfilled';
    expect([envMinted, httpMinted].filter(Boolean)).toHaveLength(1);
    expect(b.auth.listServiceAccounts()).toHaveLength(1);
    await b.close();
  });

  it.each([
    ['sa_id with an underscore', { sa_id: 'sa_admin', scopes: ['admin'] }, 'sa_id'],
    ['upper-case sa_id', { sa_id: 'SA-admin', scopes: ['admin'] }, 'sa_id'],
    ['empty sa_id', { sa_id: '', scopes: ['admin'] }, 'sa_id'],
    ['sa_id of 65 characters', { sa_id: 'a'.repeat(65), scopes: ['admin'] }, 'sa_id'],
    ['missing sa_id', { scopes: ['admin'] }, 'sa_id'],
    ['numeric sa_id', { sa_id: 42, scopes: ['admin'] }, 'sa_id'],
    ['unknown scope', { sa_id: 'sa-admin', scopes: ['root'] }, 'scopes'],
    ['unknown scope among good ones', { sa_id: 'sa-admin', scopes: ['records:read', 'records:delete'] }, 'scopes'],
    ['empty scopes', { sa_id: 'sa-admin', scopes: [] }, 'scopes'],
    ['scopes not an array', { sa_id: 'sa-admin', scopes: 'admin' }, 'scopes'],
    ['missing scopes', { sa_id: 'sa-admin' }, 'scopes'],
    ['a non-string description', { sa_id: 'sa-admin', scopes: ['admin'], description: 5 }, 'description'],
    ['null body', null, 'body'],
    ['string body', 'sa-admin', 'body'],
    ['array body', [{ sa_id: 'sa-admin', scopes: ['admin'] }], 'body'],
    ['number body', 42, 'body'],
    ['undefined body', undefined, 'body'],
  ])('refuses %s with VALIDATION_FAILED naming the field, and stays open', async (_why, input, field) => {
    const b = await boot();
    const e = await rejected(b.auth.bootstrapServiceAccount(input));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.field).toBe(field);
    expect(e.message).toContain(field === 'body' ? 'object' : field);
    expect(await b.store.count()).toBe(0);
    expect(b.auth.bootstrapOpen()).toBe(true);
    await b.close();
  });
});
