import { randomBytes } from 'node:crypto';

/** The parts of a bearer token `spl_<env>_<sa>_<secret>`. */
export interface ParsedBearer {
  readonly env: string;
  readonly sa: string;
  readonly secret: string;
}

/** Service-account ids: lowercase letters, digits and dashes (no underscore: it separates the token's parts). */
export const SA_ID = /^[a-z0-9-]{1,64}$/;

/** Token environments: lowercase letters and digits. */
export const TOKEN_ENV = /^[a-z0-9]{1,32}$/;

/** Secret length bounds, for minted and bootstrap secrets alike. */
export const MIN_SECRET_LENGTH = 16;
export const MAX_SECRET_LENGTH = 256;

/** The environment of tokens minted without one, and of the Path A bootstrap token. */
export const DEFAULT_TOKEN_ENV = 'prod';

const SECRET = /^[\x21-\x7e]+$/;
const BEARER = /^spl_([a-z0-9]+)_([a-z0-9-]+)_([\s\S]*)$/;

/**
 * Parses `spl_<env>_<sa>_<secret>`: env runs to the next `_`, sa to the one after, and the rest is
 * the secret, which may itself contain `_`. Strict: no trimming, no case folding, so a bearer
 * matches only itself.
 */
export function parseBearer(token: string): ParsedBearer | undefined {
  const m = BEARER.exec(token);
  if (!m) return undefined;
  const [, env, sa, secret] = m as unknown as [string, string, string, string];
  if (!TOKEN_ENV.test(env) || !SA_ID.test(sa) || secretProblem(secret) !== undefined) return undefined;
  return { env, sa, secret };
}

/** Builds the bearer for a token. */
export function formatBearer(env: string, sa: string, secret: string): string {
  return `spl_${env}_${sa}_${secret}`;
}

/** A fresh secret: 32 random bytes as 64 hex characters. */
export function generateSecret(): string {
  return randomBytes(32).toString('hex');
}

/** A fresh token id (`tok_` + 16 hex); ids are public, unlike secrets. */
export function generateTokenId(): string {
  return `tok_${randomBytes(8).toString('hex')}`;
}

/** Why a secret is unacceptable (without echoing it), or undefined when it is fine. */
export function secretProblem(secret: string): string | undefined {
  if (secret.length < MIN_SECRET_LENGTH) return `is ${secret.length} characters; at least ${MIN_SECRET_LENGTH} are required`;
  if (secret.length > MAX_SECRET_LENGTH) return `is ${secret.length} characters; at most ${MAX_SECRET_LENGTH} are allowed`;
  if (!SECRET.test(secret)) return 'contains whitespace, control or non-ASCII characters';
  return undefined;
}
