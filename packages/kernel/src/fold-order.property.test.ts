import { recordId, threadIdFor, type JsonObject, type LogRecord, type StoredRecord } from '@syncropel/algebra';
import {
  MAX_EARLY_ANSWERS,
  convergentState,
  createKernel,
  digestFoldedState,
  emptyTrust,
  emptyWork,
  stepAitl,
  stepThreads,
  stepTrust,
  stepWork,
  type AitlState,
  type FoldSnapshot,
  type FoldSnapshotStore,
  type FoldedStates,
  type ThreadState,
  type ThreadsState,
} from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Two federated instances receive the same records in different orders: only causal order holds
// (a record's parents come before it), and an answer need not list what it answers among its
// parents. The built-in folds must end in the same state either way.

const ENGINE = `did:sync:instance:${'0e'.repeat(32)}`;
const USERS = ['did:sync:user:ann', 'did:sync:user:bo', 'did:sync:agent:cy'];
const THREADS = ['one', 'two', 'three'].map((t) => threadIdFor(`fold-order-${t}`));

/** A record with its id, before the log gives it a position. */
type Unplaced = LogRecord & { readonly id: string };

/** One step of a random history; `pick` chooses among earlier records, `extra` adds earlier records as parents. */
type Step = { extra: number[] } & (
  | { kind: 'ask'; act: 'INTEND' | 'DO'; user: number; thread: number }
  | { kind: 'act'; act: 'DO' | 'CALL' | 'KNOW' | 'LEARN'; user: number; thread: number }
  | { kind: 'answer'; how: 'fulfills' | 'cancels' | 'handles'; by: 'KNOW' | 'DO'; pick: number; user: number; cite: boolean }
  | { kind: 'request'; pick: number; bare: boolean }
  | { kind: 'decide'; approve: boolean; pick: number; user: number; target: boolean; cite: boolean }
  | { kind: 'verdict'; user: number; subject: number; ok: boolean; domain: number }
);

const user = fc.nat(USERS.length - 1);
const extra = fc.array(fc.nat(), { maxLength: 2 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('ask' as const), act: fc.constantFrom('INTEND' as const, 'DO' as const), user, thread: fc.nat(THREADS.length - 1), extra }),
  fc.record({ kind: fc.constant('act' as const), act: fc.constantFrom('DO' as const, 'CALL' as const, 'KNOW' as const, 'LEARN' as const), user, thread: fc.nat(THREADS.length - 1), extra }),
  fc.record({ kind: fc.constant('answer' as const), how: fc.constantFrom('fulfills' as const, 'cancels' as const, 'handles' as const), by: fc.constantFrom('KNOW' as const, 'DO' as const), pick: fc.nat(), user, cite: fc.boolean(), extra }),
  fc.record({ kind: fc.constant('request' as const), pick: fc.nat(), bare: fc.boolean(), extra }),
  fc.record({ kind: fc.constant('decide' as const), approve: fc.boolean(), pick: fc.nat(), user, target: fc.boolean(), cite: fc.boolean(), extra }),
  fc.record({ kind: fc.constant('verdict' as const), user, subject: user, ok: fc.boolean(), domain: fc.nat(1), extra }),
);

/** A random history: records in an order the log could have written them (targets before answers). */
const history = fc.array(step, { minLength: 1, maxLength: 60, size: 'max' }).map(build);

/** Choices for {@link arrival}: which record, of those whose parents have arrived, comes next. */
const choices = fc.array(fc.nat(), { minLength: 1, maxLength: 60 });

describe('the built-in folds do not depend on arrival order', () => {
  it('two causally valid arrival orders of the same records give equal digests', () => {
    let early = 0;
    fc.assert(
      fc.property(history, choices, choices, (records, a, b) => {
        const first = arrival(records, a);
        const second = arrival(records, b);
        if (answersEarly(second)) early++;
        const [x, y, logOrder] = [foldAll(first), foldAll(second), foldAll(records)];
        expect(convergentState(y)).toEqual(convergentState(x));
        expect(digestFoldedState(y)).toBe(digestFoldedState(x));
        expect(digestFoldedState(logOrder)).toBe(digestFoldedState(x));
      }),
      { numRuns: 300 },
    );
    // The orders did put answers before what they answer, not only after.
    expect(early).toBeGreaterThan(100);
  });

  it('the digest changes when any one record is missing', () => {
    fc.assert(
      fc.property(history, fc.nat(), (records, drop) => {
        fc.pre(records.length > 0);
        const without = records.filter((_, i) => i !== drop % records.length);
        expect(digestFoldedState(foldAll(without))).not.toBe(digestFoldedState(foldAll(records)));
      }),
      { numRuns: 100 },
    );
  });
});

