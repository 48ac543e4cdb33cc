import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredRecord } from '@syncropel/algebra';
import { createAuth, isAuthError, parseBearer, type Auth, type AuthError } from '@syncropel/auth';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore, openSqliteLogStore, type LogStore } from '@syncropel/log';
import { afterAll, describe, expect, it } from 'vitest';

const ACTOR = `did:sync:instance:${'a1'.repeat(32)}`;
const ENV_SECRET = 'env_secret_0123456789_abcdef'; // contains `_` on purpose
const ENV_BEARER = `spl_prod_sa-bootstrap-env_${ENV_SECRET}`;

interface Booted {
  store: LogStore;
  kernel: Kernel;
  auth: Auth;
  close(): Promise<void>;
}

/** A real kernel over a real store, with auth attached before start (as the daemon does it). */
async function boot(store: LogStore = createMemoryLogStore()): Promise<Booted> {
  const kernel = createKernel({ store });
  const auth = createAuth({ kernel, actor: ACTOR, auditWindowMs: 0 });
  await kernel.start();
  return {
    store,
    kernel,
    auth,
    async close() {
      await auth.stop();
      await kernel.stop();
    },
  };
}

function thrown(fn: () => unknown): AuthError {
  try {
    fn();
  } catch (e) {
    if (isAuthError(e)) return e;
    throw e;
  }
  throw new Error('expected an AuthError');
}

