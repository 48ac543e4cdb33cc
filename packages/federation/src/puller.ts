import { instancePublicKey, type JsonObject, type LogRecord } from '@syncropel/algebra';
import { KernelError, THREAD_OWNER_TOPIC, type ForeignOutcome, type Kernel } from '@syncropel/kernel';
import { CausalBuffer } from './causal-buffer.js';
import type { CredentialStore } from './credentials.js';
import { FederationError } from './federation-error.js';
import { DEFAULT_FEED_LIMIT } from './change-feed.js';
import { foreignRules } from './foreign-admission.js';
import { neverFederates } from './federated-threads.js';
import { PAIR_TOPICS, type Pair } from './pair-fold.js';
import { recordSignatureValid } from './verify-signature.js';
import { SYNC_MAX_PAGES, type SyncReport, type SyncStatus } from './federation-api.js';

/** What the puller needs from the federation layer. */
export interface PullerOptions {
  readonly kernel: Kernel;
  readonly self: string;
  readonly fetcher: typeof fetch;
  readonly now: () => number;
  readonly credentials: CredentialStore;
  /** Writes a pair record (cursor moves, thread ownership) as the instance. */
  readonly write: (body: JsonObject) => Promise<unknown>;
  /** DIDs of this instance's principals, which a peer may not write as. */
  readonly localDids: () => ReadonlySet<string>;
  readonly onError: (error: unknown, where: string) => void;
}

/** Most records handed to the kernel at once (its batch limit). */
const INGEST_CHUNK = 1000;

/** Most bytes of one change page accepted from a peer (a page holds at most DEFAULT_FEED_LIMIT records of at most 1 MB). */
export const MAX_PAGE_BYTES = 64 * 1024 * 1024;

/** Most newly shared threads taken from one page (the rest come with the next). */
export const MAX_SHARES_TAKEN_PER_PAGE = 100;

/** A cursor that moved without bringing records is written at most this often (the two sides' cursor records would otherwise move each other's cursors forever). */
export const IDLE_CURSOR_WRITE_MS = 10 * 60_000;

type Counters = { -readonly [K in keyof SyncStatus]: SyncStatus[K] };
type Report = { -readonly [K in keyof SyncReport]: SyncReport[K] };

/** A change page as received, checked for shape. */
interface Page {
  readonly records: unknown[];
  readonly next_cursor: string;
  readonly has_more: boolean;
  readonly shared: { readonly [thread: string]: string };
}

/**
 * Pulls a peer's change feed into the log: verifies every record's signature (an instance's
 * record by the key its DID names; a user's or service account's by the peer, which vouches for
 * it), takes the threads the peer shares (reading each from its start the first time, so a
 * thread shared late still brings its history), admits records by the peer's rights
 * (`foreignRules`), ingests causally (records whose parents are missing wait in a bounded
 * buffer), and persists the cursor. One pull per pair at a time; it stops when the pair stops
 * being active.
 */
export class Puller {
  private readonly counters = new Map<string, Counters>();
  private readonly buffers = new Map<string, CausalBuffer>();
  private readonly running = new Map<string, Promise<SyncReport>>();
  private readonly cursorWritten = new Map<string, number>();

  constructor(private readonly o: PullerOptions) {}

  status(pairId: string): SyncStatus {
    const c = this.count(pairId);
    const b = this.buffers.get(pairId);
    return { ...c, waiting: b?.size ?? 0, dropped: b?.dropped ?? 0 };
  }

  /** Pulls until caught up (or SYNC_MAX_PAGES); a pull already running for the pair is joined. */
  sync(pair: Pair, current: () => Pair): Promise<SyncReport> {
    const running = this.running.get(pair.pair_id);
    if (running) return running;
    const run = this.pull(pair, current).finally(() => this.running.delete(pair.pair_id));
    this.running.set(pair.pair_id, run);
    return run;
  }

