import { recordId, validateRecord, type Record } from '@syncropel/algebra';
import { describe, expect, it } from 'vitest';
import { isLogError, type AppendEntry, type LogStore } from '@syncropel/log';

/** Builds a valid append entry on thread `t` by actor `a` at clock `c`. */
export function entry(c: number, t = 'a', a = 'alice', body: Record['body'] = { n: c }): AppendEntry {
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

/**
 * The one behavioural contract of a LogStore. Every implementation runs it; `make` returns a
 * fresh empty store, `reopen` (when the backend persists) closes and opens the same store again.
 */
export function describeLogStoreContract(name: string, make: () => LogStore, reopen?: (s: LogStore) => LogStore) {
  describe(`LogStore contract: ${name}`, () => {
    it('starts empty', () => {
      const s = make();
      expect(s.count()).toBe(0);
      expect(s.head()).toBeUndefined();
      expect(s.query({ limit: 10 })).toEqual([]);
      expect([...s.scan()]).toEqual([]);
      s.close();
    });

    it('appends in order with increasing seq and reads back exactly what was appended', () => {
      const s = make();
      const es = [entry(1), entry(2, 'b', 'bob', { nested: { x: [1, 'two', null] }, 'é': true }), entry(3)];
      const stored = s.append(es);
      expect(stored.map((r) => r.seq)).toEqual([1, 2, 3]);
      for (let i = 0; i < es.length; i++) {
        const want = { ...es[i]!.record, id: es[i]!.id, seq: i + 1, ingested_at: stored[i]!.ingested_at };
        expect(Math.abs(stored[i]!.ingested_at - Date.now())).toBeLessThan(60_000);
        expect(stored[i]).toEqual(want);
        expect(s.get(es[i]!.id)).toEqual(want);
        expect(recordId(s.get(es[i]!.id)!)).toBe(es[i]!.id);
      }
      expect(s.count()).toBe(3);
      expect(s.head()).toEqual({ seq: 3, id: es[2]!.id });
      expect(s.get('f'.repeat(64))).toBeUndefined();
      s.close();
    });

    it('keeps judged_by and sig', () => {
      const s = make();
      const e = entry(1);
      const rec = { ...e.record, judged_by: 'did:sync:user:judge', sig: 'ab'.repeat(64) };
      s.append([{ id: e.id, record: rec }]);
      expect(s.get(e.id)).toMatchObject({ judged_by: 'did:sync:user:judge', sig: 'ab'.repeat(64) });
      s.close();
    });

    it('is atomic: a batch with a duplicate id stores nothing', () => {
      const s = make();
      s.append([entry(1)]);
      let thrown: unknown;
      try {
        s.append([entry(2), entry(1)]);
      } catch (e) {
        thrown = e;
      }
      expect(isLogError(thrown) && thrown.code).toBe('DUPLICATE_ID');
      expect(s.count()).toBe(1);
      expect(s.get(entry(2).id)).toBeUndefined();
      expect(() => s.append([entry(5), entry(5)])).toThrow();
      expect(s.count()).toBe(1);
      s.close();
    });

    it('filters by thread and actor and pages with a seq cursor', () => {
      const s = make();
      s.append([entry(1, 'a', 'alice'), entry(1, 'b', 'alice'), entry(2, 'a', 'bob'), entry(3, 'a', 'alice'), entry(4, 'b', 'bob')]);
      const ta = `th_${'a'.repeat(64)}`;
      expect(s.query({ thread: ta, limit: 10 }).map((r) => r.seq)).toEqual([1, 3, 4]);
      expect(s.query({ actor: 'did:sync:user:bob', limit: 10 }).map((r) => r.seq)).toEqual([3, 5]);
      expect(s.query({ thread: ta, actor: 'did:sync:user:alice', limit: 10 }).map((r) => r.seq)).toEqual([1, 4]);
      expect(s.query({ thread: ta, after: 1, limit: 1 }).map((r) => r.seq)).toEqual([3]);
      expect(s.query({ after: 4, limit: 10 }).map((r) => r.seq)).toEqual([5]);
      expect(s.query({ after: 99, limit: 10 })).toEqual([]);
      s.close();
    });

    it('leaves excluded threads out and still fills the page from later records', () => {
      const s = make();
      s.append([entry(1, 'a', 'alice'), entry(1, 'b', 'alice'), entry(2, 'b', 'bob'), entry(2, 'a', 'alice'), entry(3, 'a', 'bob')]);
      const tb = `th_${'b'.repeat(64)}`;
      expect(s.query({ excludeThreads: [tb], limit: 2 }).map((r) => r.seq)).toEqual([1, 4]);
      expect(s.query({ excludeThreads: [tb], actor: 'did:sync:user:bob', limit: 10 }).map((r) => r.seq)).toEqual([5]);
      expect(s.query({ excludeThreads: [], limit: 10 }).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      s.close();
    });

    it('scans everything after a position across pages', () => {
      const s = make();
      s.append(Array.from({ length: 25 }, (_, i) => entry(i + 1)));
      expect([...s.scan(0, 7)].map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect([...s.scan(20, 3)].map((r) => r.seq)).toEqual([21, 22, 23, 24, 25]);
      s.close();
    });

    it('refuses use after close', () => {
      const s = make();
      s.close();
      s.close();
      let thrown: unknown;
      try {
        s.count();
      } catch (e) {
        thrown = e;
      }
      expect(isLogError(thrown) && thrown.code).toBe('STORE_CLOSED');
    });

    it('appendAsync, where offered, keeps the same contract and commits in call order', async () => {
      const s = make();
      if (!s.appendAsync) {
        s.close();
        return;
      }
      s.append([entry(1)]);
      const [a, b] = await Promise.all([s.appendAsync([entry(2), entry(3)]), s.appendAsync([entry(4)])]);
      expect([...a!, ...b!].map((r) => r.seq)).toEqual([2, 3, 4]);
      expect(s.get(entry(3).id)).toEqual({ ...entry(3).record, id: entry(3).id, seq: 3, ingested_at: a![1]!.ingested_at });
      await expect(s.appendAsync([entry(5), entry(2)])).rejects.toMatchObject({ code: 'DUPLICATE_ID' });
      expect(s.count()).toBe(4);
      expect(s.get(entry(5).id)).toBeUndefined();
      expect((await s.appendAsync([entry(5)]))[0]!.seq).toBe(5);
      s.close();
    });

    if (reopen) {
      it('keeps every record, id and position across reopen, and continues the sequence', () => {
        const s = make();
        const es = Array.from({ length: 10 }, (_, i) => entry(i + 1));
        s.append(es);
        const again = reopen(s);
        expect(again.count()).toBe(10);
        expect([...again.scan()].map((r) => r.id)).toEqual(es.map((e) => e.id));
        expect(again.append([entry(11)])[0]!.seq).toBe(11);
        again.close();
      });
    }
  });
}
