import fc from 'fast-check';
import { threadIdFor, type StoredRecord } from '@syncropel/algebra';
import { createKernel, isKernelError, pageThreads, stepThreads, type ThreadPageQuery, type ThreadState, type ThreadsState } from '@syncropel/kernel';
import { createMemoryLogStore } from '@syncropel/log';
import { describe, expect, it } from 'vitest';

/** A log being written: `write` folds one more record (seq = position) into the threads map. */
function log() {
  const state: ThreadsState = new Map();
  let seq = 0;
  const write = (thread: string, act: StoredRecord['act'] = 'DO', body: StoredRecord['body'] = {}) => {
    seq++;
    stepThreads(state, { parents: [], thread, actor: 'did:sync:user:x', act, body, clock: seq, data_type: 'SCALAR', judged_by: null, id: seq.toString(16).padStart(64, '0'), seq, ingested_at: 1_000 + seq });
  };
  return { state, write };
}

/** Follows next_cursor to the end, calling `between` before each later page; returns the thread ids in page order. */
async function walk(state: ThreadsState, query: Omit<ThreadPageQuery, 'cursor'>, between: (page: number) => void = () => undefined): Promise<string[]> {
  const seen: string[] = [];
  let page = await pageThreads(state, query);
  let previous = Number.POSITIVE_INFINITY;
  for (let n = 1; ; n++) {
    expect(page.data.length).toBeLessThanOrEqual(query.limit);
    seen.push(...page.data.map((t) => t.thread));
    if (page.next_cursor === null) return seen;
    // The cursor is the last row's first_seq, so a page that is full always names where it stopped;
    // it must fall every page (which also ends the walk when the cursor is broken).
    expect(page.data).toHaveLength(query.limit);
    expect(page.next_cursor).toBe(String(page.data[page.data.length - 1]?.first_seq));
    expect(Number(page.next_cursor)).toBeLessThan(previous);
    previous = Number(page.next_cursor);
    between(n);
    page = await pageThreads(state, { ...query, cursor: Number(page.next_cursor) });
  }
}

const newestFirst = (state: ThreadsState, keep: (t: ThreadState) => boolean = () => true) =>
  [...state.values()]
    .filter((t): t is ThreadState => typeof t !== 'number')
    .filter(keep)
    .sort((a, b) => b.first_seq - a.first_seq)
    .map((t) => t.thread);

