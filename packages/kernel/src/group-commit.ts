import type { StoredRecord } from '@syncropel/algebra';
import type { AppendEntry } from '@syncropel/log';
import { MAX_GROUP_RECORDS, MAX_GROUPS_IN_FLIGHT } from './limits.js';

/** Lifetime figures of the groups committed so far (for health details and the bench). */
export interface CommitStats {
  /** Groups committed. */
  readonly groups: number;
  /** Records in those groups. */
  readonly records: number;
  /** Sum of the groups' commit times, in ms: from hand-over to the store until it confirmed. */
  readonly commitMsTotal: number;
  /** The last group's commit time in ms, or null before the first commit. */
  readonly lastCommitMs: number | null;
}

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
 * Up to {@link MAX_GROUPS_IN_FLIGHT} groups may be committing at once when the store commits off
 * the main thread (`appendAsync`): the next group is handed over while the previous one is still
 * being written, so the writer never waits for a round trip through the main thread. The store
 * commits them in order, so log order is enqueue order, and results are applied in that order.
 */
export class GroupCommit {
  private units: Unit[] = [];
  private size = 0;
  private scheduled = false;
  private inFlight = 0;
  private idle: (() => void)[] = [];
  /** Settles groups strictly in the order they were handed to the store. */
  private chain: Promise<void> = Promise.resolve();
  private committedStats: CommitStats = { groups: 0, records: 0, commitMsTotal: 0, lastCommitMs: null };

  constructor(
    private readonly append: (entries: readonly AppendEntry[]) => Promise<StoredRecord[]> | StoredRecord[],
    private readonly committed: (stored: readonly StoredRecord[]) => void,
    private readonly failed: (error: unknown, entries: readonly AppendEntry[]) => void,
  ) {}

  /** Entries waiting for a commit (queued or committing). */
  get pending(): number {
    return this.size;
  }

  /** Groups committed so far, their size and how long the store took. */
  get stats(): CommitStats {
    return this.committedStats;
  }

  /** Adds entries to the next group; resolves with every record of that group by id once committed. */
  enqueue(entries: readonly AppendEntry[]): Promise<ReadonlyMap<string, StoredRecord>> {
    return new Promise((resolve, reject) => {
      this.units.push({ entries, resolve, reject });
      this.size += entries.length;
      if (this.inFlight >= MAX_GROUPS_IN_FLIGHT) return; // a finishing commit starts the next group
      if (this.size >= MAX_GROUP_RECORDS) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate runs after pending I/O callbacks, so concurrent requests join the group.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves when nothing is queued or committing. */
  drained(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private isIdle(): boolean {
    return this.units.length === 0 && !this.scheduled && this.inFlight === 0;
  }

  private flush(): void {
    this.scheduled = false;
    if (this.units.length === 0 || this.inFlight >= MAX_GROUPS_IN_FLIGHT) return this.notifyIdle();
    const units = this.units;
    this.units = [];
    const count = units.reduce((n, u) => n + u.entries.length, 0);
    this.inFlight++;
    const handedOver = performance.now();
    const parts = this.handOver(units);
    const settled = parts.map((p) =>
      p.result.then(
        (stored) => ({ ok: true as const, units: p.units, stored, ms: performance.now() - handedOver }),
        (error: unknown) => ({ ok: false as const, units: p.units, error }),
      ),
    );
    this.chain = this.chain.then(async () => {
      const outcomes = await Promise.all(settled);
      this.inFlight--;
      this.size -= count;
      for (const outcome of outcomes) {
        const entries = outcome.units.flatMap((u) => u.entries);
        // The callbacks must not break the chain: a throw here would leave every later caller
        // waiting forever. What committed is answered as committed whatever they do.
        if (outcome.ok) {
          const { groups, records, commitMsTotal } = this.committedStats;
          this.committedStats = { groups: groups + 1, records: records + entries.length, commitMsTotal: commitMsTotal + outcome.ms, lastCommitMs: outcome.ms };
          guarded(() => this.committed(outcome.stored));
          const byId = new Map(outcome.stored.map((r) => [r.id, r]));
          for (const u of outcome.units) u.resolve(byId);
        } else {
          guarded(() => this.failed(outcome.error, entries));
          for (const u of outcome.units) u.reject(outcome.error);
        }
      }
      if (this.units.length > 0) this.flush();
      else this.notifyIdle();
    });
    // With room for another group, hand over whatever arrives next without waiting.
    if (this.units.length > 0 && this.inFlight < MAX_GROUPS_IN_FLIGHT) this.flush();
  }

  /**
   * Hands a group to the store. When the store refuses the group as it is handed over (one entry
   * it cannot take, say), each caller's unit is handed over on its own instead, in the same order
   * and before any later group, so only the offending caller gets the error. A group that fails
   * later, inside the store's transaction, fails as a whole: nothing of it was stored.
   */
  private handOver(units: Unit[]): { units: Unit[]; result: Promise<StoredRecord[]> }[] {
    const attempt = (entries: readonly AppendEntry[]): Promise<StoredRecord[]> => {
      try {
        return Promise.resolve(entries.length === 0 ? [] : this.append(entries));
      } catch (e) {
        return Promise.reject(e);
      }
    };
    const entries = units.flatMap((u) => u.entries);
    let whole: Promise<StoredRecord[]> | undefined;
    try {
      whole = Promise.resolve(entries.length === 0 ? [] : this.append(entries));
    } catch (e) {
      if (units.length === 1) return [{ units, result: Promise.reject(e) }];
    }
    if (whole) return [{ units, result: whole }];
    return units.map((u) => ({ units: [u], result: attempt(u.entries) }));
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    const waiting = this.idle;
    this.idle = [];
    for (const w of waiting) w();
  }
}

/** Runs a callback whose failure must not stop the commit chain (it was reported where it happened, if it could be). */
function guarded(callback: () => void): void {
  try {
    callback();
  } catch {
    // Deliberately dropped: the kernel's callbacks isolate and report their own parts.
  }
}
