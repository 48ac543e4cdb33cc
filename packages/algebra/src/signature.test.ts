import { describe, expect, it } from 'vitest';
import { generateInstanceKeyPair, instancePublicKey, signDocument, signRecord, verifyDocument, verifyRecordSignature, type LogRecord } from '@syncropel/algebra';

const record: LogRecord = {
  parents: [],
  thread: `th_${'a'.repeat(64)}`,
  actor: 'did:sync:user:alice',
  act: 'INTEND',
  body: { goal: 'x' },
  clock: 0,
  data_type: 'SCALAR',
  judged_by: null,
};

describe('record signatures', () => {
  it('sign the id bytes: judged_by and sig stay outside, every identity field is covered', () => {
    const k = generateInstanceKeyPair();
    const sig = signRecord(record, k.secretKey);
    expect(sig).toMatch(/^[0-9a-f]{128}$/);
    expect(verifyRecordSignature({ ...record, sig }, k.publicKey)).toBe(true);
    expect(verifyRecordSignature({ ...record, judged_by: 'did:sync:user:judge', sig }, k.publicKey)).toBe(true);
    expect(verifyRecordSignature({ ...record, clock: 1, sig }, k.publicKey)).toBe(false);
    expect(verifyRecordSignature({ ...record, body: { goal: 'y' }, sig }, k.publicKey)).toBe(false);
    expect(verifyRecordSignature({ ...record, sig }, generateInstanceKeyPair().publicKey)).toBe(false);
    expect(verifyRecordSignature(record, k.publicKey)).toBe(false);
  });

  it('an instance DID names its own key; other DIDs name none', () => {
    const k = generateInstanceKeyPair();
    expect(instancePublicKey(k.did)).toBe(k.publicKey);
    expect(instancePublicKey('did:sync:user:alice')).toBeUndefined();
    expect(instancePublicKey('did:sync:instance:embedded')).toBeUndefined();
  });
});

describe('document signatures', () => {
  it('cover every field but the signature field, in any key order', () => {
    const k = generateInstanceKeyPair();
    const doc = { b: 1, a: { expires_at: '2026-12-08T00:00:00Z' }, signature: 'x' };
    const sig = signDocument(doc, 'signature', k.secretKey);
    expect(verifyDocument({ signature: 'y', a: { expires_at: '2026-12-08T00:00:00Z' }, b: 1 }, 'signature', sig, k.publicKey)).toBe(true);
    expect(verifyDocument({ ...doc, a: { expires_at: '2027-12-08T00:00:00Z' } }, 'signature', sig, k.publicKey)).toBe(false);
    expect(verifyDocument(doc, 'signature', 'not-hex', k.publicKey)).toBe(false);
  });
});
