import { isDid, type StoredRecord } from '@syncropel/algebra';
import { trustScore, type TrustScore } from '@syncropel/trust';

/** Evidence about one actor in one domain. */
export interface Evidence {
  readonly actor: string;
  readonly domain: string;
  successes: number;
  trials: number;
  /** ingested_at of the newest verdict, ms since the epoch. */
  last_at: number | null;
}

/** The evidence table: state = fold(verdict KNOWs). Self-verdicts are counted apart and weigh nothing. */
export interface TrustState {
  readonly evidence: Map<string, Evidence>;
  verdicts: number;
  selfVerdictsIgnored: number;
}

/** A row of the trust table as shown to operators. */
export interface TrustRow extends TrustScore {
  readonly actor: string;
  readonly domain: string;
  readonly last_evidence_at: string | null;
}

/** A fresh, empty evidence table. */
export function emptyTrust(): TrustState {
  return { evidence: new Map(), verdicts: 0, selfVerdictsIgnored: 0 };
}

/**
 * Folds a verdict into the evidence table: a KNOW whose body has `verdict` success|failure,
 * a `domain` and the judged actor as `subject`. The judge is `judged_by`, or the author when
 * that is null; a judge judging itself counts for nothing (SPEC §6).
 */
export function stepTrust(state: TrustState, r: StoredRecord): TrustState {
  if (r.act !== 'KNOW') return state;
  const { verdict, domain, subject } = r.body;
  if ((verdict !== 'success' && verdict !== 'failure') || typeof domain !== 'string' || domain === '' || typeof subject !== 'string' || !isDid(subject)) return state;
  const judge = r.judged_by ?? r.actor;
  if (judge === subject) {
    state.selfVerdictsIgnored++;
    return state;
  }
  const key = `${subject}\u0000${domain}`;
  let e = state.evidence.get(key);
  if (!e) {
    e = { actor: subject, domain, successes: 0, trials: 0, last_at: null };
    state.evidence.set(key, e);
  }
  e.trials++;
  if (verdict === 'success') e.successes++;
  e.last_at = Math.max(e.last_at ?? 0, r.ingested_at);
  state.verdicts++;
  return state;
}

/** The trust table at time `now`, optionally filtered, sorted by actor then domain. */
export function trustTable(state: TrustState, now: number, filter: { actor?: string; domain?: string } = {}): TrustRow[] {
  const rows: TrustRow[] = [];
  for (const e of state.evidence.values()) {
    if (filter.actor !== undefined && e.actor !== filter.actor) continue;
    if (filter.domain !== undefined && e.domain !== filter.domain) continue;
    const score = trustScore({ successes: e.successes, trials: e.trials, lastEvidenceAt: e.last_at, now });
    // The fold only ever builds valid counts; a failure here is a bug.
    if (!score.ok) throw new Error(`invalid evidence for ${e.actor}/${e.domain}: ${score.error.message}`);
    rows.push({ actor: e.actor, domain: e.domain, ...score.value, last_evidence_at: e.last_at === null ? null : new Date(e.last_at).toISOString() });
  }
  return rows.sort((a, b) => a.actor.localeCompare(b.actor) || a.domain.localeCompare(b.domain));
}

/** The effective trust of an actor in a domain (the cold-start score when there is no evidence). */
export function trustOf(state: TrustState, actor: string, domain: string, now: number): number {
  const e = state.evidence.get(`${actor}\u0000${domain}`);
  const score = trustScore({ successes: e?.successes ?? 0, trials: e?.trials ?? 0, lastEvidenceAt: e?.last_at ?? null, now });
  return score.ok ? score.value.effective : 0;
}
