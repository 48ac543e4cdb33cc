import { createHash } from 'node:crypto';
import { canonicalJson, isReservedThread } from '@syncropel/algebra';
import type { AitlState } from './aitl-fold.js';
import type { ThreadState, ThreadStatus } from './thread-fold.js';
import type { TrustState } from './trust-fold.js';
import type { WorkState, WorkStatus } from './work/work-fold.js';

/**
 * The built-in folds' states a digest reads. `threads` are thread states, not the threads map:
 * a thread whose state left memory must be folded back first (as `Kernel.threads()` does).
 */
export interface FoldedStates {
  readonly threads: Iterable<ThreadState>;
  readonly aitl: AitlState;
  readonly work: WorkState;
  readonly trust: TrustState;
}

/**
 * The part of folded state that depends only on which records were folded, not on the order
 * they arrived in nor on where the log put them: every instance holding the same records (on
 * threads that federate) must agree on it.
 *
 * Invariants: every list is sorted by code unit (never by locale); no seq, ingested_at,
 * first/last seq, last act or time appears; reserved threads, and decisions and work on them,
 * are left out (they never federate). Trust is counts only: `last_at` is the local ingest time.
 */
export interface ConvergentState {
  readonly threads: readonly {
    readonly thread: string;
    readonly status: ThreadStatus;
    readonly record_count: number;
    readonly participants: readonly string[];
    readonly last_clock: { readonly [actor: string]: number };
  }[];
  /** Pending AITL request ids. */
  readonly aitl: readonly string[];
  /** Outstanding work as [id, status]. */
  readonly work: readonly (readonly [string, WorkStatus])[];
  readonly trust: {
    /** [subject, domain, successes, trials] per evidence row. */
    readonly evidence: readonly (readonly [string, string, number, number])[];
    readonly verdicts: number;
    readonly self_verdicts_ignored: number;
  };
}

/** Projects folded states onto their order-independent part (what {@link digestFoldedState} hashes; diff two of these to see why digests differ). */
export function convergentState(states: FoldedStates, only?: ReadonlySet<string>): ConvergentState {
  // With `only`, the state of those threads alone, as paired instances share it: trust is not per
  // thread, and work is only ever outstanding on the thread owner's side, so both are left out.
  const kept = (thread: string) => !isReservedThread(thread) && (only === undefined || only.has(thread));
  const threads = [...states.threads]
    .filter((t) => kept(t.thread))
    .map((t) => ({ thread: t.thread, status: t.status, record_count: t.record_count, participants: [...t.participants].sort(byCodeUnit), last_clock: { ...t.last_clock } }))
    .sort((a, b) => byCodeUnit(a.thread, b.thread));
  const aitl = [...states.aitl.values()].filter((d) => kept(d.thread)).map((d) => d.id).sort(byCodeUnit);
  const work = [...states.work.items.values()]
    .filter((w) => kept(w.thread))
    .map((w): [string, WorkStatus] => [w.id, w.status])
    .sort((a, b) => byCodeUnit(a[0], b[0]));
  if (only !== undefined) return { threads, aitl, work: [], trust: { evidence: [], verdicts: 0, self_verdicts_ignored: 0 } };
  const evidence = [...states.trust.evidence.values()]
    .map((e): [string, string, number, number] => [e.actor, e.domain, e.successes, e.trials])
    .sort((a, b) => byCodeUnit(a[0], b[0]) || byCodeUnit(a[1], b[1]));
  return { threads, aitl, work, trust: { evidence, verdicts: states.trust.verdicts, self_verdicts_ignored: states.trust.selfVerdictsIgnored } };
}

/**
 * A sha256 (lowercase hex) over the canonical JSON of {@link convergentState}: two instances
 * holding the same records have equal digests, whatever order the records arrived in. `only`
 * limits it to some threads (those two instances share), without trust and work.
 *
 * @example
 * const same = digestFoldedState({ threads, aitl, work, trust }) === remoteDigest;
 */
export function digestFoldedState(states: FoldedStates, only?: ReadonlySet<string>): string {
  const json = canonicalJson(convergentState(states, only));
  // The projection holds strings and finite counts only; a failure here is a bug.
  if (!json.ok) throw new Error(`folded state has no canonical form: ${json.error.message}`);
  return createHash('sha256').update(json.value).digest('hex');
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
