import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadIdFor, type JsonObject } from '@syncropel/algebra';
import { createAuth } from '@syncropel/auth';
import { createKernel, type FoldSnapshot, type FoldSnapshotStore, type Kernel } from '@syncropel/kernel';
import { openSqliteLogStore, type SqliteLogStore } from '@syncropel/log-sqlite';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TOKEN_KEY } from '../test/auth-harness.js';

// Live state = fold(records), whichever way it is reached: folded record by record as writes
// commit, rebuilt from the whole log at start, or restored from a fold snapshot and folded on
// from there. Checked for every built-in fold and the auth registry, on the SQLite store.

const ENGINE = `did:sync:instance:${'5e'.repeat(32)}`;
const USERS = ['did:sync:user:ann', 'did:sync:user:bo', 'did:sync:agent:cy'];
const THREADS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'].map((t) => threadIdFor(`property-${t}`));
const CONFIG = 'th_engine_config';
const ACCOUNTS = 'th_service_accounts';
const root = mkdtempSync(join(tmpdir(), 'spl-live-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** One step of a random history; `pick` chooses among earlier records where it needs one. */
type Step =
  | { kind: 'ask'; act: 'INTEND' | 'DO'; user: number; thread: number }
  | { kind: 'answer'; how: 'fulfills' | 'cancels' | 'handles'; pick: number; user: number }
  | { kind: 'request'; pick: number; expires: boolean }
  | { kind: 'decide'; approve: boolean; pick: number; target: boolean }
  | { kind: 'verdict'; user: number; subject: number; ok: boolean; domain: number }
  | { kind: 'config'; topic: number; value: number; retract: boolean }
  | { kind: 'account'; sa: number; revoke: boolean; scopes: number }
  | { kind: 'token'; sa: number; token: number; revoke: boolean; keyed: boolean }
  | { kind: 'cors'; origins: number }
  | { kind: 'fact'; user: number; thread: number; note: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('ask' as const), act: fc.constantFrom('INTEND' as const, 'DO' as const), user: fc.nat(2), thread: fc.nat(7) }),
  fc.record({ kind: fc.constant('answer' as const), how: fc.constantFrom('fulfills' as const, 'cancels' as const, 'handles' as const), pick: fc.nat(), user: fc.nat(2) }),
  fc.record({ kind: fc.constant('request' as const), pick: fc.nat(), expires: fc.boolean() }),
  fc.record({ kind: fc.constant('decide' as const), approve: fc.boolean(), pick: fc.nat(), target: fc.boolean() }),
  fc.record({ kind: fc.constant('verdict' as const), user: fc.nat(2), subject: fc.nat(2), ok: fc.boolean(), domain: fc.nat(1) }),
  fc.record({ kind: fc.constant('config' as const), topic: fc.nat(3), value: fc.integer({ min: 1, max: 64 }), retract: fc.boolean() }),
  fc.record({ kind: fc.constant('account' as const), sa: fc.nat(2), revoke: fc.boolean(), scopes: fc.nat(2) }),
  fc.record({ kind: fc.constant('token' as const), sa: fc.nat(2), token: fc.nat(3), revoke: fc.boolean(), keyed: fc.boolean() }),
  fc.record({ kind: fc.constant('cors' as const), origins: fc.nat(2) }),
  fc.record({ kind: fc.constant('fact' as const), user: fc.nat(2), thread: fc.nat(3), note: fc.string({ maxLength: 12 }) }),
);

/** A fold snapshot store in memory: hands out `initial` once, keeps what is written. */
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

