import { describe, expect, it } from 'vitest';
import { BEARER_KEY, normalizeBearer, storageSession } from './session.js';

describe('the session', () => {
  it('keeps the bearer under one key and forgets it on sign-out', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) };
    const session = storageSession(storage);
    expect(session.bearer()).toBeNull();
    session.signIn('spl_prod_sa-x_secret');
    expect([...store]).toEqual([[BEARER_KEY, 'spl_prod_sa-x_secret']]);
    session.signOut();
    expect(session.bearer()).toBeNull();
    expect(store.size).toBe(0);
  });

  it('takes a pasted bearer with a Bearer prefix or header name, and refuses an empty one or one with spaces', () => {
    expect(normalizeBearer('  spl_prod_sa-x_s \n')).toEqual({ ok: true, bearer: 'spl_prod_sa-x_s' });
    expect(normalizeBearer('Bearer spl_prod_sa-x_s')).toEqual({ ok: true, bearer: 'spl_prod_sa-x_s' });
    expect(normalizeBearer('Authorization: Bearer spl_prod_sa-x_s')).toEqual({ ok: true, bearer: 'spl_prod_sa-x_s' });
    expect(normalizeBearer('   ').ok).toBe(false);
    expect(normalizeBearer('spl_a b').ok).toBe(false);
  });
});
