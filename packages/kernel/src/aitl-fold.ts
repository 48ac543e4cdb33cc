import type { StoredRecord } from '@syncropel/algebra';

/** A decision waiting for an actor: a KNOW with `awaits: "actor_decision"` not yet fulfilled or cancelled. */
export interface PendingDecision {
  readonly id: string;
  readonly thread: string;
  readonly actor: string;
  readonly seq: number;
  readonly requested_at: number;
}

/** Pending decisions by request id; answered ones are removed (state = fold(records)). */
export type AitlState = Map<string, PendingDecision>;

/** Folds one record: a request adds, a DO (or KNOW) with `fulfills`/`cancels` naming it resolves. */
export function stepAitl(state: AitlState, r: StoredRecord): AitlState {
  if (r.act === 'KNOW' && r.body.awaits === 'actor_decision') {
    state.set(r.id, { id: r.id, thread: r.thread, actor: r.actor, seq: r.seq, requested_at: r.ingested_at });
  }
  for (const ref of [r.body.fulfills, r.body.cancels]) if (typeof ref === 'string') state.delete(ref);
  return state;
}