describe('pageThreads', () => {
  it('pages join to every thread newest first, with no duplicates, for any page size', async () => {
    const { state, write } = log();
    for (let i = 0; i < 23; i++) write(threadIdFor(`t${i % 17}`));
    for (const limit of [1, 2, 5, 16, 17, 18, 1000]) {
      const ids = await walk(state, { limit });
      expect(ids).toEqual(newestFirst(state));
      expect(new Set(ids).size).toBe(17);
    }
    expect(await pageThreads(state, { limit: 5 })).toMatchObject({ total: 17 });
    // Exactly full: the last page says there is no more, rather than leaving an empty page to fetch.
    expect((await pageThreads(state, { limit: 17 })).next_cursor).toBeNull();
  });

  it('is stable under writes between pages: no thread present at the start is skipped or repeated', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(30), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.array(fc.nat(45), { maxLength: 6 }), { maxLength: 20 }),
        async (initial, limit, bursts) => {
          const { state, write } = log();
          for (const n of initial) write(threadIdFor(`t${n}`));
          const atStart = newestFirst(state);
          // Between pages: new records on old threads (moving their last_seq) and on new threads.
          const ids = await walk(state, { limit }, (page) => {
            for (const n of bursts[page - 1] ?? []) write(threadIdFor(`t${n}`));
          });
          expect(ids).toEqual(atStart);
          // A fresh walk sees the threads created meanwhile, newest first.
          expect(await walk(state, { limit })).toEqual(newestFirst(state));
        },
      ),
    );
  });

  it('filters by status before paging, so each page fills up to the limit, and totals the matches', async () => {
    const { state, write } = log();
    for (let i = 0; i < 12; i++) write(threadIdFor(`s${i}`), i % 3 === 0 ? 'KNOW' : 'INTEND', i % 3 === 0 ? { fulfills: 'f'.repeat(64) } : {});
    const closed = newestFirst(state, (t) => t.status === 'closed');
    expect(closed).toHaveLength(4);
    const first = await pageThreads(state, { limit: 3, status: 'closed' });
    expect(first.data.map((t) => t.thread)).toEqual(closed.slice(0, 3));
    expect(first.total).toBe(4);
    expect(await walk(state, { limit: 3, status: 'closed' })).toEqual(closed);
    expect(await walk(state, { limit: 2, status: 'active' })).toEqual([]);
  });

  it('a cursor takes threads strictly older than it; a bad limit or cursor is VALIDATION_FAILED naming it', async () => {
    const { state, write } = log();
    for (let i = 0; i < 5; i++) write(threadIdFor(`c${i}`));
    // first_seq is 1..5: cursor 4 leaves 3, 2, 1; a cursor past the head is every thread.
    expect((await pageThreads(state, { limit: 10, cursor: 4 })).data.map((t) => t.first_seq)).toEqual([3, 2, 1]);
    expect((await pageThreads(state, { limit: 10, cursor: 99 })).data).toHaveLength(5);
    expect(await pageThreads(state, { limit: 10, cursor: 1 })).toEqual({ data: [], next_cursor: null, total: 5 });
    expect(await pageThreads(new Map(), { limit: 10 })).toEqual({ data: [], next_cursor: null, total: 0 });
    for (const [query, field] of [
      [{ limit: 0 }, 'limit'],
      [{ limit: 1.5 }, 'limit'],
      [{ limit: 1, cursor: 0 }, 'cursor'],
      [{ limit: 1, cursor: Number.NaN }, 'cursor'],
    ] as const) {
      try {
        await pageThreads(state, query);
        throw new Error('expected a refusal');
      } catch (e) {
        expect(isKernelError(e) && { code: e.code, field: e.field }).toEqual({ code: 'VALIDATION_FAILED', field });
      }
    }
  });

  it('pages a map filled out of first_seq order correctly too', async () => {
    const { state: inOrder, write } = log();
    for (let i = 0; i < 9; i++) write(threadIdFor(`o${i}`));
    const shuffled: ThreadsState = new Map([...inOrder].reverse());
    expect(await walk(shuffled, { limit: 4 })).toEqual(newestFirst(inOrder));
  });
});

describe('kernel.threadsPage', () => {
  it('walks a live kernel newest first while records keep arriving, and restarts to the same order', async () => {
    const store = createMemoryLogStore();
    let clock = 0;
    const k = createKernel({ store });
    await k.start();
    const write = (name: string) => k.ingest({ parents: [], thread: threadIdFor(name), actor: 'did:sync:user:x', act: 'DO', body: {}, clock: ++clock, data_type: 'SCALAR' });
    for (let i = 0; i < 10; i++) await write(`k${i}`);
    const atStart = (await k.threadsPage({ limit: 1000 })).data.map((t) => t.thread);
    expect(atStart).toEqual(Array.from({ length: 10 }, (_, i) => threadIdFor(`k${9 - i}`)));
    const seen: string[] = [];
    let page = await k.threadsPage({ limit: 3 });
    for (let n = 0; ; n++) {
      seen.push(...page.data.map((t) => t.thread));
      if (!page.next_cursor) break;
      expect(n, 'the walk ends').toBeLessThan(4);
      // Touch the oldest thread (it would jump to the top by last activity) and open a new one.
      await write(`k0`);
      await write(`new${n}`);
      page = await k.threadsPage({ limit: 3, cursor: Number(page.next_cursor) });
    }
    expect(seen).toEqual(atStart);
    expect((await k.threadsPage({ limit: 1 })).total).toBe(10 + 3);
    // threads() keeps its own order: most recently active first.
    expect((await k.threads())[0]?.thread).toBe(threadIdFor('new2'));
    expect((await k.threads())[1]?.thread).toBe(threadIdFor('k0'));
    const order = (await k.threadsPage({ limit: 1000 })).data.map((t) => t.thread);
    await k.stop();

    // A rebuild from the log folds a fresh map; its pages come out in the same order.
    const again = createKernel({ store });
    await again.start();
    expect((await again.threadsPage({ limit: 1000 })).data.map((t) => t.thread)).toEqual(order);
    await again.stop();
  });
});
