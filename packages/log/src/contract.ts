import { recordId, validateRecord, type LogRecord, type StoredRecord } from '@syncropel/algebra';
import { describe, expect, it } from 'vitest';
import { isLogError } from './log-error.js';
import type { AppendEntry, LogStore } from './log-store.js';

/** Builds a valid append entry on thread `t` by actor `a` at clock `c`. */
export function entry(c: number, t = 'a', a = 'alice', body: LogRecord['body'] = { n: c }): AppendEntry {
  const v = validateRecord({
    parents: [],
    thread: `th_${t.repeat(64).slice(0, 64)}`,
    actor: `did:sync:user:${a}`,
    act: 'DO',
    body,
    clock: c,
    data_type: 'SCALAR',
  });
  if (!v.ok) throw new Error(v.error.message);
  return { id: recordId(v.value), record: v.value };
}

/** Everything a store yields from `scan`, as an array. */
export async function scanAll(store: LogStore, afterSeq?: number, pageSize?: number): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const page of store.scan(afterSeq, pageSize)) {
    if (pageSize !== undefined) expect(page.length).toBeLessThanOrEqual(pageSize);
    out.push(...page);
  }
  return out;
}

/** How the contract suite gets stores of one backend. */
export interface LogStoreContractOptions {
  /** A fresh, empty store. */
  readonly make: () => Promise<LogStore>;
  /** Closes `store` and opens the same log again (for backends that persist). */
  readonly reopen?: (store: LogStore) => Promise<LogStore>;
  /** A second store object on the same log, as another process would open it (for shared backends). */
  readonly peer?: (store: LogStore) => Promise<LogStore>;
}

/**
 * The one behavioural contract of a LogStore. Every implementation runs it unchanged: memory,
 * SQLite and PostgreSQL.
 */
