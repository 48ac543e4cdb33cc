import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SECRET_FILE_MODE } from '@syncropel/kernel';
import { parseBearer } from '@syncropel/auth';
import { CliError } from './cli-error.js';
import { resolvePaths } from './paths.js';

/** The token a client command sends: `--token`, then `SPL_TOKEN`, then the saved `~/.syncro/token`. */
export function resolveToken(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag) return flag;
  if (env.SPL_TOKEN) return env.SPL_TOKEN;
  try {
    const saved = readFileSync(resolvePaths(env).token, 'utf8').trim();
    return saved === '' ? undefined : saved;
  } catch {
    return undefined;
  }
}

/** Checks a bearer's shape and writes it to `~/.syncro/token` with mode 0600. Returns its service account. */
export function saveToken(bearer: string, env: NodeJS.ProcessEnv = process.env): { path: string; sa: string; env: string } {
  const parsed = parseBearer(bearer);
  // Never echo the bearer: the message names the expected shape only.
  if (!parsed) throw new CliError('that is not a Syncropel bearer token (expected spl_<env>_<sa>_<secret>, secret 16-256 printable characters)');
  const path = resolvePaths(env).token;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${bearer}\n`, { mode: SECRET_FILE_MODE });
  chmodSync(path, SECRET_FILE_MODE);
  return { path, sa: parsed.sa, env: parsed.env };
}
