import type { MiddlewareHandler } from 'hono';
import { envelope } from '../api-error.js';

/** Where a starting host is: its phase (e.g. `folding`, `verifying`) and records folded of the log's total. */
export interface StartingStatus {
  readonly phase: string;
  readonly folded: number;
  readonly total: number;
}

/**
 * While the host is starting, answers everything but the probes with 503 `STARTING` (and
 * `Retry-After`), before any auth check: the token registry is part of the state still being
 * folded. `GET …/health` (liveness) goes on to its route; `GET …/engine/health` answers 503 with
 * the phase and progress, to anyone, as it reveals nothing but counts. Under a prefix the probes
 * are `<prefix>/health` and `<prefix>/v1/engine/health`.
 */
export function startingGate(starting: () => StartingStatus | null): MiddlewareHandler {
  return async (c, next) => {
    const s = starting();
    if (s === null) return next();
    c.header('Retry-After', '1');
    const path = c.req.path;
    // The two probes only (the app may be mounted under a prefix): nothing else slips through.
    if (c.req.method === 'GET' && path.endsWith('/v1/engine/health')) {
      const message = `the daemon is starting (${s.phase}: ${s.folded} of ${s.total} records folded); retry shortly`;
      return c.json({ status: 'starting', phase: s.phase, start_progress: { folded: s.folded, total: s.total }, ...envelope('STARTING', message) }, 503);
    }
    if (c.req.method === 'GET' && path.endsWith('/health') && !path.includes('/v1/')) return next();
    return c.json(envelope('STARTING', `the daemon is starting (${s.phase}: ${s.folded} of ${s.total} records folded); retry shortly`), 503);
  };
}
