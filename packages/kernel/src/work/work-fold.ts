import { isReservedThread, type StoredRecord } from '@syncropel/algebra';
import { rememberEarly } from '../early-answers.js';

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
  /** The AITL request that decides it: waiting for a decision, or approved (a later cancel still withdraws it). */
  readonly request?: string;
}

/**
 * What answers seen before their target said about it. Any of them (`fulfills`, `cancels`, a
 * `handles` notice) answers the target if it turns out to be work; if it turns out to be an AITL
 * request, `cancels` rejects it and `approves` (a DO `fulfills`) approves it.
 */
export interface EarlyAnswer {
  readonly cancels: boolean;
  readonly approves: boolean;
  /** The target the first approval named, if any. */
  readonly target?: string;
}

/**
 * Outstanding work: state = fold(records). An item is removed once anything answers it — a
 * KNOW or DO that `fulfills` it, one that `cancels` it, or an engine notice that `handles` it —
 * so after a crash, a restart re-dispatches exactly the work that has no outcome in the log.
 *
 * Invariants, whatever order the records arrived in as long as parents came first (within
 * MAX_EARLY_ANSWERS early answers): an item is outstanding iff it asked for work, nothing answers
 * it and no `cancels` names its AITL request; it is `pending` when it has no request or a DO
 * approved it, else `awaiting_decision`. A cancel wins over an approval. `early` holds answers
 * whose target was neither outstanding work nor a known request when they arrived, oldest first.
 * (A request is assumed to list the work it handles among its parents, as the engine writes it.)
 *
 * `ready` lists ids that became dispatchable, in log order; the reconciler drains it.
 */
export interface WorkState {
  readonly items: Map<string, WorkItem>;
  /** AITL request id → the work item it decides, while that item is outstanding. */
  readonly requests: Map<string, string>;
  /** Answers seen before their target, by target id. */
  readonly early: Map<string, EarlyAnswer>;
  ready: string[];
}

/** A fresh, empty work state. */
export function emptyWork(): WorkState {
  return { items: new Map(), requests: new Map(), early: new Map(), ready: [] };
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
  // Whatever this record is, answers remembered for it are no longer early.
  const early = state.early.get(r.id);
  if (early) state.early.delete(r.id);
  if (asksForWork(r, engineActor)) {
    // Already answered (the answer came first, from another instance): it never becomes work.
    if (early) return state;
    state.items.set(r.id, { id: r.id, thread: r.thread, seq: r.seq, status: 'pending' });
    state.ready.push(r.id);
    return state;
  }
  if (r.act === 'KNOW' && b.awaits === 'actor_decision' && typeof b.handles === 'string') {
    const item = state.items.get(b.handles);
    if (!item) return state;
    if (early?.cancels) {
      endItem(state, item.id);
      return state;
    }
    state.items.set(item.id, { ...item, status: 'awaiting_decision', request: r.id, ...(typeof b.target === 'string' ? { target: b.target } : {}) });
    state.requests.set(r.id, item.id);
    if (early?.approves) approve(state, r.id, early.target);
    return state;
  }
  if (typeof b.fulfills === 'string') {
    if (state.requests.has(b.fulfills)) {
      // Only a DO decides; a KNOW citing the request leaves it waiting.
      if (r.act === 'DO') approve(state, b.fulfills, typeof b.target === 'string' ? b.target : undefined);
    } else if (!endItem(state, b.fulfills)) {
      remember(state, b.fulfills, { cancels: false, approves: r.act === 'DO', ...(r.act === 'DO' && typeof b.target === 'string' ? { target: b.target } : {}) });
    }
  }
  if (typeof b.cancels === 'string') {
    const decided = state.requests.get(b.cancels);
    state.requests.delete(b.cancels);
    if (!endItem(state, decided ?? b.cancels) && decided === undefined) remember(state, b.cancels, { cancels: true, approves: false });
  }
  if (typeof b.handles === 'string' && r.act === 'KNOW' && b.awaits === undefined && !state.requests.has(b.handles) && !endItem(state, b.handles)) {
    remember(state, b.handles, { cancels: false, approves: false });
  }
  return state;
}

/** Approves the work `request` decides, once: it becomes pending again, for `target` or the proposed one. */
function approve(state: WorkState, request: string, target: string | undefined): void {
  const id = state.requests.get(request) as string;
  const item = state.items.get(id);
  // A second approval (of this or an older request) changes nothing: the first one's target stands.
  if (!item || item.status !== 'awaiting_decision') return;
  const to = target ?? item.target;
  state.items.set(id, { id, thread: item.thread, seq: item.seq, status: 'pending', request, ...(to ? { target: to } : {}) });
  state.ready.push(id);
}

/** Removes an outstanding item and the link from its request; false when `id` is no outstanding item. */
function endItem(state: WorkState, id: string): boolean {
  const item = state.items.get(id);
  if (!item) return false;
  state.items.delete(id);
  if (item.request !== undefined) state.requests.delete(item.request);
  return true;
}

/** Merges an answer into what is remembered for a target not seen yet (bounded: see MAX_EARLY_ANSWERS). */
function remember(state: WorkState, target: string, answer: EarlyAnswer): void {
  const known = state.early.get(target);
  const merged: EarlyAnswer = known
    ? { cancels: known.cancels || answer.cancels, approves: known.approves || answer.approves, ...(known.target !== undefined ? { target: known.target } : answer.target !== undefined ? { target: answer.target } : {}) }
    : answer;
  rememberEarly(state.early, target, merged);
}