describe('answers and their targets, in either order', () => {
  const thread = THREADS[0] as string;
  const at = (actor: string, act: LogRecord['act'], clock: number, body: JsonObject = {}, parents: string[] = []): Unplaced => withId({ parents, thread, actor, act, body, clock, data_type: 'SCALAR', judged_by: null });
  const ask = at(USERS[0] as string, 'INTEND', 0, { goal: 'deploy' });
  const request = at(ENGINE, 'KNOW', 0, { awaits: 'actor_decision', handles: ask.id, target: USERS[2] as string }, [ask.id]);
  const cancel = at(USERS[1] as string, 'DO', 0, { cancels: request.id, decision: 'reject' });
  const approve = at(USERS[1] as string, 'DO', 1, { fulfills: request.id, decision: 'approve', target: USERS[1] as string });

  it('a late INTEND does not reopen a closed thread', () => {
    const done = at(USERS[1] as string, 'KNOW', 2, { fulfills: ask.id }, [ask.id]);
    const late = at(USERS[0] as string, 'INTEND', 1, { goal: 'again' });
    const inLogOrder = foldAll([ask, done, late]);
    expect([...inLogOrder.threads][0]?.status).toBe('closed');
    expect(digestFoldedState(foldAll([late, ask, done]))).toBe(digestFoldedState(inLogOrder));
    // A DO or CALL after the close does not make it active again either.
    expect([...foldAll([ask, done, at(USERS[2] as string, 'CALL', 0)]).threads][0]?.status).toBe('closed');
  });

  it('a cancel before its request still cancels', () => {
    const early = foldAll([ask, cancel, request]);
    expect([...early.aitl.keys()]).toEqual([]);
    expect([...early.work.items.keys()]).toEqual([]);
    expect(digestFoldedState(early)).toBe(digestFoldedState(foldAll([ask, request, cancel])));
    // Before the cancel arrived, the request was pending and the work waited for it.
    const waiting = foldAll([ask, request]);
    expect([...waiting.aitl.keys()]).toEqual([request.id]);
    expect(waiting.work.items.get(ask.id)?.status).toBe('awaiting_decision');
  });

  it('an approval before its request still approves, for the target it names', () => {
    const early = foldAll([ask, approve, request]);
    expect([...early.aitl.keys()]).toEqual([]);
    expect(early.work.items.get(ask.id)).toMatchObject({ status: 'pending', target: USERS[1], request: request.id });
    expect(early.work.ready).toEqual([ask.id, ask.id]);
    expect(digestFoldedState(early)).toBe(digestFoldedState(foldAll([ask, request, approve])));
  });

  it('a cancel wins over an approval, in either order', () => {
    for (const order of [
      [ask, request, approve, cancel],
      [ask, request, cancel, approve],
      [ask, approve, cancel, request],
      [ask, cancel, request, approve],
    ]) {
      expect([...foldAll(order).work.items.keys()]).toEqual([]);
    }
  });

  it('an answer before the work it answers keeps that work from ever becoming pending', () => {
    for (const answer of [at(USERS[1] as string, 'KNOW', 3, { fulfills: ask.id }), at(USERS[1] as string, 'DO', 3, { cancels: ask.id }), at(ENGINE, 'KNOW', 3, { notice: 'no_route', handles: ask.id })]) {
      const folded = foldAll([answer, ask]);
      expect(folded.work.items.size).toBe(0);
      expect(folded.work.ready).toEqual([]);
      expect(folded.work.early.size).toBe(0);
    }
  });

  it(`remembers at most MAX_EARLY_ANSWERS (${MAX_EARLY_ANSWERS}) early answers, forgetting the oldest first`, () => {
    const aitl: AitlState = new Map();
    const work = emptyWork();
    const hex = (n: number) => n.toString(16).padStart(64, '0');
    const cancels = (n: number) => ({ act: 'DO', body: { cancels: hex(n) }, id: hex(n + 1e9), thread, seq: n + 1 }) as unknown as StoredRecord;
    for (let n = 0; n <= MAX_EARLY_ANSWERS; n++) {
      stepAitl(aitl, cancels(n));
      stepWork(work, cancels(n), ENGINE);
    }
    expect(aitl.early?.size).toBe(MAX_EARLY_ANSWERS);
    expect(work.early.size).toBe(MAX_EARLY_ANSWERS);
    const requestFor = (n: number) => ({ act: 'KNOW', body: { awaits: 'actor_decision' }, id: hex(n), thread, actor: ENGINE, seq: 2e9 + n, ingested_at: 0 }) as unknown as StoredRecord;
    // The oldest answer was forgotten, so its request stays pending; the next one is still cancelled.
    stepAitl(aitl, requestFor(0));
    stepAitl(aitl, requestFor(1));
    expect([...aitl.keys()]).toEqual([hex(0)]);
  });

  it('early answers survive a fold snapshot: resumed from one, the kernel folds on as a full rebuild does', async () => {
    const store = createMemoryLogStore();
    const saved = captured();
    const k1 = createKernel({ store, actor: ENGINE, foldSnapshot: saved });
    await k1.start();
    const work = (await k1.emit(USERS[0] as string, { thread, act: 'INTEND', body: { goal: 'deploy' } })).record;
    // The request the engine will write for it (its first record on the thread: clock 0), known by id in advance.
    const body = { awaits: 'actor_decision', handles: work.id };
    const requestId = recordId({ parents: [work.id], thread, actor: ENGINE, act: 'KNOW', body, clock: 0, data_type: 'SCALAR', judged_by: null });
    await k1.emit(USERS[1] as string, { thread, act: 'DO', body: { cancels: requestId } });
    await k1.stop();

    const resumedInto = captured(saved.last());
    const k2 = createKernel({ store, actor: ENGINE, foldSnapshot: resumedInto });
    await k2.start();
    expect(k2.healthDetails().fold_snapshot).toMatchObject({ loaded_seq: 2, tail_records: 0, ignored: null });
    expect((await k2.emit(ENGINE, { thread, act: 'KNOW', parents: [work.id], body })).record.id).toBe(requestId);
    expect(k2.pendingDecisions()).toEqual([]);
    await k2.saveFoldSnapshot();
    await k2.stop();

    const rebuiltInto = captured();
    const k3 = createKernel({ store, actor: ENGINE, foldSnapshot: rebuiltInto });
    await k3.start();
    expect(k3.healthDetails().fold_snapshot.loaded_seq).toBeNull();
    await k3.saveFoldSnapshot();
    await k3.stop();
    const states = (rebuiltInto.last() as FoldSnapshot).states;
    expect((resumedInto.last() as FoldSnapshot).states).toEqual(states);
    expect(states.aitl).toEqual({ pending: [], early: [] });
    expect(states.work).toMatchObject({ items: [], early: [] });
  });
});

