import type { JsonObject } from '@syncropel/algebra';

/** The reserved thread for denials, bootstrap and token events. */
export const AUDIT_THREAD = 'th_audit';

/** How long auth failures are aggregated before one record per (source, reason) is written. */
export const AUDIT_WINDOW_MS = 60_000;

/** Distinct (source, reason) pairs kept per window; the rest are counted under source `other`. */
export const MAX_AUDIT_KEYS = 1024;

/** Why a request was refused, as recorded in the audit trail. */
export type FailureReason = 'missing' | 'malformed' | 'unknown_or_revoked' | 'scope' | 'permission';

interface Tally {
  source: string;
  reason: FailureReason;
  count: number;
  first_at: string;
  last_at: string;
  example: string;
}

/**
 * Aggregates refused requests so unauthenticated traffic cannot grow the log without bound: at
 * most {@link MAX_AUDIT_KEYS} records per window, each with a count. Request bodies and bearers
 * are never kept; only the source address, the reason and one example route.
 */
export class FailureAudit {
  private tallies = new Map<string, Tally>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly write: (body: JsonObject) => Promise<unknown>,
    private readonly now: () => number,
    windowMs = AUDIT_WINDOW_MS,
  ) {
    if (windowMs > 0) {
      this.timer = setInterval(() => void this.flush(), windowMs);
      this.timer.unref();
    }
  }

  /** Counts one refused request. */
  note(source: string, reason: FailureReason, route: string): void {
    const at = new Date(this.now()).toISOString();
    let key = `${source}\u0000${reason}`;
    if (!this.tallies.has(key) && this.tallies.size >= MAX_AUDIT_KEYS) {
      key = `other\u0000${reason}`;
      source = 'other';
    }
    const t = this.tallies.get(key);
    if (t) {
      t.count++;
      t.last_at = at;
    } else {
      this.tallies.set(key, { source, reason, count: 1, first_at: at, last_at: at, example: route.slice(0, 200) });
    }
  }

  /** Writes one audit record per pending (source, reason) and starts a new window. */
  async flush(): Promise<void> {
    const tallies = [...this.tallies.values()];
    this.tallies = new Map();
    await Promise.allSettled(tallies.map((t) => this.write({ topic: 'auth_failure', ...t })));
  }

  /** Stops the timer and flushes what is pending. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
