import type { StoredRecord } from '@syncropel/algebra';
import { isLogError, type AppendEntry } from '@syncropel/log';
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
 * Up to {@link MAX_GROUPS_IN_FLIGHT} groups may be committing at once: the next group is handed
 * over while the previous one is still being written, so the writer never waits for a round trip
 * through the main thread. The store commits them in call order, and results are answered in
 * that order.
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
    private readonly append: (entries: readonly AppendEntry[]) => Promise<StoredRecord[]>,
    /** Brings live state up to the committed records; awaited before their callers are answered. */
    private readonly committed: (stored: readonly StoredRecord[]) => Promise<void>,
    private readonly failed: (error: unknown, entries: readonly AppendEntry[]) => void,
    /**
     * Groups in the store's hands at once. A shared log takes 1: its database may refuse a group
     * for another writer's record, and the group's callers are then retried one by one; no later
     * group may overtake those retries (a later clock of the same actor would refuse an earlier one).
     */
    private readonly maxInFlight: number = MAX_GROUPS_IN_FLIGHT,
    /** Told of each committed group (records, ms), after the stats count it; a throw is dropped. */
    private readonly observe?: (records: number, ms: number) => void,
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
      if (this.inFlight >= this.maxInFlight) return; // a finishing commit starts the next group
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
    if (this.units.length === 0 || this.inFlight >= this.maxInFlight) return this.notifyIdle();
    const units = this.units;
    this.units = [];
    const count = units.reduce((n, u) => n + u.entries.length, 0);
    this.inFlight++;
    const handedOver = performance.now();
    const settled = this.handOver(units, handedOver);
    this.chain = this.chain.then(async () => {
      const outcomes = await settled;
      this.inFlight--;
      this.size -= count;
      for (const outcome of outcomes) {
        const entries = outcome.units.flatMap((u) => u.entries);
        // The callbacks must not break the chain: a throw here would leave every later caller
        // waiting forever. What committed is answered as committed whatever they do.
        if (outcome.ok) {
          const { groups, records, commitMsTotal } = this.committedStats;
          this.committedStats = { groups: groups + 1, records: records + entries.length, commitMsTotal: commitMsTotal + outcome.ms, lastCommitMs: outcome.ms };
          const observe = this.observe;
          if (observe) guarded(() => observe(entries.length, outcome.ms));
          try {
            await this.committed(outcome.stored);
          } catch {
            // Deliberately dropped: the kernel reports its own fold and listener failures.
          }
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
    if (this.units.length > 0 && this.inFlight < this.maxInFlight) this.flush();
  }

  /**
   * Hands a group to the store as one append. When the store refuses it (a duplicate id or a
   * clock another writer took first, say), nothing of it was stored: each caller's unit is then
   * handed over on its own, in order, so only the offending caller gets the error.
   */
  private async handOver(units: Unit[], handedOver: number): Promise<Outcome[]> {
    const attempt = async (part: Unit[]): Promise<Outcome> => {
      try {
        const entries = part.flatMap((u) => u.entries);
        const stored = entries.length === 0 ? [] : await this.append(entries);
        return { ok: true, units: part, stored, ms: performance.now() - handedOver };
      } catch (error) {
        return { ok: false, units: part, error };
      }
    };
    const whole = await attempt(units);
    // Only a refusal of one entry (a duplicate id, a clock taken) is worth retrying without it; a
    // store that is down would just fail every caller again, one slow attempt at a time.
    if (whole.ok || units.length === 1 || !isConflict(whole.error)) return [whole];
    const outcomes: Outcome[] = [];
    for (const u of units) outcomes.push(await attempt([u]));
    return outcomes;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    const waiting = this.idle;
    this.idle = [];
    for (const w of waiting) w();
  }
}

/** A store's refusal of one entry that another writer got in first; the group's other entries may well go in. */
function isConflict(error: unknown): boolean {
  return isLogError(error) && (error.code === 'DUPLICATE_ID' || error.code === 'CLOCK_CONFLICT');
}

/** What became of (part of) a group. */
type Outcome = { readonly ok: true; readonly units: Unit[]; readonly stored: StoredRecord[]; readonly ms: number } | { readonly ok: false; readonly units: Unit[]; readonly error: unknown };

/** Runs a callback whose failure must not stop the commit chain (it was reported where it happened, if it could be). */
function guarded(callback: () => void): void {
  try {
    callback();
  } catch {
    // Deliberately dropped: the kernel's callbacks isolate and report their own parts.
  }
}
