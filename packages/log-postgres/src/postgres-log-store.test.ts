/**
 * The PostgreSQL store against a real throwaway server (no mocks): the LogStore contract, and
 * what the database itself enforces — append-only, increasing clocks, one schema for concurrent
 * openers — plus failures reported as LogErrors without the password.
 */
import { isLogError, type LogStore } from '@syncropel/log';
import { describeLogStoreContract, entry, scanAll } from '@syncropel/log/contract';
import { openPostgresLogStore, type PostgresLogStore } from '@syncropel/log-postgres';
import { getTableConfig } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from '../../../tooling/postgres-cluster.mjs';
import { records } from './schema.js';

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgresCluster();
}, 60_000);
afterAll(() => cluster?.stop());

const urls = new WeakMap<LogStore, string>();
async function fresh(): Promise<PostgresLogStore> {
  const url = await cluster.createDatabase();
  const store = await openPostgresLogStore({ url });
  urls.set(store, url);
  return store;
}
async function sameLog(store: LogStore): Promise<PostgresLogStore> {
  const again = await openPostgresLogStore({ url: urls.get(store)! });
  urls.set(again, urls.get(store)!);
  return again;
}

describeLogStoreContract('postgres', {
  make: fresh,
  reopen: async (store) => {
    await store.close();
    return sameLog(store);
  },
  peer: sameLog,
});

