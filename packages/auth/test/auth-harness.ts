// Shared fixtures for the auth service tests: a real kernel over a real store, auth attached
// before start as the daemon does it, and helpers to catch AuthErrors.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredRecord } from '@syncropel/algebra';
import { createAuth, isAuthError, parseBearer, type Auth, type AuthError } from '@syncropel/auth';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore, type LogStore } from '@syncropel/log';
import { scanAll } from '@syncropel/log/contract';
import { afterAll } from 'vitest';
export const ACTOR = `did:sync:instance:${'a1'.repeat(32)}`;
export const ENV_SECRET = 'env_secret_0123456789_abcdef'; // contains `_` on purpose
export const ENV_BEARER = `spl_prod_sa-bootstrap-env_${ENV_SECRET}`;
/** The instance's token key in these tests (the daemon derives its own from identity.json). */
export const TOKEN_KEY = new Uint8Array(32).fill(7);

export interface Booted {
  store: LogStore;
  kernel: Kernel;
  auth: Auth;
  close(): Promise<void>;
}

/** A real kernel over a real store, with auth attached before start (as the daemon does it). */
export async function boot(store: LogStore = createMemoryLogStore(), tokenKey: Uint8Array = TOKEN_KEY): Promise<Booted> {
  const kernel = createKernel({ store, actor: ACTOR });
  const auth = createAuth({ kernel, actor: ACTOR, tokenKey, auditWindowMs: 0 });
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

export function thrown(fn: () => unknown): AuthError {
  try {
    fn();
  } catch (e) {
    if (isAuthError(e)) return e;
    throw e;
  }
  throw new Error('expected an AuthError');
}

export async function rejected(p: Promise<unknown>): Promise<AuthError> {
  try {
    await p;
  } catch (e) {
    if (isAuthError(e)) return e;
    throw e;
  }
  throw new Error('expected an AuthError');
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
export const secretOf = (bearer: string) => parseBearer(bearer)!.secret;
export const allRecords = (store: LogStore): Promise<StoredRecord[]> => scanAll(store);
export const onThread = (kernel: Kernel, thread: string): Promise<StoredRecord[]> => kernel.records({ thread, limit: 1000 });

const dir = mkdtempSync(join(tmpdir(), 'spl-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dbCounter = 0;
export const dbPath = () => join(dir, `hub-${++dbCounter}.db`);
