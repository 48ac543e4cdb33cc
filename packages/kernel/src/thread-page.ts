import { KernelError } from './kernel-error.js';
import type { ThreadState, ThreadStatus, ThreadsState } from './thread-fold.js';

/** Which threads a page holds: the `limit` newest with `first_seq < cursor` (all when no cursor), optionally of one status. */
export interface ThreadPageQuery {
  /** The previous page's `next_cursor` as a number: only threads with `first_seq` below it. */
  readonly cursor?: number;
  /** At most this many threads, at least 1. */
  readonly limit: number;
  /** Only threads in this status; applied before paging, so a page still fills up to `limit`. */
  readonly status?: ThreadStatus;
}

/**
 * One page of threads, newest (highest `first_seq`) first.
 *
 * Invariants: `next_cursor` is the last row's `first_seq` when more matching threads follow, else
 * null; `total` counts every matching thread, not just this page's.
 */
export interface ThreadPage {
  readonly data: ThreadState[];
  readonly next_cursor: string | null;
  readonly total: number;
}

/**
 * A page of threads newest first, keyed on `first_seq`: it never changes, so walking the cursor
 * never repeats or skips a thread that existed when the walk began (threads created during the
 * walk sort before the cursor and show only on a fresh walk). A status is read live, so with a
 * status filter a thread whose status changes mid-walk may join or leave later pages.
 *
 * @example
 * let page = await pageThreads(state, { limit: 100 });
 * while (page.next_cursor) page = await pageThreads(state, { limit: 100, cursor: Number(page.next_cursor) });
 */
export async function pageThreads(state: ThreadsState, query: ThreadPageQuery, load: (thread: string) => Promise<ThreadState | undefined> = async () => undefined): Promise<ThreadPage> {
  const { cursor, limit, status } = query;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new KernelError('VALIDATION_FAILED', 'limit must be an integer of at least 1', 'limit');
  if (cursor !== undefined && (!Number.isSafeInteger(cursor) || cursor < 1)) throw new KernelError('VALIDATION_FAILED', 'cursor must be an integer of at least 1', 'cursor');
  const order = orderOf(state);
  // Walk down from the newest thread older than the cursor; one extra match tells whether more follow.
  const data: ThreadState[] = [];
  let next_cursor: string | null = null;
  for (let i = cursor === undefined ? order.length - 1 : firstAtOrAbove(order, cursor) - 1; i >= 0; i--) {
    const thread = (order[i] as Entry).thread;
    const held = state.get(thread);
    // A thread whose state left memory is closed; its state comes from the store only if it is shown.
    if (held === undefined || (status !== undefined && (typeof held === 'number' ? 'closed' : held.status) !== status)) continue;
    const t = typeof held === 'number' ? await load(thread) : held;
    if (t === undefined) continue;
    if (data.length === limit) {
      next_cursor = String((data[data.length - 1] as ThreadState).first_seq);
      break;
    }
    data.push(t);
  }
  return { data, next_cursor, total: status === undefined ? state.size : countStatus(state, status) };
}

type Entry = { readonly thread: string; readonly first_seq: number };

/**
 * The first-seq order of one threads map, kept per map (a rebuild makes a new map, so a new
 * order) and extended as threads appear, so a request never sorts every thread.
 */
interface Order {
  readonly entries: Entry[];
  /** A live iterator over the map's values; see {@link orderOf}. */
  iterator: Iterator<[string, ThreadState | number]>;
}

const orders = new WeakMap<ThreadsState, Order>();

/**
 * The map's threads ascending by `first_seq`. The fold only ever adds threads, in log order, so
 * the map's insertion order is already `first_seq` order and the new ones are at its end. A Map
 * iterator that has not reported `done` visits entries added after it was made (ECMAScript
 * CreateMapIterator), so asking it for exactly `size - known` more values reads only the new
 * threads. This relies on the fold never deleting a thread (a rebuild makes a new map instead);
 * a map filled out of `first_seq` order is still right, at the cost of one sort.
 */
function orderOf(state: ThreadsState): Entry[] {
  let order = orders.get(state);
  if (order === undefined || order.entries.length > state.size) {
    order = { entries: [], iterator: state.entries() };
    orders.set(state, order);
  }
  const { entries } = order;
  let sorted = true;
  while (entries.length < state.size) {
    const next = order.iterator.next();
    if (next.done) {
      // Only a deleted thread gets here (the fold never deletes one): start again from a fresh iterator.
      entries.length = 0;
      order.iterator = state.entries();
      continue;
    }
    const [thread, held] = next.value;
    const first_seq = typeof held === 'number' ? held : held.first_seq;
    const last = entries[entries.length - 1];
    if (last !== undefined && first_seq < last.first_seq) sorted = false;
    entries.push({ thread, first_seq });
  }
  if (!sorted) entries.sort((a, b) => a.first_seq - b.first_seq);
  return entries;
}

/** The index of the first entry with `first_seq >= seq` (entries.length when none): a binary search. */
function firstAtOrAbove(entries: readonly Entry[], seq: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((entries[mid] as Entry).first_seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many threads are in a status: a linear count, since a thread's status changes in place. */
function countStatus(state: ThreadsState, status: ThreadStatus): number {
  let n = 0;
  for (const t of state.values()) if ((typeof t === 'number' ? 'closed' : t.status) === status) n++;
  return n;
}
