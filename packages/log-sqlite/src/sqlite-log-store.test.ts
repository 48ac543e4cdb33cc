import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogStore } from '@syncropel/log';
import { describeLogStoreContract, entry } from '@syncropel/log/contract';
import { openSqliteLogStore, type SqliteLogStore } from '@syncropel/log-sqlite';

const dir = mkdtempSync(join(tmpdir(), 'spl-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => openSqliteLogStore({ path: join(dir, `hub-${++n}.db`) });

describeLogStoreContract('sqlite (file)', {
  make: async () => fresh(),
  reopen: async (s: LogStore) => {
    const { path } = s as SqliteLogStore;
    await s.close();
    return openSqliteLogStore({ path });
  },
});
describeLogStoreContract('sqlite (file, main-thread writer)', { make: async () => openSqliteLogStore({ path: join(dir, `hub-${++n}.db`), writer: 'main' }) });
describeLogStoreContract('sqlite (:memory:)', { make: async () => openSqliteLogStore({ path: ':memory:' }) });

describe('sqlite log specifics', () => {
  it('runs in WAL mode with the chosen synchronous level', async () => {
    const s = fresh();
    await s.append([entry(1)]);
    expect(statSync(`${s.path}-wal`).size).toBeGreaterThan(0);
    await s.close();
    const raw = new Database(s.path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const normal = openSqliteLogStore({ path: join(dir, 'normal.db'), durability: 'normal' });
    await normal.close();
  });

  it('refuses UPDATE and DELETE in the database itself', async () => {
    const s = fresh();
    await s.append([entry(1), entry(2)]);
    await s.close();
    const raw = new Database(s.path);
    expect(() => raw.prepare("UPDATE records SET body = '{}' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM records').run()).toThrow(/append-only/);
    expect(raw.prepare('SELECT count(*) AS n FROM records').get()).toEqual({ n: 2 });
    raw.close();
  });

  it('has indexes for thread and actor reads', async () => {
    const s = fresh();
    await s.close();
    const raw = new Database(s.path);
    const names = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((r) => r.name);
    raw.close();
    expect(names).toEqual(expect.arrayContaining(['records_thread_seq', 'records_actor_seq', 'records_id_unique']));
  });

  it('checkpoints and truncates the WAL on close, and passes quick_check', async () => {
    const s = fresh();
    await s.append(Array.from({ length: 50 }, (_, i) => entry(i + 1)));
    expect(s.quickCheck()).toBe('ok');
    await s.close();
    expect(statSync(`${s.path}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
  });

  it('reports a file it cannot open as STORE_UNAVAILABLE', () => {
    expect(() => openSqliteLogStore({ path: join(dir, 'no/such/dir/hub.db') })).toThrow(/cannot open the log/);
  });
});
