import type { LogStore } from '@syncropel/log';
import type { FoldSnapshotOutcome, FoldSnapshotStatus } from './kernel-api.js';
import { foldFormat, prefixSamples, snapshotProblem, type FoldSnapshot, type FoldSnapshotStore, type SnapshotHead } from './fold-snapshot.js';
import { FOLD_SNAPSHOT_SAMPLES } from './limits.js';

/** A view's codec bound to its live state. */
export interface ViewCodec {
  readonly version: string;
  /** What the snapshot format hashes for this view (its step and codec functions, settings). */
  readonly code: readonly unknown[];
  encode(): unknown;
  decode(encoded: unknown): void;
}

/** A view as the keeper sees it: its name, and its codec (a view without one turns snapshots off). */
export interface SnapshotView {
  readonly name: string;
  readonly codec?: ViewCodec;
}

/**
 * Restores and writes one kernel's fold snapshots: whether its views can be snapshotted at all,
 * whether a snapshot on disk fits this log, and the status health details show. The kernel
 * decides when (after a rebuild, at stop, by CRON); the keeper knows how.
 */
export class FoldSnapshotKeeper {
  readonly status: FoldSnapshotStatus;
  /** How many records the snapshot on disk stands for (0: none, or none written since start). */
  private savedRecords = 0;

  constructor(
    private readonly target: FoldSnapshotStore | undefined,
    private readonly store: LogStore,
    /** Read at each call: folds attached before start join the list. */
    private readonly views: readonly SnapshotView[],
    private readonly now: () => number,
  ) {
    this.status = { store: target?.description ?? null, loaded_seq: null, tail_records: 0, ignored: null, last_saved_at: null, last_saved_seq: null, last_error: null };
  }

  /**
   * Restores every view from the snapshot on disk when it fits this log and returns where it
   * stands; undefined (with the reason in `status.ignored`) means fold the whole log. `reset` puts
   * every view back to its initial state after a snapshot that fit but could not be decoded.
   */
  async restore(reset: () => void): Promise<{ head: SnapshotHead; records: number } | undefined> {
    if (!this.target) return undefined;
    let snapshot: FoldSnapshot | undefined;
    try {
      snapshot = await this.target.read();
    } catch (e) {
      this.status.ignored = `unreadable: ${(e as Error).message}`;
      return undefined;
    }
    if (!snapshot) {
      this.status.ignored = 'none written yet';
      return undefined;
    }
    const problem = this.unusable() ?? (await snapshotProblem(snapshot, this.format(), this.views.map((v) => v.name), this.store));
    if (problem) {
      this.status.ignored = problem;
      return undefined;
    }
    try {
      for (const v of this.views) (v.codec as ViewCodec).decode(snapshot.states[v.name]);
    } catch (e) {
      reset();
      this.status.ignored = `cannot be decoded: ${(e as Error).message}`;
      return undefined;
    }
    this.status.loaded_seq = snapshot.head.seq;
    this.savedRecords = snapshot.records;
    return { head: snapshot.head, records: snapshot.records };
  }

  /** Records how many records the start folded after its snapshot (the whole log without one). */
  started(tailRecords: number): void {
    this.status.tail_records = tailRecords;
  }

  /** Whether records were folded since the snapshot on disk (so writing one would change it). */
  due(foldedRecords: number): boolean {
    return this.target !== undefined && foldedRecords !== this.savedRecords;
  }

  /**
   * Writes every view's state as one snapshot. `at` says where live state stands; it is read in
   * the same tick as the states are encoded and handed to the store (which must take them in that
   * tick too: encoded states may share objects with live state), so they always agree.
   */
  async save(at: () => { head: SnapshotHead; records: number }): Promise<FoldSnapshotOutcome> {
    if (!this.target) return { saved: false, reason: 'no fold snapshot store is configured' };
    const unusable = this.unusable();
    if (unusable !== null) return { saved: false, reason: unusable };
    // Samples of the log first (reads that may take a while): they stand for any later head too.
    const samples = await prefixSamples(this.store, at().head.seq, FOLD_SNAPSHOT_SAMPLES);
    // Then one synchronous pass, so every state is taken at the same head.
    const { head, records } = at();
    const states: { [view: string]: unknown } = {};
    for (const v of this.views) states[v.name] = (v.codec as ViewCodec).encode();
    try {
      await this.target.write({ format: this.format(), head, records, samples, states, created_at: new Date(this.now()).toISOString() });
    } catch (e) {
      this.status.last_error = (e as Error).message;
      throw e;
    }
    this.status.last_saved_at = new Date(this.now()).toISOString();
    this.status.last_saved_seq = head.seq;
    this.status.last_error = null;
    this.savedRecords = records;
    return { saved: true, seq: head.seq, records };
  }

  /** Why these views cannot be snapshotted at all (one has no codec), or null. */
  private unusable(): string | null {
    const view = this.views.find((v) => !v.codec);
    return view ? `attached fold ${view.name} has no snapshot codec` : null;
  }

  /** The format these views write (asked only once every view has a codec). */
  private format(): string {
    return foldFormat(this.views.map((v) => ({ name: v.name, version: (v.codec as ViewCodec).version, code: (v.codec as ViewCodec).code })));
  }
}