export function describeLogStoreContract(name: string, options: LogStoreContractOptions): void {
  const { make, reopen, peer } = options;
  describe(`LogStore contract: ${name}`, () => {
    it('starts empty', async () => {
      const s = await make();
      expect(await s.count()).toBe(0);
      expect(await s.head()).toBeUndefined();
      expect(await s.query({ limit: 10 })).toEqual([]);
      expect(await scanAll(s)).toEqual([]);
      await s.close();
    });

    it('appends in order with increasing seq and reads back exactly what was appended', async () => {
      const s = await make();
      const es = [entry(1), entry(2, 'b', 'bob', { nested: { x: [1, 'two', null] }, 'é': true, '10': 'ten', big: 2 ** 53 - 1 }), entry(3)];
      const stored = await s.append(es);
      expect(stored.map((r) => r.seq)).toEqual([1, 2, 3]);
      for (let i = 0; i < es.length; i++) {
        const want = { ...es[i]!.record, id: es[i]!.id, seq: i + 1, ingested_at: stored[i]!.ingested_at };
        expect(Math.abs(stored[i]!.ingested_at - Date.now())).toBeLessThan(60_000);
        expect(stored[i]).toEqual(want);
        const got = await s.get(es[i]!.id);
        expect(got).toEqual(want);
        expect(recordId(got!)).toBe(es[i]!.id);
      }
      expect(await s.count()).toBe(3);
      expect(await s.head()).toEqual({ seq: 3, id: es[2]!.id });
      expect(await s.get('f'.repeat(64))).toBeUndefined();
      await s.close();
    });

    it('keeps judged_by and sig', async () => {
      const s = await make();
      const e = entry(1);
      const rec = { ...e.record, judged_by: 'did:sync:user:judge', sig: 'ab'.repeat(64) };
      await s.append([{ id: e.id, record: rec }]);
      expect(await s.get(e.id)).toMatchObject({ judged_by: 'did:sync:user:judge', sig: 'ab'.repeat(64) });
      await s.close();
    });

    it('stores a foreign record whose clock does not advance (federation), and keeps refusing a repeated id', async () => {
      const s = await make();
      await s.append([entry(5)]);
      const lower = { ...entry(3, 'a', 'alice', { from: 'peer' }), foreign: true };
      const same = { ...entry(5, 'a', 'alice', { fork: true }), foreign: true };
      expect((await s.append([lower, same])).map((r) => r.seq)).toEqual([2, 3]);
      expect((await s.get(lower.id))?.clock).toBe(3);
      await expect(s.append([{ ...entry(5), foreign: true }])).rejects.toMatchObject({ code: 'DUPLICATE_ID' });
      expect(await s.count()).toBe(3);
      await s.close();
    });

    it('is atomic: a batch with a duplicate id stores nothing', async () => {
      const s = await make();
      await s.append([entry(1)]);
      const thrown = await s.append([entry(2), entry(1)]).catch((e: unknown) => e);
      expect(isLogError(thrown) && thrown.code).toBe('DUPLICATE_ID');
      expect(await s.count()).toBe(1);
      expect(await s.get(entry(2).id)).toBeUndefined();
      await expect(s.append([entry(5), entry(5)])).rejects.toMatchObject({ code: 'DUPLICATE_ID' });
      expect(await s.count()).toBe(1);
      // The failed appends left no hole: the next record takes the next position.
      expect((await s.append([entry(6)]))[0]!.seq).toBe(2);
      await s.close();
    });

    it('filters by thread and actor and pages with a seq cursor', async () => {
      const s = await make();
      await s.append([entry(1, 'a', 'alice'), entry(1, 'b', 'alice'), entry(2, 'a', 'bob'), entry(3, 'a', 'alice'), entry(4, 'b', 'bob')]);
      const ta = `th_${'a'.repeat(64)}`;
      const seqs = async (q: Parameters<LogStore['query']>[0]) => (await s.query(q)).map((r) => r.seq);
      expect(await seqs({ thread: ta, limit: 10 })).toEqual([1, 3, 4]);
      expect(await seqs({ actor: 'did:sync:user:bob', limit: 10 })).toEqual([3, 5]);
      expect(await seqs({ thread: ta, actor: 'did:sync:user:alice', limit: 10 })).toEqual([1, 4]);
      expect(await seqs({ thread: ta, after: 1, limit: 1 })).toEqual([3]);
      expect(await seqs({ after: 4, limit: 10 })).toEqual([5]);
      expect(await seqs({ after: 99, limit: 10 })).toEqual([]);
      await s.close();
    });

    it('leaves excluded threads out and still fills the page from later records', async () => {
      const s = await make();
      await s.append([entry(1, 'a', 'alice'), entry(1, 'b', 'alice'), entry(2, 'b', 'bob'), entry(2, 'a', 'alice'), entry(3, 'a', 'bob')]);
      const tb = `th_${'b'.repeat(64)}`;
      expect((await s.query({ excludeThreads: [tb], limit: 2 })).map((r) => r.seq)).toEqual([1, 4]);
      expect((await s.query({ excludeThreads: [tb], actor: 'did:sync:user:bob', limit: 10 })).map((r) => r.seq)).toEqual([5]);
      expect((await s.query({ excludeThreads: [], limit: 10 })).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      await s.close();
    });

    it('scans everything after a position across pages', async () => {
      const s = await make();
      await s.append(Array.from({ length: 25 }, (_, i) => entry(i + 1)));
      expect((await scanAll(s, 0, 7)).map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect((await scanAll(s, 20, 3)).map((r) => r.seq)).toEqual([21, 22, 23, 24, 25]);
      await s.close();
    });

    it('commits concurrent appends in call order, each atomically', async () => {
      const s = await make();
      await s.append([entry(1)]);
      const [a, b] = await Promise.all([s.append([entry(2), entry(3)]), s.append([entry(4)])]);
      expect([...a, ...b].map((r) => r.seq)).toEqual([2, 3, 4]);
      expect(await s.get(entry(3).id)).toEqual({ ...entry(3).record, id: entry(3).id, seq: 3, ingested_at: a[1]!.ingested_at });
      const results = await Promise.allSettled([s.append([entry(5), entry(2)]), s.append([entry(6)])]);
      expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'DUPLICATE_ID' } });
      expect(results[1]).toMatchObject({ status: 'fulfilled', value: [{ seq: 5 }] });
      expect(await s.count()).toBe(5);
      expect(await s.get(entry(5).id)).toBeUndefined();
      await s.close();
    });

    it('refuses use after close', async () => {
      const s = await make();
      await s.close();
      await s.close();
      const thrown = await s.count().catch((e: unknown) => e);
      expect(isLogError(thrown) && thrown.code).toBe('STORE_CLOSED');
      await expect(s.append([entry(1)])).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    });

    if (reopen) {
      it('keeps every record, id and position across reopen, and continues the sequence', async () => {
        const s = await make();
        const es = Array.from({ length: 10 }, (_, i) => entry(i + 1));
        await s.append(es);
        const again = await reopen(s);
        expect(await again.count()).toBe(10);
        expect((await scanAll(again)).map((r) => r.id)).toEqual(es.map((e) => e.id));
        expect((await again.append([entry(11)]))[0]!.seq).toBe(11);
        await again.close();
      });
    }

    if (peer) {
      it('gives writers sharing the log gapless, commit-ordered positions, and each sees the other', async () => {
        const a = await make();
        const b = await peer(a);
        const writes: Promise<unknown>[] = [];
        for (let i = 1; i <= 40; i++) writes.push((i % 2 ? a : b).append([entry(i, i % 2 ? 'a' : 'b', 'alice'), entry(i, i % 2 ? 'a' : 'b', 'bob')]));
        // A reader walking `seq > cursor` meanwhile must never skip a position.
        const seen: number[] = [];
        let cursor = 0;
        const until = Date.now() + 20_000;
        while (seen.length < 80) {
          if (Date.now() > until) throw new Error(`the reader saw ${seen.length} of 80 records within 20 s`);
          for (const r of await b.query({ after: cursor, limit: 1000 })) {
            expect(r.seq).toBe(cursor + 1);
            seen.push(r.seq);
            cursor = r.seq;
          }
        }
        await Promise.all(writes);
        expect(seen).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
        expect(await a.count()).toBe(80);
        expect(await a.head()).toEqual(await b.head());
        await expect(b.append([entry(1, 'a', 'alice')])).rejects.toMatchObject({ code: 'DUPLICATE_ID' });
        await b.close();
        await a.close();
      });
    }
  });
}
