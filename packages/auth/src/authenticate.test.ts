import type { Auth, AuthError } from '@syncropel/auth';
import { createMemoryLogStore } from '@syncropel/log';
import { openSqliteLogStore } from '@syncropel/log-sqlite';
import { describe, expect, it } from 'vitest';
import { ACTOR, ENV_BEARER, ENV_SECRET, allRecords, boot, dbPath, onThread, rejected, secretOf, sha256, thrown } from '../test/auth-harness.js';

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
    const want = { sa_id: 'sa-admin', token_id: b.admin.token_id, scopes: ['admin'], actors: [] };
    expect(b.auth.authenticate(`Bearer ${b.admin.bearer}`)).toEqual(want);
    expect(b.auth.authenticate(`bearer ${b.admin.bearer}`)).toEqual(want);
    expect(b.auth.authenticate(`BEARER ${b.admin.bearer}`)).toEqual(want);
    expect(b.other.bearer.startsWith('spl_dev_sa-other_')).toBe(true);
    expect(b.auth.authenticate(`Bearer ${b.other.bearer}`)).toEqual({ sa_id: 'sa-other', token_id: b.other.token_id, scopes: ['records:read'], actors: [] });
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
