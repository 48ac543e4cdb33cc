import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadIdFor } from '@syncropel/algebra';
import { createKernel, type FoldSnapshot } from '@syncropel/kernel';
import { openSqliteLogStore } from '@syncropel/log-sqlite';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'spl-evict-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const done = threadIdFor('evict-done');
const busy = threadIdFor('evict-busy');
const rec = (thread: string, actor: string, clock: number, act: string, body: object = {}) => ({ parents: [], thread, actor: `did:sync:user:${actor}`, act, body, clock, data_type: 'SCALAR' });

describe('closed threads leave memory once quiet', () => {
  it("keeps only a closed thread's first seq, serves it from the store, checks its clocks there, and takes it back on a new record", async () => {
    const store = openSqliteLogStore({ path: join(root, 'hub.db') });
    let saved: FoldSnapshot | undefined;
    const k = createKernel({ store, threadEviction: { every: 4, quiet: 6 }, foldSnapshot: { description: 'memory', read: async () => undefined, write: async (s) => void (saved = s) } });
    await k.start();
    const ask = await k.ingest(rec(done, 'ann', 0, 'INTEND', { goal: 'x' }));
    await k.ingest(rec(done, 'bo', 0, 'KNOW', { fulfills: ask.record.id }));
    for (let i = 0; i < 12; i++) await k.ingest(rec(busy, 'cy', i, 'KNOW', { i }));

    await k.saveFoldSnapshot();
    const threads = (saved as FoldSnapshot).states.threads as unknown[];
    expect(threads[0]).toEqual([done, 1]);
    expect((threads[1] as { thread: string }).thread).toBe(busy);
    expect(k.healthDetails().threads).toEqual({ held: 1, evicted: 1 });

    const expected = { thread: done, status: 'closed', record_count: 2, participants: ['did:sync:user:ann', 'did:sync:user:bo'], last_clock: { 'did:sync:user:ann': 0, 'did:sync:user:bo': 0 }, first_seq: 1, last_seq: 2 };
    expect(await k.thread(done)).toMatchObject(expected);
    expect(k.hasThread(done)).toBe(true);
    expect(k.hasThread(threadIdFor('never-written'))).toBe(false);
    expect((await k.threadsPage({ limit: 10, status: 'closed' })).data).toMatchObject([expected]);
    expect(await k.lastClock('did:sync:user:bo', done)).toBe(0);
    await expect(k.ingest(rec(done, 'bo', 0, 'KNOW', { again: true }))).rejects.toMatchObject({ code: 'CLOCK_CONFLICT' });
    await expect(k.ingest(rec(done, 'bo', 0, 'KNOW', { fulfills: ask.record.id }))).resolves.toMatchObject({ status: 'duplicate' });

    await k.ingest(rec(done, 'bo', 1, 'KNOW', { note: 'late' }));
    expect(k.healthDetails().threads).toEqual({ held: 2, evicted: 0 });
    expect(await k.thread(done)).toMatchObject({ ...expected, record_count: 3, last_clock: { 'did:sync:user:ann': 0, 'did:sync:user:bo': 1 }, last_seq: 15 });
    await k.saveFoldSnapshot();
    expect(((saved as FoldSnapshot).states.threads as { thread?: string }[])[0]?.thread).toBe(done);
    // The other participant's clock came back with the thread.
    await expect(k.ingest(rec(done, 'ann', 0, 'KNOW', { other: true }))).rejects.toMatchObject({ code: 'CLOCK_CONFLICT' });
    await k.stop();
    await store.close();
  });
});
