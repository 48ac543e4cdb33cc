import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadIdFor } from '@syncropel/algebra';
import { createKernel, type Kernel } from '@syncropel/kernel';
import { openPostgresLogStore, type PostgresLogStore } from '@syncropel/log-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from '../../../tooling/postgres-cluster.mjs';

// Several kernels on one PostgreSQL log, in one process: each follows the others' commits, the
// database settles ids and clocks, and exactly one leads the loops.

const ENGINE = `did:sync:instance:${'cd'.repeat(32)}`;
const dir = mkdtempSync(join(tmpdir(), 'spl-shared-'));
let cluster: PostgresCluster;
const open: (PostgresLogStore | Kernel)[] = [];

beforeAll(async () => {
  cluster = await startPostgresCluster();
}, 60_000);
afterAll(async () => {
  for (const x of open.reverse()) await ('ingest' in x ? x.stop() : x.close()).catch(() => undefined);
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function kernelsOn(url: string, n: number): Promise<Kernel[]> {
  const kernels: Kernel[] = [];
  for (let i = 0; i < n; i++) {
    const store = await openPostgresLogStore({ url, leaderPollMs: 100 });
    const kernel = createKernel({ store, actor: ENGINE, workLoop: true, dispatchGraceMs: 5000, onError: () => undefined });
    open.push(store, kernel);
    kernels.push(kernel);
  }
  await Promise.all(kernels.map((k) => k.start()));
  return kernels;
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Everything folded, in a form that does not depend on when it is read. */
async function folded(k: Kernel) {
  const threads = (await k.threads()).sort((a, b) => a.thread.localeCompare(b.thread));
  const trust = k.trust().map(({ actor, domain, successes, trials }) => ({ actor, domain, successes, trials }));
  return { head: k.health().head_seq, records: k.health().record_count, config: k.config(), threads, trust, aitl: k.pendingDecisions() };
}

let clock = 0;
const learn = (body: object) => ({ parents: [], thread: 'th_engine_config', actor: 'did:sync:user:admin', act: 'LEARN', body, clock: clock++, data_type: 'SCALAR' });
const rec = (thread: string, actor: string, act = 'KNOW', body: object = {}, c = clock++) => ({ parents: [], thread: threadIdFor(thread), actor, act, body, clock: c, data_type: 'SCALAR' });

describe('kernels sharing one PostgreSQL log', () => {
  it('converge under concurrent writers, dispatch each piece of work once from the one leader, and hand the lead over', async () => {
    const url = await cluster.createDatabase();
    const kernels = await kernelsOn(url, 3);
    await waitFor(() => kernels.filter((k) => k.health().leader).length === 1, 'exactly one leader');

    // Work goes to an exec adapter that logs each dispatch's thread: a second dispatch would show.
    const runs = join(dir, 'runs.log');
    const adapter = `read -r line; echo "$line" | grep -o 'th_[0-9a-f]*' | head -1 >> ${runs}; sleep 0.05; echo '{"done":true}'`;
    await kernels[1]!.ingest(learn({ topic: 'adapter', name: 'echo', actor: 'did:sync:agent:echo', kind: 'exec', command: adapter }));
    await kernels[2]!.ingest(learn({ topic: 'routing_rule', name: 'all', expression: 'record.act == "INTEND"', target: 'did:sync:agent:echo' }));
    await waitFor(() => kernels.every((k) => k.routingRules().length === 1 && k.config().some((e) => e.topic === 'adapter')), 'config on every kernel');

    // Writers on every kernel at once, each as its own actor; every tenth record asks for work.
    const acknowledged: string[] = [];
    const writer = async (k: Kernel, name: string) => {
      for (let i = 0; i < 30; i++) {
        const work = i % 10 === 0;
        try {
          const { record } = await k.ingest(rec(`${name}-${work ? `job${i}` : 'chat'}`, `did:sync:user:${name}`, work ? 'INTEND' : 'KNOW', { i }, i));
          acknowledged.push(record.id);
        } catch (e) {
          // Only a kernel that was stopped under its writer may refuse.
          expect((e as { code?: string }).code).toBe('STOPPED');
          return;
        }
      }
    };
    const leader = kernels.find((k) => k.health().leader)!;
    const writing = kernels.flatMap((k, n) => [0, 1, 2].map((w) => writer(k, `w${n}x${w}`)));
    // The leader stops part-way: another takes the lead and finishes the work it left.
    await waitFor(() => acknowledged.length >= 60, 'writes under way');
    await leader.stop();
    await Promise.all(writing);
    const rest = kernels.filter((k) => k !== leader);
    await waitFor(() => rest.filter((k) => k.health().leader).length === 1, 'a new leader');

    // Every acknowledged record is in the log, once.
    const store = await openPostgresLogStore({ url });
    open.push(store);
    for (const id of acknowledged) expect(await store.get(id), id).toBeDefined();
    expect(new Set(acknowledged).size).toBe(acknowledged.length);

    // Every piece of work was dispatched exactly once and answered exactly once.
    const intends = (await store.query({ limit: 1000 })).filter((r) => r.act === 'INTEND');
    expect(intends.length).toBeGreaterThanOrEqual(6);
    await waitFor(async () => (await Promise.all(intends.map(async (r) => (await rest[0]!.thread(r.thread))?.status))).every((s) => s === 'closed'), 'all work answered', 30_000);
    const dispatched = existsSync(runs) ? readFileSync(runs, 'utf8').trim().split('\n') : [];
    expect(dispatched.sort()).toEqual(intends.map((r) => r.thread).sort());
    const answers = (await store.query({ limit: 1000 })).filter((r) => r.actor === ENGINE && typeof r.body.fulfills === 'string');
    expect(answers.map((r) => r.body.fulfills).sort()).toEqual(intends.map((r) => r.id).sort());

    // The kernels still running, and a fresh one rebuilt from the log, hold the same state.
    const head = await store.head();
    await waitFor(() => rest.every((k) => k.health().head_seq === head?.seq), 'every kernel at the head');
    const [fresh] = await kernelsOn(url, 1);
    const states = await Promise.all([...rest, fresh!].map(folded));
    expect(states[0]!.head).toBe(head?.seq);
    expect(states[1]).toEqual(states[0]);
    expect(states[2]).toEqual(states[0]);
  }, 90_000);

  it('settles the same record and the same clock written on two kernels at once: one stored, a duplicate, a conflict', async () => {
    const url = await cluster.createDatabase();
    const [a, b] = await kernelsOn(url, 2);
    for (let n = 0; n < 10; n++) {
      const same = rec('race', 'did:sync:user:racer', 'KNOW', { n }, n * 2);
      const [x, y] = await Promise.all([a!.ingest(same), b!.ingest(same)]);
      expect([x.status, y.status].sort()).toEqual(['created', 'duplicate']);
      expect(x.record.id).toBe(y.record.id);
      // The same clock with different content: exactly one of the two is stored.
      const outcomes = await Promise.allSettled([a!.ingest(rec('race', 'did:sync:user:racer', 'KNOW', { n, by: 'a' }, n * 2 + 1)), b!.ingest(rec('race', 'did:sync:user:racer', 'KNOW', { n, by: 'b' }, n * 2 + 1))]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: { code: 'CLOCK_CONFLICT', field: 'clock' } });
    }
    await waitFor(() => a!.health().head_seq === b!.health().head_seq, 'both at the head');
    expect(a!.health().head_seq).toBe(20);
    expect(await folded(a!)).toEqual(await folded(b!));
    // The engine's own records (here: drains) take the next clock on either kernel without clashing.
    await Promise.all([a!.drain.start(), b!.drain.start()]);
    await Promise.all([a!.drain.stop(), b!.drain.stop()]);
    await waitFor(() => a!.health().head_seq === b!.health().head_seq, 'both at the head');
    expect(a!.health().draining).toBe(false);
    expect(b!.health().draining).toBe(false);
  }, 60_000);
});
