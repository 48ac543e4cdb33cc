import { fold, type Fold, type StoredRecord } from '@syncropel/algebra';

/** The last clock seen per (actor, thread); keyed by {@link clockKey}. */
export type ClockState = Map<string, number>;

/** The key of an (actor, thread) pair in {@link ClockState}. NUL cannot occur in a DID or thread id. */
export function clockKey(actor: string, thread: string): string {
  return `${actor}\u0000${thread}`;
}

/**
 * Folds the log into the last clock per (actor, thread), which ingest uses to refuse repeated
 * or backwards clocks. The fold owns its Map and updates it in place: the startup rebuild runs
 * it over millions of records and a copy per step would be quadratic.
 */
export const clockFold: Fold<ClockState, StoredRecord> = fold(
  () => new Map(),
  (state, r) => {
    const key = clockKey(r.actor, r.thread);
    const last = state.get(key);
    if (last === undefined || r.clock > last) state.set(key, r.clock);
    return state;
  },
);
