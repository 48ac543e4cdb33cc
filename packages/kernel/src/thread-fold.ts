import { isReservedThread, type StoredRecord } from '@syncropel/algebra';

/**
 * Where a thread is in its life: an INTEND opens it, DO/CALL make it active, a KNOW with
 * `fulfills` closes it for good. The status is the furthest any of its records took it
 * (open < active < closed), so it does not depend on the order the records arrived in.
 */
export type ThreadStatus = 'open' | 'active' | 'closed';

/**
 * A thread's folded state.
 *
 * Invariants: `record_count` counts every record on the thread; `last_clock` holds the highest
 * clock per actor; `participants` lists actors in order of first appearance; `status` is
 * `closed` once any KNOW with `fulfills` is on the thread, else `active` once any DO or CALL is,
 * else `open`. Only `participants`' order and the `first_`/`last_` fields depend on arrival order.
 */
export interface ThreadState {
  readonly thread: string;
  readonly reserved: boolean;
  readonly status: ThreadStatus;
  readonly record_count: number;
  readonly participants: readonly string[];
  readonly last_clock: { readonly [actor: string]: number };
  readonly first_seq: number;
  readonly last_seq: number;
  readonly last_at: number;
  readonly last_act: string;
}

/** The state after one more record: a pure function, so `debug replay` can show every step. */
export function stepThread(state: ThreadState | undefined, r: StoredRecord): ThreadState {
  const participants = state === undefined ? [r.actor] : state.participants.includes(r.actor) ? state.participants : [...state.participants, r.actor];
  const previousClock = state?.last_clock[r.actor];
  return {
    thread: r.thread,
    reserved: isReservedThread(r.thread),
    status: nextStatus(state?.status, r),
    record_count: (state?.record_count ?? 0) + 1,
    participants,
    last_clock: previousClock === undefined || r.clock > previousClock ? { ...state?.last_clock, [r.actor]: r.clock } : (state as ThreadState).last_clock,
    first_seq: state?.first_seq ?? r.seq,
    last_seq: r.seq,
    last_at: r.ingested_at,
    last_act: r.act,
  };
}

// Monotone: a status only moves forward, so records arriving in another order (from another
// instance) end in the same status; a late INTEND does not reopen a closed thread.
function nextStatus(current: ThreadStatus | undefined, r: StoredRecord): ThreadStatus {
  if (current === 'closed' || (r.act === 'KNOW' && typeof r.body.fulfills === 'string')) return 'closed';
  if (r.act === 'DO' || r.act === 'CALL') return 'active';
  return current ?? 'open';
}

/**
 * Every thread's state, keyed by thread id. A number in place of a state is a closed, quiet
 * thread whose state left memory (see `evictQuietThreads`): its `first_seq`, which keeps its place
 * in the map's first-appearance order; its state is folded again from the store when asked.
 */
export type ThreadsState = Map<string, ThreadState | number>;

/** Folds a thread's state again from the store: its records with seq below `beforeSeq`. */
export type ThreadLoader = (thread: string, beforeSeq: number) => ThreadState | undefined;

type MutableThread = { -readonly [K in keyof ThreadState]: ThreadState[K] } & { participants: string[]; last_clock: { [actor: string]: number } };

/** Membership sets for the live threads' participant lists (a busy thread can have many actors). */
const members = new WeakMap<ThreadState, Set<string>>();

/**
 * Folds one record into the threads map. Unlike {@link stepThread} it updates the thread's state
 * in place (the fold owns it): copying a thread's participants and clocks per record would make a
 * thread with many actors quadratic to ingest.
 */
export function stepThreads(state: ThreadsState, r: StoredRecord, load?: ThreadLoader): ThreadsState {
  let entry = state.get(r.thread);
  if (typeof entry === 'number') {
    // A record on a thread whose state left memory: bring the state back, then step it.
    entry = load?.(r.thread, r.seq);
    if (!entry) throw new Error(`thread ${r.thread} left memory and cannot be folded again from the store`);
    state.set(r.thread, entry);
  }
  const current = entry as MutableThread | undefined;
  if (!current) {
    const created = { ...stepThread(undefined, r), participants: [r.actor], last_clock: { [r.actor]: r.clock } };
    members.set(created, new Set([r.actor]));
    state.set(r.thread, created);
    return state;
  }
  const set = members.get(current) ?? new Set(current.participants);
  members.set(current, set);
  if (!set.has(r.actor)) {
    set.add(r.actor);
    current.participants.push(r.actor);
  }
  const previous = current.last_clock[r.actor];
  if (previous === undefined || r.clock > previous) current.last_clock[r.actor] = r.clock;
  current.status = nextStatus(current.status, r);
  current.record_count++;
  current.last_seq = r.seq;
  current.last_at = r.ingested_at;
  current.last_act = r.act;
  return state;
}

/**
 * Lets closed threads whose last record is at or below `quietThrough` leave memory: each is
 * replaced by its `first_seq`. Returns the evicted states (the caller drops what it keeps per
 * thread, e.g. clocks). Deterministic in the log: every way of folding it evicts the same threads.
 */
export function evictQuietThreads(state: ThreadsState, quietThrough: number): ThreadState[] {
  const evicted: ThreadState[] = [];
  for (const [thread, t] of state) {
    if (typeof t !== 'number' && t.status === 'closed' && t.last_seq <= quietThrough) {
      state.set(thread, t.first_seq);
      evicted.push(t);
    }
  }
  return evicted;
}

/** Folds a thread's state from its records in seq order (what a loader does over the store). */
export function foldThread(records: Iterable<StoredRecord>): ThreadState | undefined {
  const state: ThreadsState = new Map();
  let thread: string | undefined;
  for (const r of records) {
    stepThreads(state, r);
    thread = r.thread;
  }
  return thread === undefined ? undefined : (state.get(thread) as ThreadState);
}

/** How many threads hold their state in memory and how many left it. */
export function countThreads(state: ThreadsState): { held: number; evicted: number } {
  let evicted = 0;
  for (const t of state.values()) if (typeof t === 'number') evicted++;
  return { held: state.size - evicted, evicted };
}
