/**
 * What kernels sharing one PostgreSQL log rely on, against a real throwaway server: head
 * notifications (`follow`) and one leader at a time (`lead`), including when a connection breaks.
 */
import { entry } from '@syncropel/log/contract';
import { openPostgresLogStore, type PostgresLogStore } from '@syncropel/log-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from '../../../tooling/postgres-cluster.mjs';

const POLL_MS = 50;

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgresCluster();
}, 60_000);
afterAll(() => cluster?.stop());

/** Two store objects on one fresh database, as two kernels would open it, and a plain client on it. */
async function twoKernels(): Promise<{ a: PostgresLogStore; b: PostgresLogStore; admin: pg.Client; close: () => Promise<void> }> {
  const url = await cluster.createDatabase();
  const [a, b] = await Promise.all([openPostgresLogStore({ url, leaderPollMs: POLL_MS }), openPostgresLogStore({ url, leaderPollMs: POLL_MS })]);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  return { a, b, admin, close: async () => void (await Promise.all([a.close(), b.close(), admin.end()])) };
}

/** Resolves once `check` holds, polling; fails after `ms`. */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('follow', () => {
  it("delivers another store's commit as the new head, and listens before the promise resolves", async () => {
    const { a, b, close } = await twoKernels();
    const heads: number[] = [];
    const stop = await a.shared.follow((seq) => heads.push(seq));
    // No wait between follow resolving and the append: a LISTEN still in flight would miss it.
    await b.append([entry(1), entry(2)]);
    await until(() => heads.length === 1);
    expect(heads).toEqual([2]);
    // Its own commits too, one notification per append carrying only the head.
    await a.append([entry(3)]);
    await until(() => heads.length === 2);
    expect(heads).toEqual([2, 3]);
    await stop();
    await b.append([entry(4)]);
    await new Promise((r) => setTimeout(r, 100));
    expect(heads).toEqual([2, 3]);
    await close();
  });

  it('calls onLost when the notification connection breaks, and not after unfollowing', async () => {
    const { a, admin, close } = await twoKernels();
    const lost: Error[] = [];
    await a.shared.follow(() => undefined, (e) => lost.push(e));
    const stopped: Error[] = [];
    const stop = await a.shared.follow(() => undefined, (e) => stopped.push(e));
    await stop();
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`);
    await until(() => lost.length === 1);
    expect(lost[0]).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(stopped).toEqual([]);
    await close();
  });
});

describe('lead', () => {
  it('gives the lead to exactly one of two campaigns, and to the other once the leader’s lock connection is killed', async () => {
    const { a, b, admin, close } = await twoKernels();
    const changesA: boolean[] = [];
    const changesB: boolean[] = [];
    const la = await a.shared.lead((l) => changesA.push(l));
    const lb = await b.shared.lead((l) => changesB.push(l));
    // The lock was free for the first campaign: it leads as soon as lead() resolves.
    expect([la.leader, lb.leader]).toEqual([true, false]);
    await new Promise((r) => setTimeout(r, 5 * POLL_MS));
    expect([la.leader, lb.leader]).toEqual([true, false]);

    const started = Date.now();
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted`);
    await until(() => lb.leader);
    const tookMs = Date.now() - started;
    // A few polls in practice; the bound is loose so a loaded machine does not fail it.
    expect(tookMs).toBeLessThan(5000);
    expect(changesA).toEqual([true, false]);
    expect(changesB).toEqual([true]);
    // The deposed campaign reconnects and keeps trying, but the lock is taken.
    await new Promise((r) => setTimeout(r, 5 * POLL_MS));
    expect(la.leader).toBe(false);

    // Resigning hands the lead back.
    await lb.resign();
    expect(changesB).toEqual([true, false]);
    await until(() => la.leader);
    expect(changesA).toEqual([true, false, true]);
    await la.resign();
    await close();
  });

  it('close resigns the campaigns a store started, so another kernel takes over', async () => {
    const { a, b, close } = await twoKernels();
    const la = await a.shared.lead(() => undefined);
    const lb = await b.shared.lead(() => undefined);
    expect(la.leader).toBe(true);
    await a.close();
    expect(la.leader).toBe(false);
    await until(() => lb.leader);
    await close();
  });

  it('never keeps a process alive with a timer: polls are unref’d, and close leaves none behind', async () => {
    const { a, b, close } = await twoKernels();
    // Ref'd timers are what getActiveResourcesInfo lists as 'Timeout'; unref'd ones are not.
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    await a.shared.lead(() => undefined);
    const lb = await b.shared.lead(() => undefined);
    await b.shared.follow(() => undefined);
    await new Promise((r) => setTimeout(r, 3 * POLL_MS));
    expect(lb.leader).toBe(false);
    expect(timers()).toBeLessThanOrEqual(before);
    await close();
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
