import { isThreadId } from '@syncropel/algebra';

/**
 * The closed set of service-account scopes; `admin` grants everything. `aitl:decide` is the
 * authority to answer others' work: approve or reject AITL requests, close someone else's INTEND.
 * `federation:manage` lets an operator pair, share, sync and revoke; `federation:sync` is what
 * instances issue each other: their change feed and revocation notices, nothing else.
 * `metrics:read` is for a Prometheus scraper: `GET /metrics` (counters, no record content).
 */
export const SCOPES = ['records:read', 'records:write', 'threads:write', 'federation:manage', 'federation:sync', 'config:read', 'config:write', 'aitl:decide', 'metrics:read', 'admin'] as const;

/** One of {@link SCOPES}. */
export type Scope = (typeof SCOPES)[number];

const GRAIN = /^thread:([^:]+):(read|write)$/;

/** True for a scope in {@link SCOPES} or a per-thread grain `thread:<id>:read|write`. */
export function isScope(value: string): boolean {
  if ((SCOPES as readonly string[]).includes(value)) return true;
  const m = GRAIN.exec(value);
  return m !== null && isThreadId(m[1] as string);
}

/** Checks a list of scopes from a request; returns the first invalid one, or undefined. */
export function invalidScope(scopes: readonly unknown[]): string | undefined {
  for (const s of scopes) if (typeof s !== 'string' || !isScope(s)) return String(s);
  return undefined;
}

/**
 * Whether granted scopes allow `required`. `admin` allows everything; a thread grain allows
 * `records:read` / `records:write` on that one thread only (when the caller names the thread).
 */
export function allows(granted: readonly string[], required: Scope, thread?: string): boolean {
  if (granted.includes('admin') || granted.includes(required)) return true;
  if (thread === undefined) return false;
  if (required === 'records:read') return granted.includes(`thread:${thread}:read`) || granted.includes(`thread:${thread}:write`);
  if (required === 'records:write') return granted.includes(`thread:${thread}:write`);
  return false;
}
