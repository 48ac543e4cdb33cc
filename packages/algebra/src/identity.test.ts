import { describe, expect, it } from 'vitest';
import { generateInstanceKeyPair, isDid, publicKeyOf, signText, verifyText } from '@syncropel/algebra';

describe('instance identity', () => {
  it('generates an Ed25519 key whose DID is did:sync:instance:<hex>', () => {
    const k = generateInstanceKeyPair();
    expect(k.did).toMatch(/^did:sync:instance:[0-9a-f]{64}$/);
    expect(isDid(k.did)).toBe(true);
    expect(publicKeyOf(k.secretKey)).toBe(k.publicKey);
  });

  it('signs and verifies; a changed text or key fails', () => {
    const k = generateInstanceKeyPair();
    const other = generateInstanceKeyPair();
    const sig = signText('hello', k.secretKey);
    expect(verifyText('hello', sig, k.publicKey)).toBe(true);
    expect(verifyText('hellO', sig, k.publicKey)).toBe(false);
    expect(verifyText('hello', sig, other.publicKey)).toBe(false);
    expect(verifyText('hello', 'zz', k.publicKey)).toBe(false);
  });
});