/** Runs `fn` with a plain pg client on the store's database. */
async function withClient<T>(store: LogStore, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: urls.get(store)! });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('postgres store', () => {
  it('the database refuses UPDATE, DELETE and TRUNCATE of records', async () => {
    const s = await fresh();
    const [stored] = await s.append([entry(1)]);
    await withClient(s, async (c) => {
      await expect(c.query(`UPDATE records SET body = '{"n":2}' WHERE seq = 1`)).rejects.toMatchObject({ code: 'SPL02', message: expect.stringMatching(/append-only/) });
      await expect(c.query('DELETE FROM records')).rejects.toMatchObject({ code: 'SPL02' });
      await expect(c.query('TRUNCATE records')).rejects.toMatchObject({ code: 'SPL02' });
      // The head counter is what keeps seq gapless; losing its row would make appends store nothing.
      await expect(c.query('DELETE FROM log_head')).rejects.toMatchObject({ code: 'SPL02' });
      await expect(c.query('TRUNCATE log_head')).rejects.toMatchObject({ code: 'SPL02' });
    });
    expect(await scanAll(s)).toEqual([stored]);
    await s.close();
  });

  it('refuses a clock that does not increase for its (actor, thread), and calls the same record again a duplicate', async () => {
    const s = await fresh();
    await s.append([entry(5)]);
    await expect(s.append([entry(5, 'a', 'alice', { other: true })])).rejects.toMatchObject({ code: 'CLOCK_CONFLICT', message: expect.stringMatching(/clock 5 does not increase/) });
    await expect(s.append([entry(4)])).rejects.toMatchObject({ code: 'CLOCK_CONFLICT' });
    await expect(s.append([entry(6), entry(6, 'a', 'alice', { again: 1 })])).rejects.toMatchObject({ code: 'CLOCK_CONFLICT' });
    await expect(s.append([entry(5)])).rejects.toMatchObject({ code: 'DUPLICATE_ID' });
    // Other actors and threads keep their own clocks.
    await s.append([entry(1, 'b'), entry(1, 'a', 'bob'), entry(6)]);
    expect(await s.count()).toBe(4);
    await s.close();
  });

  it('two stores appending the same (actor, thread, clock) at once: exactly one succeeds, the other gets CLOCK_CONFLICT, nothing half-stored', async () => {
    const a = await fresh();
    const b = await sameLog(a);
    for (let round = 1; round <= 10; round++) {
      // Each batch leads with a record that is fine on its own, so a half-stored batch would show.
      const results = await Promise.allSettled([
        a.append([entry(round, 'c', 'carol'), entry(round, 'a', 'alice', { from: 'a' })]),
        b.append([entry(round, 'd', 'dave'), entry(round, 'a', 'alice', { from: 'b' })]),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(isLogError(lost[0]!.reason) && lost[0]!.reason.code).toBe('CLOCK_CONFLICT');
      expect(await a.count()).toBe(2 * round);
    }
    const all = await scanAll(b);
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Every stored batch is whole: a carol or dave record always sits beside alice's of the same round.
    for (let i = 0; i < all.length; i += 2) {
      expect(all[i]!.clock).toBe(all[i + 1]!.clock);
      expect(all[i + 1]!.body).toEqual({ from: all[i]!.actor.endsWith('carol') ? 'a' : 'b' });
    }
    await b.close();
    await a.close();
  });

  it('stores text that array literals must escape exactly: quotes, backslashes, braces, commas, a "NULL" string', async () => {
    const s = await fresh();
    const tricky = entry(1, 'a', 'alice', { s: 'a"b\\c{d},e NULL', NULL: 'NULL', empty: '', nl: 'x\ny\t' });
    const [stored] = await s.append([tricky]);
    expect(await s.get(tricky.id)).toEqual(stored);
    expect(stored!.body).toEqual(tricky.record.body);
    expect(await withClient(s, async (c) => (await c.query('SELECT body FROM records')).rows[0].body)).toBe(JSON.stringify(tricky.record.body));
    await s.close();
  });

  it('three stores opening a fresh database together create the schema once, without racing', async () => {
    const url = await cluster.createDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresLogStore({ url })));
    await Promise.all(stores.map((s, i) => s.append([entry(1, 'a', `k${i}`)])));
    expect(await stores[0]!.count()).toBe(3);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('opens with create: false only a database that already holds a log, and changes nothing', async () => {
    const url = await cluster.createDatabase();
    await expect(openPostgresLogStore({ url, create: false })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('holds no Syncropel log') });
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    const { rows } = await probe.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
    await probe.end();
    expect(rows[0].n).toBe(0);
    const made = await openPostgresLogStore({ url });
    await made.append([entry(1)]);
    await made.close();
    const existing = await openPostgresLogStore({ url, create: false });
    expect(await existing.count()).toBe(1);
    await existing.close();
  });

  it('creates the table the drizzle definition describes', async () => {
    const s = await fresh();
    const columns = await withClient(s, (c) =>
      c.query<{ column_name: string; data_type: string; is_nullable: string }>(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'records' ORDER BY ordinal_position`,
      ),
    );
    const drizzled = getTableConfig(records).columns.map((c) => ({ column_name: c.name, data_type: c.getSQLType(), is_nullable: c.notNull ? 'NO' : 'YES' }));
    expect(columns.rows).toEqual(drizzled);
    await s.close();
  });

  it('reconnects its writer after the server dropped it', async () => {
    const s = await fresh();
    await s.append([entry(1)]);
    await withClient(s, (c) => c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`));
    // The dropped connections tell their clients asynchronously; afterwards appends and reads work again.
    await new Promise((r) => setTimeout(r, 100));
    expect((await s.append([entry(2)]))[0]!.seq).toBe(2);
    expect(await s.count()).toBe(2);
    await s.close();
  });

  it('reports an unreachable server as STORE_UNAVAILABLE and never shows the password', async () => {
    const url = new URL(cluster.url);
    url.password = 'hunter2';
    url.port = String(await closedPort());
    const thrown = await openPostgresLogStore({ url: url.toString() }).catch((e: unknown) => e);
    expect(isLogError(thrown) && thrown.code).toBe('STORE_UNAVAILABLE');
    expect((thrown as Error).message).not.toContain('hunter2');
    expect((thrown as Error).message).toContain(`postgres://spl@127.0.0.1:${url.port}/postgres`);
  });

  it('refuses a malformed URL without echoing it', async () => {
    await expect(openPostgresLogStore({ url: 'postgres://spl:hunter2@[bad' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.not.stringContaining('hunter2') });
  });

  it('describes itself by its URL without the password', async () => {
    const url = new URL(await cluster.createDatabase());
    url.password = 'ignored-by-trust-auth';
    const s = await openPostgresLogStore({ url: url.toString() });
    expect(s.description).toBe(`postgres://spl@127.0.0.1:${url.port}${url.pathname}`);
    await s.close();
  });

  it('ends every connection it opened on close, after the appends already queued', async () => {
    const s = await fresh();
    await s.shared.follow(() => undefined);
    await s.shared.lead(() => undefined);
    const pending = s.append([entry(1), entry(2)]);
    await s.close();
    expect(await pending).toHaveLength(2);
    const left = await withClient(s, (c) => c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`));
    expect(left.rows[0].n).toBe(0);
    await expect(s.shared.follow(() => undefined)).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await expect(scanAll(s)).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
