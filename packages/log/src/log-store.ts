import type { LogRecord, StoredRecord } from '@syncropel/algebra';

/** A validated record with its content id, ready to append. */
export interface AppendEntry {
  readonly id: string;
  readonly record: LogRecord;
  /**
   * A record another instance wrote (federation): its clock need not exceed the last one of its
   * (actor, thread), since the other instance's log ordered it. A store that checks clocks (the
   * PostgreSQL one) skips the check for it and still keeps the highest clock.
   */
  readonly foreign?: boolean;
}

/** A read over the log: optional thread/actor filters, records strictly after `after` (a seq), in seq order. */
export interface LogQuery {
  readonly thread?: string;
  readonly actor?: string;
  /** Threads to leave out (e.g. ones the reader may not see); the page still fills up to `limit`. */
  readonly excludeThreads?: readonly string[];
  readonly after?: number;
  readonly limit: number;
}

/** The newest record's position and id. */
export interface LogHead {
  readonly seq: number;
  readonly id: string;
}

/**
 * The record store port. The kernel depends on this interface only, so it runs on the memory
 * store, SQLite (`@syncropel/log-sqlite`) or PostgreSQL (`@syncropel/log-postgres`) alike.
 *
 * Invariants every implementation keeps (the contract suite, `@syncropel/log/contract`, checks them):
 * - append-only: nothing appended is ever changed or removed;
 * - `append` is atomic: all entries are stored, in order, with consecutive increasing `seq`, or
 *   none are (a duplicate id fails the whole call with `DUPLICATE_ID`);
 * - when `append` resolves, the entries are durable to the store's promise (SQLite, PostgreSQL:
 *   committed), and calls from one store object commit in call order;
 * - `seq` is gapless and commit-ordered: when a reader sees seq n, every seq below n is committed
 *   and visible, so `seq > cursor` reads never miss a record, even with several writers;
 * - reads return records exactly as appended (same fields, same id).
 *
 * Batching (group commit) happens above, in the kernel: one `append` call is one transaction.
 */
export interface LogStore {
  /** What backs the store (e.g. `sqlite:/path/hub.db`, `memory`), for banners and health output. Never holds a password. */
  readonly description: string;
  /** Appends entries atomically and resolves with them as stored, once durable. */
  append(entries: readonly AppendEntry[]): Promise<StoredRecord[]>;
  /** The record with this id, if present. */
  get(id: string): Promise<StoredRecord | undefined>;
  /** Records matching a query, in seq order. */
  query(query: LogQuery): Promise<StoredRecord[]>;
  /**
   * Every record after `afterSeq` in seq order, in pages of up to `pageSize` (for rebuilds and
   * catch-up). Pages, not single records, so a million-record rebuild pays one await per page.
   */
  scan(afterSeq?: number, pageSize?: number): AsyncIterable<readonly StoredRecord[]>;
  /** How many records the log holds. */
  count(): Promise<number>;
  /** The newest record, or undefined for an empty log. */
  head(): Promise<LogHead | undefined>;
  /** Moves committed pages back into the main file where the backend has a WAL of its own; a no-op elsewhere. */
  checkpoint(): Promise<void>;
  /** Releases the store after pending appends finish; later calls fail with `STORE_CLOSED`. Idempotent. */
  close(): Promise<void>;
  /**
   * Present when other processes append to the same log (PostgreSQL): how a kernel learns of
   * their records and agrees with them on who runs the loops. Absent for single-writer stores.
   */
  readonly shared?: SharedLog;
}

/** What a log shared by several kernels offers them. */
export interface SharedLog {
  /**
   * Calls `onHead` with the new head seq after any writer commits (its own included). Resolves
   * once listening, so a caller that then reads `seq > cursor` misses nothing. The returned
   * function stops listening. `onLost` is called if the notification channel breaks (the caller
   * should catch up and follow again).
   */
  follow(onHead: (seq: number) => void, onLost?: (error: Error) => void): Promise<() => Promise<void>>;
  /**
   * Campaigns to be the one kernel that runs the loops (RECONCILE, TICK, CRON). `onChange` is
   * called with true when this process becomes leader and false when it stops being one (its
   * lock connection broke). Resolves with a handle; `resign()` gives the lead up and stops campaigning.
   */
  lead(onChange: (leader: boolean) => void): Promise<Leadership>;
}

/** A campaign for leadership over a shared log. */
export interface Leadership {
  /** Whether this process leads right now. */
  readonly leader: boolean;
  /** Gives up the lead (if held) and stops campaigning. */
  resign(): Promise<void>;
}

/** Default and maximum page sizes for reads. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** Page size used by `scan` when replaying the whole log. */
export const SCAN_PAGE_SIZE = 5000;
