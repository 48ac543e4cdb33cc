import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signText, verifyText } from '@syncropel/algebra';
import { instanceKey, isKernelError, loadOrCreateIdentity, readIdentity, readSigner, readTokenKey } from '@syncropel/kernel';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'spl-id-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('daemon identity', () => {
  it('creates an Ed25519 identity with mode 0600 once, then shows the same one', () => {
    const path = join(dir, 'home', 'identity.json');
    const first = loadOrCreateIdentity(path);
    expect(first.created).toBe(true);
    expect(first.identity.did).toMatch(/^did:sync:instance:[0-9a-f]{64}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(first.identity)).not.toContain(JSON.parse(readFileSync(path, 'utf8')).secret_key);
    const second = loadOrCreateIdentity(path);
    expect(second).toEqual({ identity: first.identity, created: false });
    expect(instanceKey(first.identity.did)).toBe(`instance-${first.identity.did.slice(-24)}`);
  });

  it('derives a stable 32-byte token key from the identity file, different per identity and never the secret key itself', () => {
    const a = join(dir, 'key-a', 'identity.json');
    const b = join(dir, 'key-b', 'identity.json');
    loadOrCreateIdentity(a);
    loadOrCreateIdentity(b);
    const key = readTokenKey(a) as Uint8Array;
    expect(key).toHaveLength(32);
    expect(readTokenKey(a)).toEqual(key);
    expect(readTokenKey(b)).not.toEqual(key);
    expect(Buffer.from(key).toString('hex')).not.toBe(JSON.parse(readFileSync(a, 'utf8')).secret_key);
    expect(readTokenKey(join(dir, 'missing.json'))).toBeUndefined();
  });

  it('signs with the instance key: the same bytes as the portable signer, verifiable by the public key alone', () => {
    const path = join(dir, 'signer', 'identity.json');
    const { identity } = loadOrCreateIdentity(path);
    const sign = readSigner(path) as (text: string) => string;
    const sig = sign('{"a":1}');
    expect(verifyText('{"a":1}', sig, identity.public_key)).toBe(true);
    expect(sig).toBe(signText('{"a":1}', JSON.parse(readFileSync(path, 'utf8')).secret_key));
    expect(readSigner(join(dir, 'nowhere.json'))).toBeUndefined();
  });

  it('refuses a tampered identity file instead of replacing it', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ did: 'did:sync:instance:00', public_key: '00', secret_key: '11'.repeat(32) }));
    let thrown: unknown;
    try {
      readIdentity(path);
    } catch (e) {
      thrown = e;
    }
    expect(isKernelError(thrown)).toBe(true);
    writeFileSync(path, 'not json');
    expect(() => loadOrCreateIdentity(path)).toThrow(/not valid JSON/);
  });
});