async function rejected(p: Promise<unknown>): Promise<AuthError> {
  try {
    await p;
  } catch (e) {
    if (isAuthError(e)) return e;
    throw e;
  }
  throw new Error('expected an AuthError');
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const secretOf = (bearer: string) => parseBearer(bearer)!.secret;
const allRecords = (store: LogStore): StoredRecord[] => [...store.scan()];
const onThread = (kernel: Kernel, thread: string) => kernel.records({ thread, limit: 1000 });

const dir = mkdtempSync(join(tmpdir(), 'spl-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dbCounter = 0;
const dbPath = () => join(dir, `hub-${++dbCounter}.db`);

describe('Path A: bootstrapFromEnv (SPL_BOOTSTRAP_TOKEN)', () => {
  it('treats unset or empty as unset and writes nothing', async () => {
    const b = await boot();
    expect(await b.auth.bootstrapFromEnv(undefined)).toEqual({ kind: 'unset' });
    expect(await b.auth.bootstrapFromEnv('')).toEqual({ kind: 'unset' });
    expect(b.store.count()).toBe(0);
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
    const before = b.store.count();
    const outcome = await b.auth.bootstrapFromEnv(secret);
    expect(outcome.kind).toBe('invalid');
    const reason = (outcome as { reason: string }).reason;
    expect(reason).toContain('SPL_BOOTSTRAP_TOKEN');
    expect(reason).not.toContain(secret);
    expect(reason).not.toContain(secret.trim().slice(0, 8));
    expect(b.store.count()).toBe(before);
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
    expect(b.auth.authenticate(`Bearer ${ENV_BEARER}`)).toEqual({ sa_id: 'sa-bootstrap-env', token_id: tokenId, scopes: ['admin'] });
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
    const count = b.store.count();
    expect(await b.auth.bootstrapFromEnv(ENV_SECRET)).toMatchObject({ kind: 'skipped' });
    expect(await b.auth.bootstrapFromEnv('another-valid-secret-value')).toMatchObject({ kind: 'skipped' });
    expect(b.store.count()).toBe(count);
    expect(() => b.auth.authenticate('Bearer spl_prod_sa-bootstrap-env_another-valid-secret-value')).toThrow();
    await b.close();
  });

  it('is skipped once any service account exists (e.g. made by Path B)', async () => {
    const b = await boot();
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    const count = b.store.count();
    expect(await b.auth.bootstrapFromEnv(ENV_SECRET)).toMatchObject({ kind: 'skipped' });
    expect(b.store.count()).toBe(count);
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
    const count = store1.count();
    store1.close();

    const store2 = openSqliteLogStore({ path });
    const second = await boot(store2);
    expect(second.auth.bootstrapOpen()).toBe(false);
    expect(await second.auth.bootstrapFromEnv(ENV_SECRET)).toMatchObject({ kind: 'skipped' });
    expect(store2.count()).toBe(count);
    expect(second.auth.authenticate(`Bearer ${ENV_BEARER}`)).toEqual({
      sa_id: 'sa-bootstrap-env',
      token_id: (minted as { token_id: string }).token_id,
      scopes: ['admin'],
    });
    // The rebuilt registry equals the one built incrementally.
    expect(second.auth.listServiceAccounts()).toEqual(accountsBefore);
    expect(second.auth.listTokens()).toEqual(tokensBefore);
    await second.close();
    store2.close();
  });

  it('survives a restart over the same memory store too', async () => {
    const store = createMemoryLogStore();
    const first = await boot(store);
    await first.auth.bootstrapFromEnv(ENV_SECRET);
    await first.close();
    const count = store.count();
    const second = await boot(store);
    expect(await second.auth.bootstrapFromEnv(ENV_SECRET)).toMatchObject({ kind: 'skipped' });
    expect(store.count()).toBe(count);
    expect(second.auth.authenticate(`Bearer ${ENV_BEARER}`).sa_id).toBe('sa-bootstrap-env');
    await second.close();
  });
});

describe('Path B: bootstrapServiceAccount', () => {
  it('mints the first SA and returns a bearer (shown once) that authenticates', async () => {
    const b = await boot();
    expect(b.auth.bootstrapOpen()).toBe(true);
    const minted = await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    expect(minted).toMatchObject({ sa_id: 'sa-admin', env: 'prod', scopes: ['admin'] });
    expect(minted.bearer).toMatch(/^spl_prod_sa-admin_[0-9a-f]{64}$/);
    expect(b.auth.authenticate(`Bearer ${minted.bearer}`)).toEqual({ sa_id: 'sa-admin', token_id: minted.token_id, scopes: ['admin'] });
    expect(b.auth.bootstrapOpen()).toBe(false);
    await b.close();
  });

  it('is closed after the first SA: a second call throws BOOTSTRAP_CLOSED and writes nothing', async () => {
    const b = await boot();
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    const count = b.store.count();
    const e = await rejected(b.auth.bootstrapServiceAccount({ sa_id: 'sa-second', scopes: ['admin'] }));
    expect(e.code).toBe('BOOTSTRAP_CLOSED');
    expect(b.store.count()).toBe(count);
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
    expect(b.store.count()).toBe(0);
    expect(b.auth.bootstrapOpen()).toBe(true);
    await b.close();
  });
});

describe('authenticate', () => {
  async function withTokens() {
    const b = await boot();
    const admin = await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    await b.auth.createServiceAccount({ sa_id: 'sa-other', scopes: ['records:read'] });
    const other = await b.auth.mintToken('sa-other', { env: 'dev' });
    return { ...b, admin, other };
  }

  it('resolves a valid bearer; the scheme is case-insensitive', async () => {
    const b = await withTokens();
    const want = { sa_id: 'sa-admin', token_id: b.admin.token_id, scopes: ['admin'] };
    expect(b.auth.authenticate(`Bearer ${b.admin.bearer}`)).toEqual(want);
    expect(b.auth.authenticate(`bearer ${b.admin.bearer}`)).toEqual(want);
    expect(b.auth.authenticate(`BEARER ${b.admin.bearer}`)).toEqual(want);
    expect(b.other.bearer.startsWith('spl_dev_sa-other_')).toBe(true);
    expect(b.auth.authenticate(`Bearer ${b.other.bearer}`)).toEqual({ sa_id: 'sa-other', token_id: b.other.token_id, scopes: ['records:read'] });
    await b.close();
  });

  it('refuses every wrong header with AUTH_REQUIRED and never echoes the secret', async () => {
    const b = await withTokens();
    const bearer = b.admin.bearer;
    const secret = secretOf(bearer);
    const otherSecret = secretOf(b.other.bearer);
    await b.auth.createServiceAccount({ sa_id: 'sa-gone', scopes: ['admin'] });
    const revokedToken = await b.auth.mintToken('sa-admin');
    await b.auth.revokeToken(revokedToken.token_id);
    const ofRevokedSa = await b.auth.mintToken('sa-gone');
    await b.auth.revokeServiceAccount('sa-gone');

    const cases: [string, string | undefined][] = [
      ['missing header', undefined],
      ['empty header', ''],
      ['scheme only', 'Bearer'],
      ['scheme and space only', 'Bearer '],
      ['Basic scheme', `Basic ${bearer}`],
      ['Token scheme', `Token ${bearer}`],
      ['no scheme', bearer],
      ['malformed bearer', 'Bearer not-a-token'],
      ['malformed bearer (short secret)', 'Bearer spl_prod_sa-admin_short'],
      ['unknown secret', `Bearer spl_prod_sa-admin_${'f'.repeat(64)}`],
      ['right secret, wrong sa', `Bearer spl_prod_sa-other_${secret}`],
      ['right secret, wrong env', `Bearer spl_dev_sa-admin_${secret}`],
      ['other SA secret under this SA', `Bearer spl_dev_sa-admin_${otherSecret}`],
      ['revoked token', `Bearer ${revokedToken.bearer}`],
      ['token of a revoked SA', `Bearer ${ofRevokedSa.bearer}`],
      ['trailing space', `Bearer ${bearer} `],
      ['trailing newline', `Bearer ${bearer}\n`],
      ['trailing CRLF', `Bearer ${bearer}\r\n`],
      ['two spaces after the scheme', `Bearer  ${bearer}`],
      ['tab after the scheme', `Bearer\t${bearer}`],
      ['leading space', ` Bearer ${bearer}`],
      ['extra word', `Bearer ${bearer} extra`],
      ['padding', `Bearer ${bearer}==`],
      ['two bearers', `Bearer ${bearer},${bearer}`],
      ['upper-case prefix', `Bearer ${bearer.replace('spl_', 'SPL_')}`],
      ['upper-case env', `Bearer ${bearer.replace('_prod_', '_PROD_')}`],
      ['upper-case sa', `Bearer ${bearer.replace('_sa-admin_', '_SA-ADMIN_')}`],
      ['upper-case secret', `Bearer spl_prod_sa-admin_${secret.toUpperCase()}`],
    ];
    for (const [why, header] of cases) {
      const e = thrown(() => b.auth.authenticate(header));
      expect(e.code, why).toBe('AUTH_REQUIRED');
      expect(e.message, why).not.toContain(secret);
      expect(e.message, why).not.toContain(bearer);
      expect(e.message, why).not.toContain(otherSecret);
      expect(JSON.stringify(e), why).not.toContain(secret);
    }
    // The valid bearer still works after all those refusals.
    expect(b.auth.authenticate(`Bearer ${bearer}`).token_id).toBe(b.admin.token_id);
    await b.close();
  });

  it('refuses the bearer with any single letter upper-cased', async () => {
    const b = await withTokens();
    const bearer = b.admin.bearer;
    let mutated = 0;
    for (let i = 0; i < bearer.length; i++) {
      const c = bearer[i]!;
      if (c.toUpperCase() === c) continue;
      mutated++;
      const header = `Bearer ${bearer.slice(0, i)}${c.toUpperCase()}${bearer.slice(i + 1)}`;
      expect(thrown(() => b.auth.authenticate(header)).code, `position ${i}`).toBe('AUTH_REQUIRED');
    }
    expect(mutated).toBeGreaterThan(10);
    await b.close();
  });
});

describe('authorize', () => {
  it('throws SCOPE_FORBIDDEN unless the token scopes allow it', async () => {
    const b = await boot();
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    await b.auth.createServiceAccount({ sa_id: 'sa-reader', scopes: ['records:read'] });
    const reader = b.auth.authenticate(`Bearer ${(await b.auth.mintToken('sa-reader')).bearer}`);
    expect(() => b.auth.authorize(reader, 'records:read')).not.toThrow();
    const e = thrown(() => b.auth.authorize(reader, 'records:write'));
    expect(e.code).toBe('SCOPE_FORBIDDEN');
    expect(e.message).toContain('records:write');
    await b.close();
  });
});

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

    const records = onThread(b.kernel, 'th_service_accounts');
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
    const count = b.store.count();
    const e = await rejected(b.auth.createServiceAccount({ sa_id: 'sa-admin', scopes: ['records:read'] }));
    expect([e.code, e.field]).toEqual(['ALREADY_EXISTS', 'sa_id']);
    expect(b.store.count()).toBe(count);
    await b.close();
  });

  it('revokeToken is idempotent and writes nothing the second time', async () => {
    const b = await boot();
    const admin = await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    const t = await b.auth.mintToken('sa-admin');
    expect(await b.auth.revokeToken(t.token_id)).toMatchObject({ token_id: t.token_id, revoked: true });
    const count = b.store.count();
    expect(await b.auth.revokeToken(t.token_id)).toMatchObject({ token_id: t.token_id, revoked: true });
    expect(b.store.count()).toBe(count);
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

  it('listTokens never exposes secret_sha256 nor any secret', async () => {
    const b = await boot();
    const admin = await b.auth.bootstrapServiceAccount({ sa_id: 'sa-admin', scopes: ['admin'] });
    const more = [await b.auth.mintToken('sa-admin'), await b.auth.mintToken('sa-admin', { env: 'dev', label: 'laptop' })];
    await b.auth.revokeToken(more[0]!.token_id);
    const listed = b.auth.listTokens();
    expect(listed).toHaveLength(3);
    const json = JSON.stringify(listed);
    for (const t of listed) {
      expect(Object.keys(t).sort()).toEqual(['created_at', 'env', 'label', 'revoked', 'sa_id', 'scopes', 'token_id']);
    }
    for (const m of [admin, ...more]) {
      expect(json).not.toContain(secretOf(m.bearer));
      expect(json).not.toContain(sha256(secretOf(m.bearer)));
    }
    expect(json).not.toContain('secret');
    await b.close();
  });
});

describe('secrets are never stored', () => {
  it('only SHA-256(secret) reaches the log, for Path A, Path B, minted and rotated tokens', async () => {
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
    const records = allRecords(store);
    expect(records.length).toBeGreaterThan(5);
    const dump = records.map((r) => JSON.stringify(r));
    for (const bearer of bearers) {
      const secret = secretOf(bearer);
      for (const text of dump) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(bearer);
      }
      // The digest is stored exactly once: in the token's own record on th_service_accounts.
      const withHash = records.filter((r) => r.body.secret_sha256 === sha256(secret));
      expect(withHash).toHaveLength(1);
      expect(withHash[0]).toMatchObject({ thread: 'th_service_accounts', act: 'LEARN', body: { topic: 'token' } });
    }
    store.close();
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

    const audit = onThread(b.kernel, 'th_audit');
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
    const audit = onThread(b.kernel, 'th_audit');
    expect(audit.map((r) => r.body.topic)).toEqual(['token_minted', 'bootstrap']);
    expect(audit[1]!.body).toMatchObject({ path: 'http', sa_id: 'sa-admin', token_id: minted.token_id });
    expect(JSON.stringify(audit)).not.toContain(secretOf(minted.bearer));
    await b.close();
  });
});

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
    store1.close();

    const store2 = openSqliteLogStore({ path });
    const again = await boot(store2);
    expect(again.auth.corsOrigins()).toEqual(origins);
    await again.close();
    store2.close();
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
    const count = b.store.count();
    const e = await rejected(b.auth.setCorsOrigins({ origins }));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.field).toBe(`origins[${i}]`);
    expect(e.message).toContain(`origins[${i}]`);
    expect(b.store.count()).toBe(count);
    expect(b.auth.corsOrigins()).toEqual(['https://kept.example']);
    await b.close();
  });

  it.each([[undefined], [null], ['https://a.example'], [{ origins: 'https://a.example' }], [{}]])('refuses a body of %j naming origins', async (input) => {
    const b = await boot();
    const e = await rejected(b.auth.setCorsOrigins(input));
    expect([e.code, e.field]).toEqual(['VALIDATION_FAILED', 'origins']);
    expect(b.store.count()).toBe(0);
    await b.close();
  });
});
