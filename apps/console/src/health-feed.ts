import { isApiError, type ApiClient, type ApiError } from './api-client.js';
import type { Health } from './api-types.js';
import { poll, POLL_MS } from './poller.js';

/** The last health answer: the JSON (a 503 while starting or draining is an answer too), or why there is none. */
export interface HealthSnapshot {
  readonly health: Health | null;
  readonly status: number;
  readonly error: ApiError | null;
  readonly at: number;
}

/** `/v1/engine/health?details=true`, polled once for the whole console (header, health view, backups view). */
export interface HealthFeed {
  latest(): HealthSnapshot | null;
  /** Calls `listener` with the latest snapshot now (if any) and with each new one; returns the unsubscribe. */
  subscribe(listener: (snapshot: HealthSnapshot) => void): () => void;
  /** Reads health now, besides the schedule (after an action that changes counters, e.g. a decision). */
  refresh(): void;
  stop(): void;
}

/** Starts polling health every {@link POLL_MS} until `stop()`. */
export function startHealthFeed(api: ApiClient): HealthFeed {
  let latest: HealthSnapshot | null = null;
  const listeners = new Set<(snapshot: HealthSnapshot) => void>();
  const publish = (snapshot: HealthSnapshot) => {
    latest = snapshot;
    for (const listener of listeners) listener(snapshot);
  };
  const tick = async () => {
    try {
      // 503 carries the same JSON (starting: phase and progress; draining: every counter).
      const answer = await api.call<Health>('GET', '/v1/engine/health', { query: { details: 'true' }, accept: [503] });
      publish({ health: answer.body, status: answer.status, error: null, at: Date.now() });
    } catch (e) {
      if (!isApiError(e)) throw e;
      publish({ health: null, status: e.status, error: e, at: Date.now() });
    }
  };
  const stop = poll(tick, POLL_MS);
  return {
    latest: () => latest,
    subscribe(listener) {
      listeners.add(listener);
      if (latest) listener(latest);
      return () => listeners.delete(listener);
    },
    refresh: () => void tick().catch(() => undefined),
    stop() {
      stop();
      listeners.clear();
    },
  };
}
