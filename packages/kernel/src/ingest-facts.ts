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
    if (known === undefined) throw new MissingFact('record', id);
    return known ?? undefined;
  }

  /** A thread's state as folded from the store; throws MissingFact when not fetched yet. */
  thread(thread: string): ThreadState | undefined {
    const known = this.threads.get(thread);
    if (known === undefined) throw new MissingFact('thread', thread);
    return known ?? undefined;
  }

  /** Fetches what a plan asked for, plus any record ids named up front. */
  async fetch(missing: MissingFact | undefined, ids: readonly string[] = []): Promise<void> {
    const wanted = ids.filter((id) => !this.records.has(id));
    if (missing?.kind === 'record' && !this.records.has(missing.key)) wanted.push(missing.key);
    const found = await Promise.all(wanted.map((id) => this.getRecord(id)));
    wanted.forEach((id, i) => this.records.set(id, found[i] ?? null));
    if (missing?.kind === 'thread' && !this.threads.has(missing.key)) this.threads.set(missing.key, (await this.getThread(missing.key)) ?? null);
  }
}

/** Thrown by {@link IngestFacts} when planning needs a fact that has not been fetched. */
export class MissingFact extends Error {
  constructor(
    readonly kind: 'record' | 'thread',
    readonly key: string,
  ) {
    super(`not fetched yet: ${kind} ${key}`);
  }
}
