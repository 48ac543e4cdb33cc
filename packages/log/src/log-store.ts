import type { Record, StoredRecord } from '@syncropel/algebra';

/** A validated record with its content id, ready to append. */
export interface AppendEntry {
  readonly id: string;
  readonly record: Record;
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
 * The record store port. The kernel depends on this interface only, so it can run on the SQLite
 * store, the memory store, or another backend.
 *
 * Invariants every implementation keeps (the contract suite checks them):
 * - append-only: nothing appended is ever changed or removed;
 * - `append` is atomic: all entries are stored, in order, with increasing `seq`, or none are
 *   (a duplicate id fails the whole call with `DUPLICATE_ID`);
 * - when `append` returns, the entries are durable to the store's promise (SQLite: committed);
 * - `seq` strictly increases in append order and is never reused;
 * - reads return records exactly as appended (same fields, same id).
 *
 * The interface is synchronous on purpose: the kernel folds on the hot path, and both shipped
 * stores answer in microseconds. Batching (group commit) happens above, in the kernel.
 */
export interface LogStore {
  /** What backs the store (e.g. `sqlite:/path/hub.db`, `memory`), for banners and health output. */
  readonly description: string;
  /** Appends entries atomically and returns them as stored. */
  append(entries: readonly AppendEntry[]): StoredRecord[];
  /**
   * The same contract as `append`, for stores that commit off the calling thread. Calls commit
   * in call order. The kernel prefers it: commits overlap with accepting the next group. An
   * entry the store cannot take at all should throw synchronously, so the caller can retry the
   * group's other entries without it.
   */
  appendAsync?(entries: readonly AppendEntry[]): Promise<StoredRecord[]>;
  /** The record with this id, if present. */
  get(id: string): StoredRecord | undefined;
  /** Records matching a query, in seq order. */
  query(query: LogQuery): StoredRecord[];
  /** Every record after `afterSeq` in seq order, read in pages of `pageSize` (for rebuilds). */
  scan(afterSeq?: number, pageSize?: number): Iterable<StoredRecord>;
  /** How many records the log holds. */
  count(): number;
  /** The newest record, or undefined for an empty log. */
  head(): LogHead | undefined;
  /** Moves committed pages back into the main file where the backend has a WAL; a no-op elsewhere. */
  checkpoint(): void;
  /** Releases the store; later calls fail with `STORE_CLOSED`. Idempotent. */
  close(): void;
}

/** Default and maximum page sizes for reads. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** Page size used by `scan` when replaying the whole log. */
export const SCAN_PAGE_SIZE = 5000;