  /** Resolves when no pull is running. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private count(pairId: string): Counters {
    let c = this.counters.get(pairId);
    if (!c) {
      c = { last_sync_at: null, last_error: null, pulled: 0, created: 0, duplicate: 0, refused: 0, unsigned_or_bad_signature: 0, waiting: 0, dropped: 0 };
      this.counters.set(pairId, c);
    }
    return c;
  }

  private async pull(pair: Pair, current: () => Pair): Promise<SyncReport> {
    const c = this.count(pair.pair_id);
    const report: Report = { pair_id: pair.pair_id, pages: 0, pulled: 0, created: 0, duplicate: 0, refused: 0, waiting: 0, cursor: pair.cursor, has_more: false };
    try {
      let buffer = this.buffers.get(pair.pair_id);
      if (!buffer) this.buffers.set(pair.pair_id, (buffer = new CausalBuffer()));
      let cursor = current().cursor ?? '0';
      for (let page = 0; page < SYNC_MAX_PAGES; page++) {
        const body = await this.fetchPage(current, cursor);
        report.pages++;
        await this.takeShares(current, body.shared, cursor, buffer, report, c);
        const received = report.created + report.duplicate;
        await this.ingest(current, body.records, cursor, body.shared, buffer, report, c);
        cursor = body.next_cursor;
        report.has_more = body.has_more;
        // Resume from the oldest record still waiting for parents, so a restart pulls it again.
        const resume = buffer.resumeFrom() ?? cursor;
        const quiet = report.created + report.duplicate === received;
        const last = this.cursorWritten.get(pair.pair_id) ?? 0;
        if (resume !== current().cursor && (!quiet || this.o.now() - last >= IDLE_CURSOR_WRITE_MS || body.has_more)) {
          await this.o.write({ topic: PAIR_TOPICS.cursor, pair_id: pair.pair_id, name: `${pair.pair_id}/cursor`, cursor: resume });
          this.cursorWritten.set(pair.pair_id, this.o.now());
        }
        report.cursor = resume;
        if (!report.has_more) break;
      }
      c.last_error = null;
      return report;
    } catch (e) {
      c.last_error = (e as Error).message;
      throw e instanceof FederationError || e instanceof KernelError ? e : new FederationError('PEER_UNREACHABLE', `pulling from ${pair.peer_url}: ${(e as Error).message}`, 'pair_id');
    } finally {
      c.last_sync_at = new Date(this.o.now()).toISOString();
    }
  }

  /** One page of the peer's feed (or of one thread), checked for shape and size; refuses once the pair is no longer active. */
  private async fetchPage(current: () => Pair, cursor: string, thread?: string): Promise<Page> {
    const pair = current();
    if (pair.state !== 'active') throw new FederationError(pair.state === 'revoked' ? 'PAIR_REVOKED' : 'PAIR_NOT_ACTIVE', `pair ${pair.pair_id} is ${pair.state}; pulling stopped`, 'pair_id');
    const token = this.o.credentials.get(pair.pair_id);
    if (!token) throw new FederationError('PAIR_NOT_ACTIVE', `this instance holds no credential for pair ${pair.pair_id} yet (the handshake has not finished)`, 'pair_id');
    const query = `since=${encodeURIComponent(cursor)}&limit=${DEFAULT_FEED_LIMIT}${thread === undefined ? '' : `&thread=${thread}`}`;
    const res = await this.o.fetcher(`${pair.peer_url}/v1/sync/changes?${query}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000), redirect: 'error' });
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > MAX_PAGE_BYTES) {
      await res.body?.cancel();
      throw new FederationError('PEER_UNREACHABLE', `the peer's change page is ${declared} bytes, more than ${MAX_PAGE_BYTES}`, 'pair_id');
    }
    const text = await res.text();
    if (text.length > MAX_PAGE_BYTES) throw new FederationError('PEER_UNREACHABLE', `the peer's change page is larger than ${MAX_PAGE_BYTES} bytes`, 'pair_id');
    type Raw = { records?: unknown; next_cursor?: unknown; has_more?: unknown; shared?: unknown; error?: { code?: string; message?: string } };
    let body: Raw | null;
    try {
      body = JSON.parse(text) as Raw | null;
    } catch {
      body = null;
    }
    if (!res.ok || !body) {
      const why = body?.error ? `${String(body.error.code)}: ${String(body.error.message).slice(0, 200)}` : 'not JSON';
      throw new FederationError(body?.error?.code === 'PAIR_REVOKED' ? 'PAIR_REVOKED' : 'PEER_UNREACHABLE', `the peer's change feed answered ${res.status} (${why})`, 'pair_id');
    }
    const shared = typeof body.shared === 'object' && body.shared !== null && !Array.isArray(body.shared) ? (body.shared as { [t: string]: unknown }) : {};
    const ok =
      Array.isArray(body.records) &&
      body.records.length <= DEFAULT_FEED_LIMIT &&
      typeof body.next_cursor === 'string' &&
      /^\d{1,15}(\.[0-9a-f]{16})?$/.test(body.next_cursor) &&
      Object.entries(shared).every(([t, m]) => /^th_[0-9a-f]{64}$/.test(t) && typeof m === 'string' && /^[0-9a-f]{64}$/.test(m));
    if (!ok) throw new FederationError('PEER_UNREACHABLE', "the peer's change page is not one (records, next_cursor, has_more, shared)", 'pair_id');
    return { records: body.records as unknown[], next_cursor: body.next_cursor as string, has_more: body.has_more === true, shared: shared as { [t: string]: string } };
  }

