import type { AitlState, PendingDecision } from './aitl-fold.js';
import type { ConfigEntry, ConfigState } from './config-fold.js';
import type { FoldCodec } from './fold-snapshot.js';
import type { ThreadState, ThreadsState } from './thread-fold.js';
import type { Evidence, TrustState } from './trust-fold.js';
import type { EarlyAnswer, WorkItem, WorkState } from './work/work-fold.js';

// Maps are written as arrays of values (their keys derive from the values) or of entries.

/** Config entries, keyed again by (topic, name) on the way back. */
export const configCodec: FoldCodec<ConfigState> = {
  version: 'config/1',
  encode: (s) => ({ entries: [...s.entries.values()], skipped: s.skipped, lastProblem: s.lastProblem }),
  decode: (j) => {
    const e = j as { entries: ConfigEntry[]; skipped: number; lastProblem: string | null };
    return { entries: new Map(e.entries.map((x) => [`${x.topic}\u0000${x.name}`, x])), skipped: e.skipped, lastProblem: e.lastProblem };
  },
};

/** The evidence table, keyed again by (subject, domain). */
export const trustCodec: FoldCodec<TrustState> = {
  version: 'trust/1',
  encode: (s) => ({ evidence: [...s.evidence.values()], verdicts: s.verdicts, selfVerdictsIgnored: s.selfVerdictsIgnored }),
  decode: (j) => {
    const e = j as { evidence: Evidence[]; verdicts: number; selfVerdictsIgnored: number };
    return { evidence: new Map(e.evidence.map((x) => [`${x.actor}\u0000${x.domain}`, x])), verdicts: e.verdicts, selfVerdictsIgnored: e.selfVerdictsIgnored };
  },
};

/** Threads in first-appearance order (the map's order); one whose state left memory as [id, first_seq]. */
export const threadsCodec: FoldCodec<ThreadsState> = {
  version: 'threads/2',
  encode: (s) => [...s].map(([id, t]) => (typeof t === 'number' ? [id, t] : t)),
  decode: (j) => new Map<string, ThreadState | number>((j as (ThreadState | [string, number])[]).map((t): [string, ThreadState | number] => (Array.isArray(t) ? t : [t.thread, t]))),
};

/** Pending decisions, keyed again by request id, and the early answers in their order (oldest first). */
export const aitlCodec: FoldCodec<AitlState> = {
  version: 'aitl/2',
  encode: (s) => ({ pending: [...s.values()], early: [...(s.early ?? [])] }),
  decode: (j) => {
    const e = j as { pending: PendingDecision[]; early: string[] };
    const state: AitlState = new Map(e.pending.map((d) => [d.id, d]));
    if (e.early.length > 0) state.early = new Set(e.early);
    return state;
  },
};

/**
 * Outstanding work. `ready` is not written: on the way back every pending item is ready again,
 * in log order, as after a full rebuild (the reconciler dispatches only what is still pending).
 */
export const workCodec: FoldCodec<WorkState> = {
  version: 'work/2',
  encode: (s) => ({ items: [...s.items.values()], requests: [...s.requests], early: [...s.early] }),
  decode: (j) => {
    const e = j as { items: WorkItem[]; requests: [string, string][]; early: [string, EarlyAnswer][] };
    const items = new Map(e.items.map((x) => [x.id, x]));
    const ready = e.items.filter((x) => x.status === 'pending').sort((a, b) => a.seq - b.seq).map((x) => x.id);
    return { items, requests: new Map(e.requests), early: new Map(e.early), ready };
  },
};
