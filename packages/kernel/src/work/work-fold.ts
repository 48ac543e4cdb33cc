import { isReservedThread, type StoredRecord } from '@syncropel/algebra';

/** Where a record that asked for work stands. */
export type WorkStatus = 'pending' | 'awaiting_decision';

/** A record that asked for work and has no outcome yet. */
export interface WorkItem {
  readonly id: string;
  readonly thread: string;
  readonly seq: number;
  readonly status: WorkStatus;
  /** Set by an approved decision: dispatch straight to this actor. */
  readonly target?: string;
  /** The AITL request waiting on a decision for it. */
  readonly request?: string;
}

/**
 * Outstanding work: state = fold(records). An item is removed once anything answers it — a
 * KNOW or DO that `fulfills` it, one that `cancels` it, or an engine notice that `handles` it —
 * so after a crash, a restart re-dispatches exactly the work that has no outcome in the log.
 *
 * `ready` lists ids that became dispatchable, in log order; the reconciler drains it.
 */
export interface WorkState {
  readonly items: Map<string, WorkItem>;
  /** AITL request id → the work item it decides. */
  readonly requests: Map<string, string>;
  ready: string[];
}

/** A fresh, empty work state. */
export function emptyWork(): WorkState {
  return { items: new Map(), requests: new Map(), ready: [] };
}

/**
 * Whether a record asks for work: a user INTEND or DO, not on a reserved thread, not marked
 * `dispatch_handled`, not itself an answer (`fulfills`/`cancels`), and not written by the engine
 * (so the engine's own records never cascade into more work).
 */
export function asksForWork(r: StoredRecord, engineActor: string): boolean {
  if (r.act !== 'INTEND' && r.act !== 'DO') return false;
  if (isReservedThread(r.thread) || r.actor === engineActor) return false;
  const b = r.body;
  return b.dispatch_handled !== true && b.fulfills === undefined && b.cancels === undefined;
}

/** Folds one record into the work state (in place; the fold owns its state). */
export function stepWork(state: WorkState, r: StoredRecord, engineActor: string): WorkState {
  const b = r.body;
  if (asksForWork(r, engineActor)) {
    state.items.set(r.id, { id: r.id, thread: r.thread, seq: r.seq, status: 'pending' });
    state.ready.push(r.id);
    return state;
  }
  if (r.act === 'KNOW' && b.awaits === 'actor_decision' && typeof b.handles === 'string') {
    const item = state.items.get(b.handles);
    if (item) {
      state.items.set(item.id, { ...item, status: 'awaiting_decision', request: r.id, ...(typeof b.target === 'string' ? { target: b.target } : {}) });
      state.requests.set(r.id, item.id);
    }
    return state;
  }
  if (typeof b.fulfills === 'string') {
    const decided = state.requests.get(b.fulfills);
    if (decided !== undefined && r.act === 'DO') {
      // An approval: dispatch the original, to the target the decision names (or the proposed one).
      state.requests.delete(b.fulfills);
      const item = state.items.get(decided);
      if (item) {
        const target = typeof b.target === 'string' ? b.target : item.target;
        state.items.set(decided, { id: item.id, thread: item.thread, seq: item.seq, status: 'pending', ...(target ? { target } : {}) });
        state.ready.push(decided);
      }
    } else state.items.delete(b.fulfills);
  }
  if (typeof b.cancels === 'string') {
    const decided = state.requests.get(b.cancels);
    state.requests.delete(b.cancels);
    state.items.delete(decided ?? b.cancels);
  }
  if (typeof b.handles === 'string' && r.act === 'KNOW' && b.awaits === undefined) state.items.delete(b.handles);
  return state;
}