  /**
   * Takes each thread the peer shares that this instance has not read under its current share
   * mark: records the peer as its owner, then reads it from its start.
   */
  private async takeShares(current: () => Pair, shared: Page['shared'], cursor: string, buffer: CausalBuffer, report: Report, c: Counters): Promise<void> {
    const { kernel, self } = this.o;
    let taken = 0;
    for (const [thread, mark] of Object.entries(shared)) {
      // A peer that lists thousands of threads is taken in steps (each is a record and a read).
      if (taken >= MAX_SHARES_TAKEN_PER_PAGE) break;
      const pair = current();
      if (neverFederates(thread) || pair.received_marks[thread] === mark) continue;
      const owner = kernel.threadOwner(thread);
      // A thread this instance holds as its own is not taken over (admission refuses a thread both share).
      if (owner === self && kernel.hasThread(thread)) continue;
      if (owner !== self && owner !== pair.peer_did) continue;
      await this.o.write({ topic: THREAD_OWNER_TOPIC, pair_id: pair.pair_id, name: thread, thread, owner: pair.peer_did, mark });
      taken++;
      // A first pull reads the whole feed from its start anyway; later, a newly shared thread's
      // history lies behind the cursor and is read on its own.
      if (cursor === '0') continue;
      let at = '0';
      for (let page = 0; page < SYNC_MAX_PAGES; page++) {
        const body = await this.fetchPage(current, at, thread);
        await this.ingest(current, body.records, '0', shared, buffer, report, c);
        at = body.next_cursor;
        if (!body.has_more) break;
      }
    }
  }

  private async ingest(current: () => Pair, entries: unknown[], from: string, peerShares: Page['shared'], buffer: CausalBuffer, report: Report, c: Counters): Promise<void> {
    const { kernel, self } = this.o;
    const pair = current();
    const peerKey = instancePublicKey(pair.peer_did) as string;
    const verified: LogRecord[] = [];
    for (const entry of entries) {
      report.pulled++;
      c.pulled++;
      const record = (entry as { record?: unknown } | null)?.record as LogRecord | undefined;
      const key = typeof record?.actor === 'string' ? (instancePublicKey(record.actor) ?? peerKey) : undefined;
      // Unsigned or badly signed: refused and counted, never stored.
      if (!record || !key || !safeVerify(record, key)) {
        report.refused++;
        c.refused++;
        c.unsigned_or_bad_signature++;
        continue;
      }
      verified.push(record);
    }
    const rules = foreignRules({
      self,
      peer: pair.peer_did,
      shared: () => current().shared_threads,
      peerShares: new Set(Object.keys(peerShares)),
      owner: (t) => kernel.threadOwner(t),
      localDids: this.o.localDids(),
    });
    const tally = (outcomes: ForeignOutcome[], offered: [string | null, unknown][]) => {
      outcomes.forEach((o, i) => {
        const id = offered[i]?.[0] ?? null;
        if (o.status === 'waiting') {
          buffer.hold(o.id, offered[i]?.[1], from, this.o.now());
          return;
        }
        if (id) buffer.release(id);
        if (o.status === 'created') (report.created++, c.created++);
        else if (o.status === 'duplicate') (report.duplicate++, c.duplicate++);
        else (report.refused++, c.refused++);
      });
    };
    for (let i = 0; i < verified.length; i += INGEST_CHUNK) {
      if (current().state !== 'active') return;
      const chunk = verified.slice(i, i + INGEST_CHUNK);
      tally(await kernel.ingestForeign(chunk, rules), chunk.map((r) => [null, r]));
    }
    // Records that waited may have their parents now: offer them again until nothing moves.
    buffer.expire(this.o.now());
    for (let before = -1; buffer.size > 0 && buffer.size !== before && current().state === 'active'; ) {
      before = buffer.size;
      const held = buffer.entries().slice(0, INGEST_CHUNK);
      tally(await kernel.ingestForeign(held.map(([, r]) => r), rules), held);
    }
    report.waiting = buffer.size;
  }
}

function safeVerify(record: LogRecord, key: string): boolean {
  try {
    return recordSignatureValid(record, key);
  } catch {
    // A record too malformed to canonicalise is refused like a bad signature.
    return false;
  }
}
