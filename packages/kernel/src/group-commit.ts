import type { StoredRecord } from '@syncropel/algebra';
import type { AppendEntry } from '@syncropel/log';
import { MAX_GROUP_RECORDS } from './limits.js';

/** One caller's share of a commit group: the entries it adds and how to answer it. */
interface Unit {
  readonly entries: readonly AppendEntry[];
  readonly resolve: (stored: ReadonlyMap<string, StoredRecord>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: callers enqueue entries and get a promise; entries are appended in groups, one
 * transaction per group, and every promise settles only after its group has committed. One
 * disk flush then covers many writes, and nothing is acknowledged before it is durable.
 *
 * At most one group is committing at a time. While it commits (off the main thread when the
 * store offers `appendAsync`), new entries gather into the next group, so groups grow with load.
 * Groups commit in enqueue order, so log order is enqueue order.
 */
export class GroupCommit {
  private units: Unit[] = [];
  private size = 0;
  private scheduled = false;
  private committing = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly append: (entries: readonly AppendEntry[]) => Promise<StoredRecord[]> | StoredRecord[],
    private readonly committed: (stored: readonly StoredRecord[]) => void,
    private readonly failed: (error: unknown, entries: readonly AppendEntry[]) => void,
  ) {}

  /** Entries waiting for a commit (queued or committing). */
  get pending(): number {
    return this.size;
  }

  /** Adds entries to the next group; resolves with every record of that group by id once committed. */
  enqueue(entries: readonly AppendEntry[]): Promise<ReadonlyMap<string, StoredRecord>> {
    return new Promise((resolve, reject) => {
      this.units.push({ entries, resolve, reject });
      this.size += entries.length;
      if (this.committing) return; // the running commit starts the next group when it ends
      if (this.size >= MAX_GROUP_RECORDS) void this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate runs after pending I/O callbacks, so concurrent requests join the group.
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Resolves when nothing is queued or committing. */
  drained(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private isIdle(): boolean {
    return this.units.length === 0 && !this.scheduled && !this.committing;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    if (this.committing) return;
    while (this.units.length > 0) {
      const units = this.units;
      this.units = [];
      const entries = units.flatMap((u) => u.entries);
      this.committing = true;
      let stored: StoredRecord[] = [];
      let error: unknown;
      let ok = true;
      try {
        stored = entries.length === 0 ? [] : await this.append(entries);
      } catch (e) {
        ok = false;
        error = e;
      }
      this.committing = false;
      this.size -= entries.length;
      if (ok) {
        this.committed(stored);
        const byId = new Map(stored.map((r) => [r.id, r]));
        for (const u of units) u.resolve(byId);
      } else {
        this.failed(error, entries);
        for (const u of units) u.reject(error);
      }
    }
    if (this.isIdle()) {
      const waiting = this.idle;
      this.idle = [];
      for (const w of waiting) w();
    }
  }
}
