import type { StoredRecord } from '@syncropel/algebra';
import type { ThreadState } from './thread-fold.js';

/**
 * What planning an ingest needs from the store, fetched ahead: records by id (answers' targets,
 * retries of stored records) and the state of threads whose state left memory (their clocks).
 * Planning itself is synchronous, so no other write can slip in between its checks and the
 * reservation of ids and clocks; it asks for a fact it lacks by throwing {@link MissingFact},
 * the caller fetches it and plans again.
 */
export class IngestFacts {
  private readonly records = new Map<string, StoredRecord | null>();
  private readonly threads = new Map<string, ThreadState | null>();

  constructor(
    private readonly getRecord: (id: string) => Promise<StoredRecord | undefined>,
    private readonly getThread: (thread: string) => Promise<ThreadState | undefined>,
  ) {}

  /** The stored record with this id, or undefined; throws MissingFact when not fetched yet. */
  record(id: string): StoredRecord | undefined {
    const known = this.records.get(id);
    if (known === undefined) throw new MissingFact([{ kind: 'record', key: id }]);
    return known ?? undefined;
  }

  /** A thread's state as folded from the store; throws MissingFact when not fetched yet. */
  thread(thread: string): ThreadState | undefined {
    const known = this.threads.get(thread);
    if (known === undefined) throw new MissingFact([{ kind: 'thread', key: thread }]);
    return known ?? undefined;
  }

  /** Fetches, in one round, every fact a plan asked for, plus any record ids named up front. */
  async fetch(missing: MissingFact | undefined, ids: readonly string[] = []): Promise<void> {
    const needs = missing?.needs ?? [];
    const records = [...new Set([...ids, ...needs.filter((n) => n.kind === 'record').map((n) => n.key)])].filter((id) => !this.records.has(id));
    const threads = [...new Set(needs.filter((n) => n.kind === 'thread').map((n) => n.key))].filter((t) => !this.threads.has(t));
    const [found, states] = await Promise.all([Promise.all(records.map((id) => this.getRecord(id))), Promise.all(threads.map((t) => this.getThread(t)))]);
    records.forEach((id, i) => this.records.set(id, found[i] ?? null));
    threads.forEach((t, i) => this.threads.set(t, states[i] ?? null));
  }
}

/** One fact a plan lacks. */
export interface FactNeed {
  readonly kind: 'record' | 'thread';
  readonly key: string;
}

/** Thrown by {@link IngestFacts} (and by planning, for a whole batch) when facts have not been fetched. */
export class MissingFact extends Error {
  constructor(readonly needs: readonly FactNeed[]) {
    super(`not fetched yet: ${needs.map((n) => `${n.kind} ${n.key}`).join(', ')}`);
  }
}
