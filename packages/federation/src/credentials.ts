import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where this instance keeps the bearer each peer issued it. Tokens are secrets, so they are never
 * written to the log; the pair records say only whether one is held.
 */
export interface CredentialStore {
  get(pairId: string): string | undefined;
  put(pairId: string, bearer: string): void;
  remove(pairId: string): void;
}

/** Credentials in memory only (embedding, tests): a restart forgets them. */
export function memoryCredentials(): CredentialStore {
  const tokens = new Map<string, string>();
  return { get: (id) => tokens.get(id), put: (id, bearer) => void tokens.set(id, bearer), remove: (id) => void tokens.delete(id) };
}

/** Credentials as one file per pair (`<dir>/<pair_id>.token`, mode 0600, the folder 0700). */
export function fileCredentials(dir: string): CredentialStore {
  const file = (id: string) => join(dir, `${id}.token`);
  return {
    get(id) {
      try {
        return readFileSync(file(id), 'utf8').trim() || undefined;
      } catch {
        return undefined;
      }
    },
    put(id, bearer) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const temp = `${file(id)}.tmp`;
      writeFileSync(temp, `${bearer}\n`, { mode: 0o600 });
      chmodSync(temp, 0o600);
      renameSync(temp, file(id));
    },
    remove(id) {
      rmSync(file(id), { force: true });
    },
  };
}
