import { instancePublicKey, isReservedThread, type JsonObject, type Record as LogRecord } from '@syncropel/algebra';
import { recordSignatureValid } from './verify-signature.js';
import { KernelError, THREAD_OWNER_TOPIC, type ForeignOutcome, type Kernel } from '@syncropel/kernel';
import { CausalBuffer } from './causal-buffer.js';
import type { CredentialStore } from './credentials.js';
import { FederationError } from './federation-error.js';
import { DEFAULT_FEED_LIMIT } from './change-feed.js';
import { PAIR_TOPICS, type Pair } from './pair-fold.js';
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
  readonly onError: (error: unknown, where: string) => void;
}

/** Most records handed to the kernel at once (its batch limit). */
const INGEST_CHUNK = 1000;

type Counters = { -readonly [K in keyof SyncStatus]: SyncStatus[K] };

/**
 * Pulls a peer's change feed into the log: verifies every record's signature (an instance's
 * record by the key its DID names; a user's or service account's by the peer, which vouches for
 * it), records which new threads the peer owns, ingests causally (records whose parents are
 * missing wait in a bounded buffer), and persists the cursor. One pull per pair at a time.
 */
export class Puller {
  private readonly counters = new Map<string, Counters>();
  private readonly buffers = new Map<string, CausalBuffer>();
  private readonly running = new Map<string, Promise<SyncReport>>();

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
    const token = this.o.credentials.get(pair.pair_id);
    const report = { pair_id: pair.pair_id, pages: 0, pulled: 0, created: 0, duplicate: 0, refused: 0, waiting: 0, cursor: pair.cursor, has_more: false };
    try {
      if (!token) throw new FederationError('PAIR_NOT_ACTIVE', `this instance holds no credential for pair ${pair.pair_id} yet (the handshake has not finished)`, 'pair_id');
      let buffer = this.buffers.get(pair.pair_id);
      if (!buffer) this.buffers.set(pair.pair_id, (buffer = new CausalBuffer()));
      let cursor = current().cursor ?? '0';
      for (let page = 0; page < SYNC_MAX_PAGES; page++) {
        const res = await this.o.fetcher(`${pair.peer_url}/v1/sync/changes?since=${encodeURIComponent(cursor)}&limit=${DEFAULT_FEED_LIMIT}`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(30_000),
          redirect: 'error',
        });
        const body = (await res.json().catch(() => null)) as { records?: unknown; next_cursor?: unknown; has_more?: unknown; error?: { code?: string; message?: string } } | null;
        if (!res.ok || !body || !Array.isArray(body.records) || typeof body.next_cursor !== 'string') {
          const why = body?.error ? `${body.error.code}: ${String(body.error.message).slice(0, 200)}` : 'not a change page';
          throw new FederationError('PEER_UNREACHABLE', `the peer's change feed answered ${res.status} (${why})`, 'pair_id');
        }
        report.pages++;
        await this.ingest(pair, current, body.records, cursor, buffer, report, c);
        cursor = body.next_cursor;
        report.has_more = body.has_more === true;
        // Resume from the oldest record still waiting for parents, so a restart pulls it again.
        const resume = buffer.resumeFrom() ?? cursor;
        if (resume !== current().cursor) await this.o.write({ topic: PAIR_TOPICS.cursor, pair_id: pair.pair_id, name: `${pair.pair_id}/cursor`, cursor: resume });
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

  private async ingest(pair: Pair, current: () => Pair, entries: unknown[], from: string, buffer: CausalBuffer, report: { pulled: number; created: number; duplicate: number; refused: number; waiting: number }, c: Counters): Promise<void> {
    const { kernel, self } = this.o;
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
    // A thread this instance has never seen is the peer's: say so before its first record lands,
    // so the work on it is left to its owner.
    const fresh = new Set<string>();
    for (const r of verified) {
      if (typeof r.thread === 'string' && !isReservedThread(r.thread) && !kernel.hasThread(r.thread) && kernel.threadOwner(r.thread) === self) fresh.add(r.thread);
    }
    for (const thread of fresh) await this.o.write({ topic: THREAD_OWNER_TOPIC, pair_id: pair.pair_id, name: thread, thread, owner: pair.peer_did });
    const rules = {
      admit: (r: LogRecord, _id: string, field: string) => {
        if (isReservedThread(r.thread)) throw new KernelError('RESERVED_THREAD', `${field}.thread ${r.thread} is reserved; reserved threads never federate`, `${field}.thread`);
        const owner = kernel.threadOwner(r.thread);
        if (owner === pair.peer_did) return;
        if (owner === self && current().shared_threads.includes(r.thread)) return;
        throw new KernelError('RESERVED_THREAD', `${field}.thread ${r.thread} is not shared with pair ${pair.pair_id}`, `${field}.thread`);
      },
    };
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
      const chunk = verified.slice(i, i + INGEST_CHUNK);
      tally(await kernel.ingestForeign(chunk, rules), chunk.map((r) => [null, r]));
    }
    // Records that waited may have their parents now: offer them again until nothing moves.
    buffer.expire(this.o.now());
    for (let before = -1; buffer.size > 0 && buffer.size !== before; ) {
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
