import type { StoredRecord } from '@syncropel/algebra';
import type { LogStore } from '@syncropel/log';

/**
 * Applies committed records to live state strictly in log order, each exactly once, whoever
 * wrote them. Records this process committed arrive with their seqs; when they are not next in
 * line (another writer on a shared log committed in between, or a retried group landed after a
 * later one), the records before them are read from the store and applied first. A store's seqs
 * are commit-ordered, so every record below a committed one can be read.
 *
 * Every call runs after the previous one finished, so live state never sees two at once.
 */
export class LogApplier {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<LogStore, 'scan'>,
    /** The seq of the newest record applied (0 for none). */
    private readonly folded: () => number,
    /** Folds records (in seq order, all after `folded()`) into live state and tells listeners. */
    private readonly apply: (records: readonly StoredRecord[]) => Promise<void>,
  ) {}

  /** Applies these committed records (in seq order), and first any record before them not applied yet. */
  through(records: readonly StoredRecord[]): Promise<void> {
    return this.serial(async () => {
      const first = records.find((r) => r.seq > this.folded());
      if (first === undefined) return;
      if (first.seq > this.folded() + 1) await this.read(first.seq - 1);
      const fresh = records.filter((r) => r.seq > this.folded());
      if (fresh.length > 0) await this.apply(fresh);
    });
  }

  /** Applies every record the store holds after the newest applied one. */
  catchUp(): Promise<void> {
    return this.serial(() => this.read(Number.MAX_SAFE_INTEGER));
  }

  /** Resolves once every call made so far has finished. */
  settled(): Promise<void> {
    return this.chain;
  }

  private async read(upTo: number): Promise<void> {
    for await (const page of this.store.scan(this.folded())) {
      const part = page.filter((r) => r.seq <= upTo);
      if (part.length > 0) await this.apply(part);
      if (part.length < page.length) return;
    }
  }

  private serial(work: () => Promise<void>): Promise<void> {
    const run = this.chain.then(work);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
