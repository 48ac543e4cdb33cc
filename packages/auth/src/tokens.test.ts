import { tokenHasher, type Auth, type AuthError } from '@syncropel/auth';
import { createMemoryLogStore } from '@syncropel/log';
import { openSqliteLogStore } from '@syncropel/log-sqlite';
import { describe, expect, it } from 'vitest';
import { ACTOR, ENV_BEARER, ENV_SECRET, TOKEN_KEY, allRecords, boot, dbPath, onThread, rejected, secretOf, sha256, thrown } from '../test/auth-harness.js';

describe('tokens', () => {
  it('snapshot the SA scopes at mint: old tokens keep old scopes, new tokens get new ones', async () => {
    const b = await boot();
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    await b.auth.createServiceAccount({ sa_id: 'sa-ci', scopes: ['records:read'] });
    const before = await b.auth.mintToken('sa-ci', { label: 'before' });
    expect(before.scopes).toEqual(['records:read']);

    const updated = await b.auth.updateServiceAccount('sa-ci', { scopes: ['records:read', 'records:write'] });
    expect(updated.scopes).toEqual(['records:read', 'records:write']);
    const after = await b.auth.mintToken('sa-ci', { label: 'after' });
    expect(after.scopes).toEqual(['records:read', 'records:write']);

    const p1 = b.auth.authenticate(`Bearer ${before.bearer}`);
    const p2 = b.auth.authenticate(`Bearer ${after.bearer}`);
    expect(p1.scopes).toEqual(['records:read']);
    expect(p2.scopes).toEqual(['records:read', 'records:write']);
    expect(thrown(() => b.auth.authorize(p1, 'records:write')).code).toBe('SCOPE_FORBIDDEN');
    expect(() => b.auth.authorize(p2, 'records:write')).not.toThrow();

    // Shrinking the SA does not shrink the new token either; revoke + re-mint is the way.
    await b.auth.updateServiceAccount('sa-ci', { scopes: ['config:read'] });
    expect(b.auth.authenticate(`Bearer ${after.bearer}`).scopes).toEqual(['records:read', 'records:write']);
    const byId = new Map(b.auth.listTokens('sa-ci').map((t) => [t.token_id, t.scopes]));
    expect(byId.get(before.token_id)).toEqual(['records:read']);
    expect(byId.get(after.token_id)).toEqual(['records:read', 'records:write']);
    await b.close();
  });

  it('rotateToken: the new token works, the old one fails, and the new record precedes the revocation', async () => {
    const b = await boot();
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    await b.auth.createServiceAccount({ sa_id: 'sa-ci', scopes: ['records:read'] });
    const old = await b.auth.mintToken('sa-ci', { env: 'ci', label: 'pipeline' });
    const fresh = await b.auth.rotateToken(old.token_id);

    expect(fresh.token_id).not.toBe(old.token_id);
    expect(fresh.bearer).not.toBe(old.bearer);
    expect(fresh).toMatchObject({ sa_id: 'sa-ci', env: 'ci', label: 'pipeline', scopes: ['records:read'] });
    expect(b.auth.authenticate(`Bearer ${fresh.bearer}`).token_id).toBe(fresh.token_id);
    expect(thrown(() => b.auth.authenticate(`Bearer ${old.bearer}`)).code).toBe('AUTH_REQUIRED');

    const records = await onThread(b.kernel, 'th_service_accounts');
    const minted = records.findIndex((r) => r.body.topic === 'token' && r.body.token_id === fresh.token_id && r.body.enabled === true);
    const revoked = records.findIndex((r) => r.body.topic === 'token' && r.body.token_id === old.token_id && r.body.enabled === false);
    expect(minted).toBeGreaterThanOrEqual(0);
    expect(revoked).toBeGreaterThanOrEqual(0);
    expect(minted).toBeLessThan(revoked);
    expect(records[minted]!.seq).toBeLessThan(records[revoked]!.seq);
    expect(records[revoked]!.body.reason).toBe(`rotated to ${fresh.token_id}`);

    // A revoked token cannot be rotated again.
    const e = await rejected(b.auth.rotateToken(old.token_id));
    expect(e.code).toBe('NOT_FOUND');
    expect(b.auth.listTokens('sa-ci').filter((t) => !t.revoked).map((t) => t.token_id)).toEqual([fresh.token_id]);
    await b.close();
  });

  it('revokeServiceAccount revokes all its tokens; re-creating the sa_id never revives them', async () => {
    const store = createMemoryLogStore();
    const b = await boot(store);
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    await b.auth.createServiceAccount({ sa_id: 'sa-ci', scopes: ['records:read'] });
    const t1 = await b.auth.mintToken('sa-ci');
    const t2 = await b.auth.mintToken('sa-ci', { env: 'staging' });
    expect(b.auth.authenticate(`Bearer ${t1.bearer}`).sa_id).toBe('sa-ci');

    const revoked = await b.auth.revokeServiceAccount('sa-ci');
    expect(revoked).toMatchObject({ sa_id: 'sa-ci', revoked: true });
    for (const t of b.auth.listTokens('sa-ci')) expect(t.revoked).toBe(true);
    expect(b.auth.listTokens('sa-ci')).toHaveLength(2);
    for (const t of [t1, t2]) expect(thrown(() => b.auth.authenticate(`Bearer ${t.bearer}`)).code).toBe('AUTH_REQUIRED');
    expect((await rejected(b.auth.mintToken('sa-ci'))).code).toBe('NOT_FOUND');

    await b.auth.createServiceAccount({ sa_id: 'sa-ci', scopes: ['records:read'] });
    for (const t of [t1, t2]) expect(thrown(() => b.auth.authenticate(`Bearer ${t.bearer}`)).code).toBe('AUTH_REQUIRED');
    const t3 = await b.auth.mintToken('sa-ci');
    expect(b.auth.authenticate(`Bearer ${t3.bearer}`).token_id).toBe(t3.token_id);
    await b.close();

    // And the same after a restart (the rebuild folds the same records).
    const again = await boot(store);
    for (const t of [t1, t2]) expect(thrown(() => again.auth.authenticate(`Bearer ${t.bearer}`)).code).toBe('AUTH_REQUIRED');
    expect(again.auth.authenticate(`Bearer ${t3.bearer}`).token_id).toBe(t3.token_id);
    await again.close();
  });

  // A mint in flight while its SA is revoked must not leave a live token behind that a later
  // re-creation of the same sa_id would revive.
  it('a token minted concurrently with revokeServiceAccount is not revived by re-creating the SA', async () => {
    const b = await boot();
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    await b.auth.createServiceAccount({ sa_id: 'sa-ci', scopes: ['records:read'] });
    const [mint, revoke] = await Promise.allSettled([b.auth.mintToken('sa-ci'), b.auth.revokeServiceAccount('sa-ci')]);
    expect(revoke.status).toBe('fulfilled');
    for (const t of b.auth.listTokens('sa-ci')) expect(t.revoked, t.token_id).toBe(true);
    await b.auth.createServiceAccount({ sa_id: 'sa-ci', scopes: ['records:read'] });
    if (mint.status === 'fulfilled') {
      expect(thrown(() => b.auth.authenticate(`Bearer ${mint.value.bearer}`)).code).toBe('AUTH_REQUIRED');
    }
    await b.close();
  });

  it('two concurrent rotations of one token leave exactly one live replacement', async () => {
    const b = await boot();
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    const t = await b.auth.mintToken('sa-admin');
    const results = await Promise.allSettled([b.auth.rotateToken(t.token_id), b.auth.rotateToken(t.token_id)]);
    const live = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<Auth['rotateToken']>>> => r.status === 'fulfilled');
    expect(live).toHaveLength(1);
    const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((failure.reason as AuthError).code).toBe('NOT_FOUND');
    await b.close();
  });

  it('two concurrent creations of one sa_id: the second is ALREADY_EXISTS', async () => {
    const b = await boot();
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    const results = await Promise.allSettled([
      b.auth.createServiceAccount({ sa_id: 'sa-x', scopes: ['admin'] }),
      b.auth.createServiceAccount({ sa_id: 'sa-x', scopes: ['records:read'] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(((results[1] as PromiseRejectedResult).reason as AuthError).code).toBe('ALREADY_EXISTS');
    expect(b.auth.listServiceAccounts().find((sa) => sa.sa_id === 'sa-x')!.scopes).toEqual(['admin']);
    await b.close();
  });

  it('createServiceAccount refuses an existing active sa_id with ALREADY_EXISTS', async () => {
    const b = await boot();
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    const count = await b.store.count();
    const e = await rejected(b.auth.createServiceAccount({ sa_id: 'sa-admin', scopes: ['records:read'] }));
    expect([e.code, e.field]).toEqual(['ALREADY_EXISTS', 'sa_id']);
    expect(await b.store.count()).toBe(count);
    await b.close();
  });

  it('revokeToken is idempotent and writes nothing the second time', async () => {
    const b = await boot();
    const admin = await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    const t = await b.auth.mintToken('sa-admin');
    expect(await b.auth.revokeToken(t.token_id)).toMatchObject({ token_id: t.token_id, revoked: true });
    const count = await b.store.count();
    expect(await b.auth.revokeToken(t.token_id)).toMatchObject({ token_id: t.token_id, revoked: true });
    expect(await b.store.count()).toBe(count);
    expect((await rejected(b.auth.revokeToken('tok_0000000000000000'))).code).toBe('NOT_FOUND');
    expect(b.auth.authenticate(`Bearer ${admin.bearer}`).sa_id).toBe('sa-admin');
    await b.close();
  });

  it('mintToken validates env and label, naming the field', async () => {
    const b = await boot();
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    for (const env of ['PROD', 'pr_od', '', 'pr-od', 5]) {
      const e = await rejected(b.auth.mintToken('sa-admin', { env }));
      expect([e.code, e.field]).toEqual(['VALIDATION_FAILED', 'env']);
    }
    const e = await rejected(b.auth.mintToken('sa-admin', { label: 'x'.repeat(201) }));
    expect([e.code, e.field]).toEqual(['VALIDATION_FAILED', 'label']);
    expect((await rejected(b.auth.mintToken('sa-missing'))).code).toBe('NOT_FOUND');
    await b.close();
  });

  it('listTokens never exposes a stored hash nor any secret', async () => {
    const b = await boot();
    const admin = await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    const more = [await b.auth.mintToken('sa-admin'), await b.auth.mintToken('sa-admin', { env: 'dev', label: 'laptop' })];
    await b.auth.revokeToken(more[0]!.token_id);
    const listed = b.auth.listTokens();
    expect(listed).toHaveLength(3);
    const json = JSON.stringify(listed);
    for (const t of listed) {
      expect(Object.keys(t).sort()).toEqual(['created_at', 'env', 'hash', 'key_id', 'label', 'revoked', 'sa_id', 'scopes', 'token_id']);
      expect(t.hash).toBe('keyed');
    }
    for (const m of [admin, ...more]) {
      expect(json).not.toContain(secretOf(m.bearer));
      expect(json).not.toContain(sha256(secretOf(m.bearer)));
      expect(json).not.toContain(tokenHasher(TOKEN_KEY).keyed(secretOf(m.bearer)));
    }
    expect(json).not.toContain('secret');
    await b.close();
  });
});

describe('secrets are never stored', () => {
  it('only the keyed HMAC of a secret reaches the log, for Path A, Path B, minted and rotated tokens', async () => {
    const path = dbPath();
    const store = openSqliteLogStore({ path });
    const b = await boot(store);
    await b.auth.bootstrapFromEnv(ENV_SECRET);
    await b.auth.createServiceAccount({ sa_id: 'sa-ci', scopes: ['records:read'] });
    const minted = await b.auth.mintToken('sa-ci', { label: 'ci' });
    const rotated = await b.auth.rotateToken(minted.token_id);
    const revokedLater = await b.auth.mintToken('sa-ci');
    await b.auth.revokeServiceAccount('sa-ci');
    await b.close();

    const bearers = [ENV_BEARER, minted.bearer, rotated.bearer, revokedLater.bearer];
    const records = await allRecords(store);
    expect(records.length).toBeGreaterThan(5);
    const dump = records.map((r) => JSON.stringify(r));
    for (const bearer of bearers) {
      const secret = secretOf(bearer);
      for (const text of dump) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(bearer);
      }
      // Never a bare SHA-256, which a leaked backup would let anyone test guesses against.
      for (const text of dump) expect(text).not.toContain(sha256(secret));
      // The keyed digest is stored exactly once: in the token's own record on th_service_accounts.
      const withHash = records.filter((r) => r.body.secret_hmac === tokenHasher(TOKEN_KEY).keyed(secret));
      expect(withHash).toHaveLength(1);
      expect(withHash[0]).toMatchObject({ thread: 'th_service_accounts', act: 'LEARN', body: { topic: 'token' } });
    }
    await store.close();
  });
});

describe('audit of bootstrap and token events', () => {
  it('writes KNOW records on th_audit for bootstrap, mint and revoke, without secrets', async () => {
    const b = await boot();
    const outcome = await b.auth.bootstrapFromEnv(ENV_SECRET);
    const bootstrapToken = (outcome as { token_id: string }).token_id;
    await b.auth.createServiceAccount({ sa_id: 'sa-ci', scopes: ['records:read'] });
    const t = await b.auth.mintToken('sa-ci');
    await b.auth.revokeToken(t.token_id, 'leaked in a log');

    const audit = await onThread(b.kernel, 'th_audit');
    for (const r of audit) {
      expect(r.act).toBe('KNOW');
      expect(r.actor).toBe(ACTOR);
    }
    const topics = audit.map((r) => r.body.topic);
    expect(topics).toEqual(['token_minted', 'bootstrap', 'token_minted', 'token_revoked']);
    expect(audit[1]!.body).toMatchObject({ topic: 'bootstrap', path: 'env', sa_id: 'sa-bootstrap-env', token_id: bootstrapToken });
    expect(audit[2]!.body).toMatchObject({ topic: 'token_minted', sa_id: 'sa-ci', token_id: t.token_id, scopes: ['records:read'] });
    expect(audit[3]!.body).toMatchObject({ topic: 'token_revoked', sa_id: 'sa-ci', token_id: t.token_id, reason: 'leaked in a log' });
    const json = JSON.stringify(audit);
    expect(json).not.toContain(ENV_SECRET);
    expect(json).not.toContain(secretOf(t.bearer));
    await b.close();
  });

  it('records the Path B bootstrap too', async () => {
    const b = await boot();
    const minted = await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    const audit = await onThread(b.kernel, 'th_audit');
    expect(audit.map((r) => r.body.topic)).toEqual(['token_minted', 'bootstrap']);
    expect(audit[1]!.body).toMatchObject({ path: 'http', sa_id: 'sa-admin', token_id: minted.token_id });
    expect(JSON.stringify(audit)).not.toContain(secretOf(minted.bearer));
    await b.close();
  });
});
