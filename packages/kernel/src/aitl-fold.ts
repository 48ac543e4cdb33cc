import type { StoredRecord } from '@syncropel/algebra';
import { rememberEarlyId } from './early-answers.js';

/** A decision waiting for an actor: a KNOW with `awaits: "actor_decision"` not yet fulfilled or cancelled. */
export interface PendingDecision {
  readonly id: string;
  readonly thread: string;
  readonly actor: string;
  readonly seq: number;
  readonly requested_at: number;
  /** ms since the epoch after which the engine cancels it, when the request names one. */
  readonly expires_at: number | null;
  /** The work item it decides, and the proposed target, when the engine asked. */
  readonly handles: string | null;
  readonly target: string | null;
  readonly rule: string | null;
}

/**
 * Pending decisions by request id; answered ones are removed (state = fold(records)).
 *
 * Invariants: a request is pending iff it arrived and no DO with `fulfills` or `cancels` naming it
 * did, whatever order the two arrived in (within MAX_EARLY_ANSWERS early answers). `early` holds the
 * targets of DO answers that named no pending request, oldest first: answers that may have come
 * before their request (from another instance); it is created on the first such answer, so a
 * plain `new Map()` is an empty state. The map's own entries are the pending decisions only.
 */
export type AitlState = Map<string, PendingDecision> & { early?: Set<string> };

/** Folds one record: a request adds; a DO with `fulfills` (approve) or `cancels` (reject) naming it resolves it. */
export function stepAitl(state: AitlState, r: StoredRecord): AitlState {
  // Whatever this record is, an answer remembered for it is no longer early.
  const answeredEarly = state.early?.delete(r.id) ?? false;
  if (r.act === 'KNOW' && r.body.awaits === 'actor_decision' && !answeredEarly) {
    const expires = typeof r.body.expires_at === 'string' ? Date.parse(r.body.expires_at) : NaN;
    state.set(r.id, {
      id: r.id,
      thread: r.thread,
      actor: r.actor,
      seq: r.seq,
      requested_at: r.ingested_at,
      expires_at: Number.isNaN(expires) ? null : expires,
      handles: typeof r.body.handles === 'string' ? r.body.handles : null,
      target: typeof r.body.target === 'string' ? r.body.target : null,
      rule: typeof r.body.rule === 'string' ? r.body.rule : null,
    });
  }
  // Only a DO decides (SPEC §4); a KNOW citing the request leaves it pending, as the work fold does.
  if (r.act === 'DO') {
    for (const ref of [r.body.fulfills, r.body.cancels]) {
      if (typeof ref !== 'string' || state.delete(ref)) continue;
      rememberEarlyId((state.early ??= new Set()), ref);
    }
  }
  return state;
}
