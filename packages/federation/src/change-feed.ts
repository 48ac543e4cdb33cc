import { canonicalRecord, instancePublicKey, type LogRecord, type StoredRecord } from '@syncropel/algebra';
import { neverFederates } from './federated-threads.js';
import type { Kernel } from '@syncropel/kernel';
import { FederationError } from './federation-error.js';

/** Default and most records per change-feed page. */
export const DEFAULT_FEED_LIMIT = 1000;
export const MAX_FEED_LIMIT = 10_000;

/** Most log records one feed request looks at (so a pair sharing little never makes the server read the whole log at once). */
export const FEED_SCAN_LIMIT = 50_000;

/** One change: a record as sent between instances (no log position), with its content id. */
export interface Change {
  readonly id: string;
  readonly record: LogRecord;
}

/** A page of the change feed. `next_cursor` is opaque: pass it back as `since`. */
export interface ChangePage {
  readonly object: 'list';
  readonly records: readonly Change[];
  readonly next_cursor: string;
  readonly has_more: boolean;
  /**
   * The threads the serving instance owns and shares with this peer, each with the id of the
   * record that shared it: a thread the peer has not taken under that mark yet is read from its
   * start (`thread=`), so sharing a thread later still delivers its history.
   */
  readonly shared: { readonly [thread: string]: string };
}

/**
 * A feed position: the log position of the last record a page looked at, and the start of that
 * record's id. The id is what makes a cursor safe across a restore: a log restored from an older
 * backup hands the same positions to new records, and a cursor whose record is no longer at its
 * position starts the peer over from the beginning (it re-pulls duplicates, and skips nothing).
 */
export interface FeedCursor {
  readonly after: number;
  readonly id: string | null;
}

/** How a cursor is written: `<seq>.<first 16 hex of the record's id>`, or `0` at the start. */
export function formatCursor(seq: number, id: string | null): string {
  return id === null || seq === 0 ? '0' : `${seq}.${id.slice(0, CURSOR_ID_CHARS)}`;
}

const CURSOR_ID_CHARS = 16;

/** Parses `since` and `limit` as the feed takes them; VALIDATION_FAILED names the parameter. */
export function feedQuery(since: string | undefined, limit: string | undefined): FeedCursor & { limit: number } {
  let after = 0;
  let id: string | null = null;
  if (since !== undefined && since !== '') {
    const m = /^(\d{1,15})(?:\.([0-9a-f]{16}))?$/.exec(since);
    if (!m) throw new FederationError('VALIDATION_FAILED', `since must be a cursor from an earlier page (next_cursor), got ${JSON.stringify(since.slice(0, 40))}`, 'since');
    after = Number(m[1]);
    id = m[2] ?? null;
  }
  let n = DEFAULT_FEED_LIMIT;
  if (limit !== undefined && limit !== '') {
    n = Number(limit);
    if (!/^\d{1,6}$/.test(limit) || n < 1 || n > MAX_FEED_LIMIT) throw new FederationError('VALIDATION_FAILED', `limit must be an integer from 1 to ${MAX_FEED_LIMIT}`, 'limit');
  }
  return { after, id, limit: n };
}

/**
 * Reads one page of changes for a peer: records after the cursor (log order, a total order, so no
 * record is skipped) on the threads `allowed` says (or on `thread` only), never a reserved thread.
 * Every record carries a signature the peer can check (see {@link vouch}).
 */
export async function readChanges(
  kernel: Kernel,
  allowed: (thread: string) => boolean,
  from: FeedCursor,
  limit: number,
  vouchFor: (r: StoredRecord) => LogRecord,
  thread?: string,
): Promise<Omit<ChangePage, 'shared'>> {
  const out: Change[] = [];
  let after = from.after;
  if (after > 0 && from.id !== null) {
    const [at] = await kernel.records({ after: after - 1, limit: 1 });
    // Not the record the cursor was given for: the log was restored under the peer; start over.
    if (!at || at.seq !== after || !at.id.startsWith(from.id)) after = 0;
  }
  let cursor = after;
  let cursorId: string | null = null;
  let scanned = 0;
  let more = true;
  while (out.length < limit && scanned < FEED_SCAN_LIMIT) {
    // One thread (a backfill) reads that thread's records only; the whole feed reads the log.
    const page = await kernel.records({ after: cursor, limit: 1000, ...(thread === undefined ? {} : { thread }) });
    if (page.length === 0) {
      more = false;
      break;
    }
    for (const r of page) {
      scanned++;
      cursor = r.seq;
      cursorId = r.id;
      if (!neverFederates(r.thread) && allowed(r.thread)) out.push({ id: r.id, record: vouchFor(r) });
      if (out.length >= limit) break;
    }
  }
  if (more) more = (await kernel.records({ after: cursor, limit: 1, ...(thread === undefined ? {} : { thread }) })).length > 0;
  // A page that looked at nothing leaves the cursor where it was given.
  const next = cursorId === null ? (cursor === from.after && from.id !== null ? formatCursor(cursor, from.id) : String(cursor)) : formatCursor(cursor, cursorId);
  return { object: 'list', records: out, next_cursor: next, has_more: more };
}

/**
 * The record as sent, with the signature a receiver checks: an instance's own records keep the
 * signature of that instance (this one signs its own that predate signing); a record of a user or
 * service account has no key of its own, so the instance serving it vouches for it with its key.
 */
export function vouch(r: StoredRecord, self: string, sign: (text: string) => string): LogRecord {
  const record: LogRecord = { parents: r.parents, thread: r.thread, actor: r.actor, act: r.act, body: r.body, clock: r.clock, data_type: r.data_type, judged_by: r.judged_by };
  if (instancePublicKey(r.actor) !== undefined && r.actor !== self) return r.sig === undefined ? record : { ...record, sig: r.sig };
  if (r.actor === self && r.sig !== undefined) return { ...record, sig: r.sig };
  return { ...record, sig: sign(canonicalRecord(record)) };
}
