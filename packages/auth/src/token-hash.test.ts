import { MIN_TOKEN_KEY_BYTES, tokenHasher } from '@syncropel/auth';
import { describe, expect, it } from 'vitest';
import { ACTOR, TOKEN_KEY, boot, sha256, thrown } from '../test/auth-harness.js';

describe('token hashes are keyed', () => {
  it('refuses a key shorter than 256 bits; different keys give different hashes and key ids', () => {
    expect(() => tokenHasher(new Uint8Array(MIN_TOKEN_KEY_BYTES - 1))).toThrow(`at least ${MIN_TOKEN_KEY_BYTES} bytes`);
    const a = tokenHasher(TOKEN_KEY);
    const b = tokenHasher(new Uint8Array(32).fill(8));
    expect(a.keyed('secret-0123456789')).toBe(tokenHasher(new Uint8Array(TOKEN_KEY)).keyed('secret-0123456789'));
    expect(a.keyed('secret-0123456789')).not.toBe(b.keyed('secret-0123456789'));
    expect(a.keyed('secret-0123456789')).not.toBe(sha256('secret-0123456789'));
    expect(a.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(a.keyId).not.toBe(b.keyId);
    expect(a.legacy('x')).toBe(sha256('x'));
  });

  it('still accepts a token an older version stored as a bare SHA-256, and lists it as legacy so it can be rotated', async () => {
    const b = await boot();
    await b.auth.bootstrapServiceAccount({ sa_id: 'sa-old', scopes: ['records:read'] });
    const secret = 'an-old-secret-from-before-keyed-hashes';
    await b.kernel.emit(ACTOR, {
      thread: 'th_service_accounts',
      act: 'LEARN',
      body: { topic: 'token', name: 'tok_0123456789abcdef', token_id: 'tok_0123456789abcdef', sa_id: 'sa-old', env: 'prod', scopes: ['records:read'], label: '', secret_sha256: sha256(secret), enabled: true },
    });
    expect(b.auth.authenticate(`Bearer spl_prod_sa-old_${secret}`)).toMatchObject({ sa_id: 'sa-old', token_id: 'tok_0123456789abcdef' });
    expect(b.auth.listTokens('sa-old').find((t) => t.token_id === 'tok_0123456789abcdef')).toMatchObject({ hash: 'legacy', key_id: null });
    const fresh = await b.auth.rotateToken('tok_0123456789abcdef');
    expect(b.auth.listTokens('sa-old').find((t) => t.token_id === fresh.token_id)).toMatchObject({ hash: 'keyed', key_id: tokenHasher(TOKEN_KEY).keyId });
    expect(thrown(() => b.auth.authenticate(`Bearer spl_prod_sa-old_${secret}`)).code).toBe('AUTH_REQUIRED');
    await b.close();
  });
});
