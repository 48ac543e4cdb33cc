import { scanAll } from '@syncropel/log/contract';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordId, threadIdFor, type StoredRecord } from '@syncropel/algebra';
import { createKernel, isKernelError, MAX_RECORD_BYTES, type Kernel } from '@syncropel/kernel';
import { LogError, createMemoryLogStore, type LogStore } from '@syncropel/log';
import { openSqliteLogStore } from '@syncropel/log-sqlite';
import { afterAll, describe, expect, it } from 'vitest';

const thread = threadIdFor('kernel-test');
const rec = (clock: number, extra: object = {}) => ({
  parents: [],
  thread,
  actor: 'did:sync:user:alice',
  act: 'INTEND',
  body: { n: clock },
  clock,
  data_type: 'SCALAR',
  ...extra,
});

async function started(store: LogStore = createMemoryLogStore()): Promise<Kernel> {
  const k = createKernel({ store });
  await k.start();
  return k;
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; field?: string }> {
  try {
    await p;
  } catch (e) {
    if (isKernelError(e)) return { code: e.code, ...(e.field === undefined ? {} : { field: e.field }) };
    throw e;
  }
  throw new Error('expected a refusal');
}

const dir = mkdtempSync(join(tmpdir(), 'spl-kernel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kernel ingest (embedded, no HTTP)', () => {
  it('stores a record, answers a retry as a duplicate with the same id, stores nothing new', async () => {
    const store = createMemoryLogStore();
    const k = await started(store);
    const first = await k.ingest(rec(0));
    expect(first.status).toBe('created');
    expect(first.record).toMatchObject({ seq: 1, clock: 0, judged_by: null });
    // The kernel hashes with node:crypto; the id must equal the portable algebra id.
    expect(first.record.id).toBe(recordId(first.record));
    const again = await k.ingest(rec(0));
    expect(again).toEqual({ status: 'duplicate', record: first.record });
    // Still a duplicate after later clocks moved the actor on (the lookup path for old clocks).
    await k.ingest(rec(7));
    expect(await k.ingest(rec(0))).toEqual({ status: 'duplicate', record: first.record });
    expect(await store.count()).toBe(2);
    expect(await k.record(first.record.id)).toEqual(first.record);
    await k.stop();
  });

  it('refuses a repeated or backwards clock for the same actor and thread, naming clock', async () => {
    const store = createMemoryLogStore();
    const k = await started(store);
    await k.ingest(rec(5));
    expect(await refusal(k.ingest(rec(5, { body: { other: true } })))).toEqual({ code: 'CLOCK_CONFLICT', field: 'clock' });
    expect(await refusal(k.ingest(rec(3)))).toEqual({ code: 'CLOCK_CONFLICT', field: 'clock' });
    // Another actor or thread has its own clock; gaps are allowed.
    await k.ingest(rec(5, { actor: 'did:sync:user:bob' }));
    await k.ingest(rec(9));
    expect(await store.count()).toBe(3);
  });

  it('refuses clashing clocks even between writes waiting in the same commit group', async () => {
    const k = await started();
    const [a, b] = await Promise.allSettled([k.ingest(rec(1)), k.ingest(rec(1, { body: { different: 1 } }))]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { status: 'created' } });
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'CLOCK_CONFLICT', field: 'clock' } });
  });

  it('names the field of a malformed record and stores nothing', async () => {
    const store = createMemoryLogStore();
    const k = await started(store);
    expect(await refusal(k.ingest(rec(1, { act: 'SHOUT' })))).toEqual({ code: 'VALIDATION_FAILED', field: 'act' });
    expect(await refusal(k.ingest({ ...rec(1), body: undefined }))).toEqual({ code: 'VALIDATION_FAILED', field: 'body' });
    expect(await refusal(k.ingest(42))).toEqual({ code: 'VALIDATION_FAILED', field: 'record' });
    const big = rec(1, { body: { blob: 'x'.repeat(MAX_RECORD_BYTES) } });
    expect(await refusal(k.ingest(big))).toEqual({ code: 'PAYLOAD_TOO_LARGE', field: 'body' });
    expect(await store.count()).toBe(0);
  });

  it('applies a batch atomically: one bad record refuses the whole batch', async () => {
    const store = createMemoryLogStore();
    const k = await started(store);
    expect(await refusal(k.ingestBatch([rec(1), rec(2), rec(3, { clock: -1 })]))).toEqual({ code: 'VALIDATION_FAILED', field: 'records[2].clock' });
    expect(await refusal(k.ingestBatch([rec(1), rec(1, { body: {} })]))).toEqual({ code: 'CLOCK_CONFLICT', field: 'records[1].clock' });
    expect(await store.count()).toBe(0);
    const ok = await k.ingestBatch([rec(1), rec(2), rec(1)]);
    expect(ok.map((r) => r.status)).toEqual(['created', 'created', 'duplicate']);
    expect(ok[2]!.record.id).toBe(ok[0]!.record.id);
    expect(await store.count()).toBe(2);
  });

  it('commits concurrent writes in one group and acknowledges only after the commit', async () => {
    const inner = createMemoryLogStore();
    const appends: number[] = [];
    const store: LogStore = { ...inner, description: inner.description, append: (es) => (appends.push(es.length), inner.append(es)) };
    const k = await started(store);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => k.ingest(rec(i + 1))));
    expect(appends).toEqual([50]);
    expect(results.map((r) => r.record.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('reports commit groups, their mean size and commit time in health details; a failed group is not counted', async () => {
    const inner = createMemoryLogStore();
    let broken = false;
    // Commits take at least 5 ms, as if on a slow disk.
    const store: LogStore = {
      ...inner,
      description: 'slow',
      append: (es) => new Promise((resolve, reject) => setTimeout(() => (broken ? reject(new Error('disk full')) : resolve(inner.append(es))), 5)),
    };
    const k = createKernel({ store, onError: () => {} });
    await k.start();
    expect(k.healthDetails().loops.ingest).toEqual({ ingested_total: 0, pending_commit: 0, commit_groups: 0, mean_group_records: 0, mean_commit_ms: 0, last_commit_ms: null });
    await Promise.all([k.ingest(rec(1)), k.ingest(rec(2)), k.ingest(rec(3))]);
    await k.ingestBatch([rec(4), rec(5), rec(6), rec(7), rec(8), rec(9)]);
    broken = true;
    await expect(k.ingest(rec(10))).rejects.toMatchObject({ code: 'STORE_FAILED' });
    const ingest = k.healthDetails().loops.ingest;
    expect(ingest).toMatchObject({ ingested_total: 9, pending_commit: 0, commit_groups: 2, mean_group_records: 4.5 });
    expect(ingest.mean_commit_ms).toBeGreaterThanOrEqual(4);
    expect(ingest.last_commit_ms).toBeGreaterThanOrEqual(4);
    await k.stop();
  });

  it('tells onCommit of every committed group (records, ms), before its writers are answered; not of a failed one, and a throwing hook breaks nothing', async () => {
    const inner = createMemoryLogStore();
    let broken = false;
    const store: LogStore = {
      ...inner,
      description: 'slow',
      append: (es) => new Promise((resolve, reject) => setTimeout(() => (broken ? reject(new Error('disk full')) : resolve(inner.append(es))), 5)),
    };
    const seen: [number, number][] = [];
    let throwing = false;
    const k = createKernel({
      store,
      onError: () => {},
      onCommit: (records, ms) => {
        seen.push([records, ms]);
        if (throwing) throw new Error('observer bug');
      },
    });
    await k.start();
    await Promise.all([k.ingest(rec(1)), k.ingest(rec(2)), k.ingest(rec(3))]);
    // Told before the writers hear back: the group is already in `seen` when ingest resolves.
    expect(seen.map(([n]) => n)).toEqual([3]);
    await k.ingestBatch([rec(4), rec(5), rec(6), rec(7)]);
    expect(seen.map(([n]) => n)).toEqual([3, 4]);
    for (const [, ms] of seen) expect(ms).toBeGreaterThanOrEqual(4);
    broken = true;
    await expect(k.ingest(rec(8))).rejects.toMatchObject({ code: 'STORE_FAILED' });
    expect(seen).toHaveLength(2);
    broken = false;
    throwing = true;
    const r = await k.ingest(rec(8));
    expect(r.status).toBe('created');
    expect(seen.map(([n]) => n)).toEqual([3, 4, 1]);
    expect(k.health().ingested_total).toBe(8);
    await k.stop();
  });

  it('fails every write of a group whose commit fails, and acknowledges none', async () => {
    const inner = createMemoryLogStore();
    let broken = true;
    const store: LogStore = {
      ...inner,
      description: 'flaky',
      append: (es) => {
        if (broken) throw new Error('disk full');
        return inner.append(es);
      },
    };
    const errors: string[] = [];
    const k = createKernel({ store, onError: (_e, where) => errors.push(where) });
    await k.start();
    const outcomes = await Promise.allSettled([k.ingest(rec(1)), k.ingest(rec(2))]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(isKernelError((outcomes[0] as PromiseRejectedResult).reason) && (outcomes[0] as PromiseRejectedResult).reason.code).toBe('STORE_FAILED');
    // A store that fails outright fails the group once: its callers are not retried one by one.
    expect(errors).toEqual(['commit']);
    expect(await inner.count()).toBe(0);
    broken = false;
    // The failed clocks were never committed, so the same writes succeed now.
    await expect(k.ingest(rec(1))).resolves.toMatchObject({ status: 'created' });
  });

  it('fails only the writer whose entry the store refuses: the rest of its group commits', async () => {
    const inner = createMemoryLogStore();
    // A store that refuses one entry, as a shared log's database refuses a clock another writer
    // took first, and takes everything else.
    const store: LogStore = {
      ...inner,
      description: 'picky',
      append: async (es) => {
        if (es.some((e) => e.record.body.poison === true)) throw new LogError('CLOCK_CONFLICT', 'another writer took this clock');
        return inner.append(es);
      },
    };
    const k = createKernel({ store, onError: () => {} });
    await k.start();
    const writes: Promise<unknown>[] = Array.from({ length: 8 }, (_, i) => k.ingest(rec(i + 1, i === 3 ? { body: { poison: true } } : {})));
    writes.push(k.ingestBatch([rec(20), rec(21)]));
    const outcomes = await Promise.allSettled(writes);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(await inner.count()).toBe(9);
    // Log order is still the order the writes were accepted in.
    expect((await scanAll(inner)).map((r) => r.clock)).toEqual([1, 2, 3, 5, 6, 7, 8, 20, 21]);
    await k.stop();
  });

  it('broadcasts committed records in log order to subscribers', async () => {
    const k = await started();
    const seen: StoredRecord[] = [];
    const off = k.subscribe((rs) => seen.push(...rs));
    k.subscribe(() => {
      throw new Error('a broken listener does not break ingest');
    });
    await Promise.all([k.ingest(rec(1)), k.ingest(rec(2))]);
    off();
    await k.ingest(rec(3));
    expect(seen.map((r) => r.clock)).toEqual([1, 2]);
  });

  it('refuses writes before start and after stop; stop waits for the pending group', async () => {
    const store = createMemoryLogStore();
    const k = createKernel({ store });
    expect(await refusal(k.ingest(rec(1)))).toEqual({ code: 'STARTING' });
    await k.start();
    const pending = k.ingest(rec(1));
    await k.stop();
    await expect(pending).resolves.toMatchObject({ status: 'created' });
    expect(await refusal(k.ingest(rec(2)))).toEqual({ code: 'STOPPED' });
    expect(k.health()).toMatchObject({ status: 'stopped', ingested_total: 1, record_count: 1 });
  });

  it('rebuilds the same state from the log on restart (SQLite file)', async () => {
    const path = join(dir, 'rebuild.db');
    const s1 = openSqliteLogStore({ path });
    const k1 = await started(s1);
    const written = await k1.ingestBatch(Array.from({ length: 30 }, (_, i) => rec(i * 2)));
    await k1.stop();
    await s1.close();

    const s2 = openSqliteLogStore({ path });
    const k2 = await started(s2);
    expect(await (await k2.records({ thread, limit: 1000 })).map((r) => [r.id, r.seq])).toEqual(written.map((w) => [w.record.id, w.record.seq]));
    // The rebuilt clock state still refuses a stale clock and accepts the next one.
    expect(await refusal(k2.ingest(rec(58, { body: {} })))).toEqual({ code: 'CLOCK_CONFLICT', field: 'clock' });
    await expect(k2.ingest(rec(59))).resolves.toMatchObject({ status: 'created', record: { seq: 31 } });
    expect(k2.health()).toMatchObject({ status: 'ready', record_count: 31, ingested_total: 1, head_seq: 31 });
    await k2.stop();
    await s2.close();
  });

  it('pipelines commits on a store that commits off-thread: order kept, every ack durable', async () => {
    const path = join(dir, 'pipelined.db');
    const store = openSqliteLogStore({ path });
    const sizes: number[] = [];
    const append = store.append.bind(store);
    store.append = (es) => (sizes.push(es.length), append(es));
    const k = await started(store);
    const first = Array.from({ length: 20 }, (_, i) => k.ingest(rec(i)));
    // Writes arriving while the first group commits form the next group.
    await new Promise((r) => setImmediate(r));
    const second = Array.from({ length: 20 }, (_, i) => k.ingest(rec(i + 20)));
    const results = await Promise.all([...first, ...second]);
    expect(results.map((r) => r.record.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(40);
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    await k.stop();
    await store.close();
    const again = openSqliteLogStore({ path });
    expect((await scanAll(again)).map((r) => r.id)).toEqual(results.map((r) => r.record.id));
    await again.close();
  });

  it('clamps read limits and pages with the seq cursor', async () => {
    const k = await started();
    await k.ingestBatch(Array.from({ length: 5 }, (_, i) => rec(i)));
    expect(await (await k.records({ limit: 0 })).length).toBe(1);
    expect(await (await k.records({ after: 3, limit: 10 })).map((r) => r.seq)).toEqual([4, 5]);
  });
});

describe('live views and emissions', () => {
  it('keeps an attached fold equal to a fold of the log, across restarts', async () => {
    const { fold, runFold } = await import('@syncropel/algebra');
    const countByAct = fold<Map<string, number>, StoredRecord>(
      () => new Map(),
      (m, r) => m.set(r.act, (m.get(r.act) ?? 0) + 1),
    );
    const store = createMemoryLogStore();
    const k1 = createKernel({ store });
    const v1 = k1.attach(countByAct);
    await k1.start();
    await k1.ingestBatch([rec(1), rec(2, { act: 'KNOW' }), rec(3)]);
    expect(Object.fromEntries(v1.get())).toEqual({ INTEND: 2, KNOW: 1 });
    await k1.stop();
    expect(() => k1.attach(countByAct)).toThrow(/before start/);

    const k2 = createKernel({ store });
    const v2 = k2.attach(countByAct);
    await k2.start();
    expect(v2.get()).toEqual(runFold(countByAct, await scanAll(store)));
  });

  it('emits with the next clock for the actor and thread, even concurrently', async () => {
    const k = await started();
    const actor = 'did:sync:instance:abc';
    const results = await Promise.all([1, 2, 3].map((n) => k.emit(actor, { thread: 'th_audit', act: 'KNOW', body: { n } })));
    expect(results.map((r) => r.record.clock)).toEqual([0, 1, 2]);
    expect(await k.lastClock(actor, 'th_audit')).toBe(2);
    expect(await k.lastClock(actor, thread)).toBeUndefined();
  });
});
