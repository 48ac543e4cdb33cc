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
 * Group commit: callers enqueue entries and get a promise; everything enqueued within one turn
 * of the event loop is appended in a single transaction, and every promise settles only after
 * that transaction has committed. One fsync then covers many writes, and nothing is
 * acknowledged before it is durable.
 */
export class GroupCommit {
  private units: Unit[] = [];
  private size = 0;
  private scheduled = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly append: (entries: readonly AppendEntry[]) => StoredRecord[],
    private readonly committed: (stored: readonly StoredRecord[]) => void,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** Entries waiting for the next commit. */
  get pending(): number {
    return this.size;
  }

  /** Adds entries to the next group; resolves with every record of that group by id once committed. */
  enqueue(entries: readonly AppendEntry[]): Promise<ReadonlyMap<string, StoredRecord>> {
    return new Promise((resolve, reject) => {
      this.units.push({ entries, resolve, reject });
      this.size += entries.length;
      if (this.size >= MAX_GROUP_RECORDS) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate runs after pending I/O callbacks, so concurrent requests join the group.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves when nothing is waiting to be committed. */
  drained(): Promise<void> {
    if (this.size === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private flush(): void {
    this.scheduled = false;
    const units = this.units;
    if (units.length === 0) return this.notifyIdle();
    this.units = [];
    this.size = 0;
    const entries = units.flatMap((u) => u.entries);
    let stored: StoredRecord[];
    try {
      stored = entries.length === 0 ? [] : this.append(entries);
    } catch (error) {
      this.failed(error);
      for (const u of units) u.reject(error);
      return this.notifyIdle();
    }
    this.committed(stored);
    const byId = new Map(stored.map((r) => [r.id, r]));
    for (const u of units) u.resolve(byId);
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.size !== 0 || this.scheduled) return;
    const waiting = this.idle;
    this.idle = [];
    for (const w of waiting) w();
  }
}