/** Writes one step with the kernel's own authority (every field allowed, clocks chosen by the kernel). */
async function apply(kernel: Kernel, s: Step, asks: { id: string; thread: string }[], requests: { id: string; thread: string }[]): Promise<void> {
  const pickFrom = <T>(list: T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
  switch (s.kind) {
    case 'ask': {
      const thread = THREADS[s.thread] as string;
      const r = await kernel.emit(USERS[s.user] as string, { thread, act: s.act, body: { task: `t${asks.length}` } });
      asks.push({ id: r.record.id, thread });
      return;
    }
    case 'answer': {
      const target = pickFrom(asks, s.pick);
      if (!target) return;
      const body = s.how === 'handles' ? { handles: target.id, note: 'handled' } : { [s.how]: target.id };
      await kernel.emit(s.how === 'handles' ? ENGINE : (USERS[s.user] as string), { thread: target.thread, act: s.how === 'cancels' ? 'DO' : 'KNOW', parents: [target.id], body });
      return;
    }
    case 'request': {
      const target = pickFrom(asks, s.pick);
      if (!target) return;
      const body = { awaits: 'actor_decision', handles: target.id, target: USERS[2] as string, rule: 'needs-review', ...(s.expires ? { expires_at: '2030-01-01T00:00:00.000Z' } : {}) };
      const r = await kernel.emit(ENGINE, { thread: target.thread, act: 'KNOW', parents: [target.id], body });
      requests.push({ id: r.record.id, thread: target.thread });
      return;
    }
    case 'decide': {
      const request = pickFrom(requests, s.pick);
      if (!request) return;
      const body: JsonObject = s.approve ? { fulfills: request.id, decision: 'approve', ...(s.target ? { target: USERS[1] as string } : {}) } : { cancels: request.id, decision: 'reject' };
      await kernel.emit(USERS[0] as string, { thread: request.thread, act: 'DO', parents: [request.id], body });
      return;
    }
    case 'verdict':
      await kernel.emit(USERS[s.user] as string, { thread: THREADS[0] as string, act: 'KNOW', body: { verdict: s.ok ? 'success' : 'failure', domain: ['code', 'ops'][s.domain] as string, subject: USERS[s.subject] as string } });
      return;
    case 'config': {
      const [topic, body] = [
        ['tick_interval', { seconds: s.value }],
        ['dispatch', { concurrency: s.value }],
        ['stall_window', { seconds: s.value * 60 }],
        ['routing_rule', { expression: `record.body.n == ${s.value}`, target: USERS[2] as string, priority: s.value }],
      ][s.topic] as [string, object];
      await kernel.emit(ENGINE, { thread: CONFIG, act: 'LEARN', body: { topic, name: `${topic}-${s.value % 3}`, ...(s.retract ? { enabled: false } : body) } });
      return;
    }
    case 'account':
      await kernel.emit(ENGINE, {
        thread: ACCOUNTS,
        act: 'LEARN',
        body: s.revoke ? { topic: 'service_account', sa_id: `sa${s.sa}`, enabled: false } : { topic: 'service_account', sa_id: `sa${s.sa}`, scopes: [['records:read'], ['records:write'], ['admin']][s.scopes] as string[], at: `2026-01-0${s.sa + 1}` },
      });
      return;
    case 'token': {
      const hash = `${String(s.token).repeat(64)}`.slice(0, 64);
      const body: JsonObject = s.revoke
        ? { topic: 'token', token_id: `tok${s.token}`, enabled: false }
        : { topic: 'token', token_id: `tok${s.token}`, sa_id: `sa${s.sa}`, scopes: ['records:read'], ...(s.keyed ? { secret_hmac: hash, key_id: 'k1' } : { secret_sha256: hash }), at: '2026-01-01' };
      await kernel.emit(ENGINE, { thread: ACCOUNTS, act: 'LEARN', body });
      return;
    }
    case 'cors':
      await kernel.emit(ENGINE, { thread: CONFIG, act: 'LEARN', body: { topic: 'auth_cors_origins', name: 'default', origins: ['https://a.example', 'https://b.example'].slice(0, s.origins) } });
      return;
    case 'fact':
      await kernel.emit(USERS[s.user] as string, { thread: THREADS[s.thread] as string, act: 'KNOW', body: { note: s.note } });
      return;
  }
}

// Closed threads leave memory after a few records here, so streams this short exercise it.
const EVICT_SOON = { every: 4, quiet: 6 };
const NEVER_EVICT = { every: 1e12, quiet: 1e12 };

/** A kernel with auth attached, as the daemon builds it, over `store` with `snapshots`. */
async function boot(store: SqliteLogStore, snapshots: FoldSnapshotStore, threadEviction = EVICT_SOON): Promise<Kernel> {
  const kernel = createKernel({ store, actor: ENGINE, foldSnapshot: snapshots, threadEviction });
  createAuth({ kernel, actor: ENGINE, tokenKey: TOKEN_KEY, auditWindowMs: 0 });
  await kernel.start();
  return kernel;
}

/** Every live state of a kernel, encoded as a fold snapshot holds it. */
async function statesOf(kernel: Kernel, into: ReturnType<typeof captured>): Promise<FoldSnapshot> {
  const outcome = await kernel.saveFoldSnapshot();
  expect(outcome.saved).toBe(true);
  return into.last() as FoldSnapshot;
}

let run = 0;
let evictedRuns = 0;
describe('live state is the same however it is reached', () => {
  it('incremental == full rebuild == fold snapshot + tail, for every built-in fold and the auth registry', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 30, maxLength: 120, size: 'max' }), fc.nat(), async (steps, cutAt) => {
        const store = openSqliteLogStore({ path: join(root, `run-${++run}.db`) });
        try {
          const cut = 1 + (cutAt % (steps.length - 1));
          const live = captured();
          const k1 = await boot(store, live);
          const asks: { id: string; thread: string }[] = [];
          const requests: { id: string; thread: string }[] = [];
          let mid: FoldSnapshot | undefined;
          // Something is folded before any cut, so there is a position to snapshot.
          await apply(k1, { kind: 'fact', user: 0, thread: 0, note: 'first' }, asks, requests);
          for (const [i, s] of steps.entries()) {
            if (i === cut) mid = await statesOf(k1, live);
            await apply(k1, s, asks, requests);
          }
          const incremental = await statesOf(k1, live);
          await k1.stop();

          const rebuiltInto = captured();
          const k2 = await boot(store, rebuiltInto);
          expect(k2.healthDetails().fold_snapshot.loaded_seq).toBeNull();
          const rebuilt = await statesOf(k2, rebuiltInto);

          // Threads that left memory are served from the store exactly as if they had stayed.
          const k4 = await boot(store, captured(), NEVER_EVICT);
          expect(await k2.threads()).toEqual(await k4.threads());
          for (const t of THREADS) {
            expect(await k2.thread(t)).toEqual(await k4.thread(t));
            for (const u of [...USERS, ENGINE]) expect(await k2.lastClock(u, t)).toBe(await k4.lastClock(u, t));
          }
          const all = async (k: Kernel) => {
            const seen = [];
            for (let page = await k.threadsPage({ limit: 2 }); ; page = await k.threadsPage({ limit: 2, cursor: Number(page.next_cursor) })) {
              seen.push(...page.data);
              if (page.next_cursor === null) return seen;
            }
          };
          expect(await all(k2)).toEqual(await all(k4));
          expect(await k2.threadsPage({ limit: 10, status: 'closed' })).toEqual(await k4.threadsPage({ limit: 10, status: 'closed' }));
          await k4.stop();
          await k2.stop();

          const resumedInto = captured(mid);
          const k3 = await boot(store, resumedInto);
          const used = k3.healthDetails().fold_snapshot;
          expect(used.ignored).toBeNull();
          expect(used.loaded_seq).toBe((mid as FoldSnapshot).head.seq);
          expect(used.tail_records).toBe(incremental.records - (mid as FoldSnapshot).records);
          const resumed = await statesOf(k3, resumedInto);
          await k3.stop();

          if ((incremental.states.threads as unknown[]).some((t) => Array.isArray(t))) evictedRuns++;
          for (const other of [rebuilt, resumed]) {
            expect(other.head).toEqual(incremental.head);
            expect(other.records).toBe(incremental.records);
            expect(other.states).toEqual(incremental.states);
          }
        } finally {
          await store.close();
        }
      }),
      { numRuns: 30 },
    );
    // The histories did make closed threads leave memory (and come back), not just stay put.
    expect(evictedRuns).toBeGreaterThan(3);
  }, 120_000);
});