/** Builds the records of a history in log order, with ids and clocks as the log would hold them. */
function build(steps: Step[]): Unplaced[] {
  const records: Unplaced[] = [];
  const asks: Unplaced[] = [];
  const requested = new Set<string>();
  const requests: Unplaced[] = [];
  const clocks = new Map<string, number>();
  const pickFrom = <T>(list: T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
  const add = (s: Step, actor: string, thread: string, act: LogRecord['act'], body: JsonObject, cite: (string | undefined)[] = []): Unplaced => {
    const key = `${actor} ${thread}`;
    const clock = (clocks.get(key) ?? -1) + 1;
    clocks.set(key, clock);
    const parents = [...new Set([...cite, ...s.extra.map((n) => pickFrom(records, n)?.id)].filter((p): p is string => p !== undefined))].sort();
    const r = withId({ parents, thread, actor, act, body, clock, data_type: 'SCALAR', judged_by: null });
    records.push(r);
    return r;
  };
  for (const s of steps) {
    switch (s.kind) {
      case 'ask':
        asks.push(add(s, USERS[s.user] as string, THREADS[s.thread] as string, s.act, { task: `t${asks.length}` }));
        break;
      case 'act':
        add(s, USERS[s.user] as string, THREADS[s.thread] as string, s.act, { note: s.act });
        break;
      case 'answer': {
        const target = pickFrom(records, s.pick);
        if (!target) break;
        // A `handles` notice is the engine's; the others are anyone's, with or without the target as a parent.
        if (s.how === 'handles') add(s, ENGINE, target.thread, 'KNOW', { notice: 'handled', handles: target.id }, s.cite ? [target.id] : []);
        else add(s, USERS[s.user] as string, target.thread, s.how === 'cancels' ? 'DO' : s.by, { [s.how]: target.id }, s.cite ? [target.id] : []);
        break;
      }
      case 'request': {
        // As the engine writes it: one per piece of work, citing it. A bare one decides nothing in particular.
        const target = pickFrom(
          asks.filter((a) => !requested.has(a.id)),
          s.pick,
        );
        if (s.bare || !target) {
          requests.push(add(s, ENGINE, target?.thread ?? (THREADS[0] as string), 'KNOW', { awaits: 'actor_decision', rule: 'bare' }));
          break;
        }
        requested.add(target.id);
        requests.push(add(s, ENGINE, target.thread, 'KNOW', { awaits: 'actor_decision', handles: target.id, target: USERS[2] as string }, [target.id]));
        break;
      }
      case 'decide': {
        const request = pickFrom(requests, s.pick);
        if (!request) break;
        const body: JsonObject = s.approve ? { fulfills: request.id, decision: 'approve', ...(s.target ? { target: USERS[1] as string } : {}) } : { cancels: request.id, decision: 'reject' };
        add(s, USERS[s.user] as string, request.thread, 'DO', body, s.cite ? [request.id] : []);
        break;
      }
      case 'verdict':
        add(s, USERS[s.user] as string, THREADS[0] as string, 'KNOW', { verdict: s.ok ? 'success' : 'failure', domain: ['code', 'ops'][s.domain] as string, subject: USERS[s.subject] as string });
        break;
    }
  }
  return records;
}

/**
 * One causally valid arrival order: each next record is chosen among those whose parents have all
 * arrived; about half the time the newest of them, so answers often overtake what they answer.
 */
function arrival(records: readonly Unplaced[], choices: readonly number[]): Unplaced[] {
  const arrived = new Set<string>();
  const waiting = [...records];
  const out: Unplaced[] = [];
  for (let i = 0; waiting.length > 0; i++) {
    const ready = waiting.filter((r) => r.parents.every((p) => arrived.has(p)));
    const next = ready[Math.min((choices[i % choices.length] as number) % (2 * ready.length), ready.length - 1)] as Unplaced;
    waiting.splice(waiting.indexOf(next), 1);
    arrived.add(next.id);
    out.push(next);
  }
  return out;
}

/** Whether some answer arrives before the record it answers. */
function answersEarly(order: readonly Unplaced[]): boolean {
  const seen = new Set<string>();
  const ids = new Set(order.map((r) => r.id));
  for (const r of order) {
    for (const ref of [r.body.fulfills, r.body.cancels, r.body.handles]) if (typeof ref === 'string' && ids.has(ref) && !seen.has(ref)) return true;
    seen.add(r.id);
  }
  return false;
}

/** Folds records in the order given through the real step functions; the log positions follow that order. */
function foldAll(records: readonly Unplaced[]): FoldedStates & { aitl: AitlState; work: ReturnType<typeof emptyWork> } {
  const threads: ThreadsState = new Map();
  const aitl: AitlState = new Map();
  const work = emptyWork();
  const trust = emptyTrust();
  records.forEach((r, n) => {
    const stored: StoredRecord = { ...r, seq: n + 1, ingested_at: 1_700_000_000_000 + n };
    stepThreads(threads, stored);
    stepAitl(aitl, stored);
    stepWork(work, stored, ENGINE);
    stepTrust(trust, stored);
  });
  return { threads: [...threads.values()] as ThreadState[], aitl, work, trust };
}

function withId(r: LogRecord): Unplaced {
  return { ...r, id: recordId(r) };
}

/** A fold snapshot store in memory: hands out `initial`, keeps what is written. */
function captured(initial?: FoldSnapshot): FoldSnapshotStore & { last(): FoldSnapshot | undefined } {
  let last: FoldSnapshot | undefined;
  return {
    description: 'memory',
    read: async () => initial,
    write: async (s) => {
      last = JSON.parse(JSON.stringify(s)) as FoldSnapshot;
    },
    last: () => last,
  };
}
