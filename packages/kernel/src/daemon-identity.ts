import { createHmac, createPrivateKey, sign } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateInstanceKeyPair, instanceDid, publicKeyOf } from '@syncropel/algebra';
import { KernelError } from './kernel-error.js';

/** The public half of the daemon identity: safe to print, log and publish. */
export interface DaemonIdentity {
  readonly did: string;
  readonly public_key: string;
  readonly created_at: string;
}

/** Mode of files holding secrets: owner read/write only. */
export const SECRET_FILE_MODE = 0o600;

interface IdentityFile extends DaemonIdentity {
  readonly secret_key: string;
}

/**
 * Loads the daemon identity from `path` or, when the file does not exist, generates an Ed25519
 * key and writes it there with mode 0600. Returns the public half and whether it was created.
 * A file that exists but is unreadable or inconsistent is an error, never silently replaced:
 * replacing it would change the instance's DID.
 */
export function loadOrCreateIdentity(path: string): { identity: DaemonIdentity; created: boolean } {
  const existing = readIdentity(path);
  if (existing) return { identity: existing, created: false };
  const pair = generateInstanceKeyPair();
  const file: IdentityFile = { did: pair.did, public_key: pair.publicKey, secret_key: pair.secretKey, created_at: new Date().toISOString() };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // 'wx' refuses to overwrite a file another process created meanwhile.
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: SECRET_FILE_MODE, flag: 'wx' });
  chmodSync(path, SECRET_FILE_MODE);
  return { identity: publicHalf(file), created: true };
}

/** Reads the daemon identity at `path`; undefined when there is none. */
export function readIdentity(path: string): DaemonIdentity | undefined {
  const file = readIdentityFile(path);
  return file && publicHalf(file);
}

/**
 * The key that token hashes are keyed with (HMAC-SHA256), derived from the identity's secret
 * key, so it lives only in the identity file: a copy of the log alone (a leaked backup) does not
 * let anyone test guesses of a token's secret. Undefined when there is no identity.
 */
export function readTokenKey(path: string): Uint8Array | undefined {
  const file = readIdentityFile(path);
  return file && new Uint8Array(createHmac('sha256', Buffer.from(file.secret_key, 'hex')).update(TOKEN_KEY_LABEL).digest());
}

/**
 * Signs UTF-8 text with the instance key (Ed25519, hex): the signer for the kernel's own records
 * (`KernelOptions.signer`), the federation manifest and handshakes. node:crypto, which signs about
 * five times faster than the portable code and gives the same bytes (Ed25519 is deterministic).
 * Undefined when there is no identity.
 */
export function readSigner(path: string): ((text: string) => string) | undefined {
  const file = readIdentityFile(path);
  if (!file) return undefined;
  const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(file.secret_key, 'hex')]), format: 'der', type: 'pkcs8' });
  return (text) => sign(null, Buffer.from(text, 'utf8'), key).toString('hex');
}

/** The DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Domain separation for the token key: the same secret key must never serve two purposes as-is. */
const TOKEN_KEY_LABEL = 'syncropel/token-hash-key/v1';

function readIdentityFile(path: string): IdentityFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KernelError('VALIDATION_FAILED', `cannot read the identity file ${path}: ${(e as Error).message}`, 'identity');
  }
  let file: Partial<IdentityFile>;
  try {
    file = JSON.parse(text) as Partial<IdentityFile>;
  } catch {
    throw new KernelError('VALIDATION_FAILED', `the identity file ${path} is not valid JSON`, 'identity');
  }
  const ok =
    typeof file.secret_key === 'string' &&
    /^[0-9a-f]{64}$/.test(file.secret_key) &&
    typeof file.public_key === 'string' &&
    publicKeyOf(file.secret_key) === file.public_key &&
    file.did === instanceDid(file.public_key);
  if (!ok) throw new KernelError('VALIDATION_FAILED', `the identity file ${path} is inconsistent (key and DID do not match)`, 'identity');
  return file as IdentityFile;
}

/** The folder name of an instance's backups: `instance-` + the last 24 hex of its DID. */
export function instanceKey(did: string): string {
  return `instance-${did.slice(-24)}`;
}

function publicHalf(file: IdentityFile): DaemonIdentity {
  return { did: file.did, public_key: file.public_key, created_at: file.created_at };
}
