import fc from 'fast-check';
import { threadIdFor, type StoredRecord } from '@syncropel/algebra';
import { stepThread, stepThreads, type ThreadState } from '@syncropel/kernel';
import { describe, expect, it } from 'vitest';

const threads = ['a', 'b', 'c'].map((t) => threadIdFor(t));
const record = fc.record({
  thread: fc.constantFrom(...threads),
  actor: fc.constantFrom('did:sync:user:x', 'did:sync:user:y', 'did:sync:agent:z'),
  act: fc.constantFrom('INTEND', 'DO', 'KNOW', 'CALL', 'LEARN'),
  clock: fc.nat(50),
  fulfills: fc.boolean(),
});

describe('thread fold', () => {
  it('the in-place fold over many threads equals the pure per-thread fold', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 60 }), (items) => {
        const rs: StoredRecord[] = items.map((i, n) => ({
          parents: [],
          thread: i.thread,
          actor: i.actor,
          act: i.act as StoredRecord['act'],
          body: i.fulfills ? { fulfills: 'f'.repeat(64) } : ({} as StoredRecord['body']),
          clock: i.clock,
          data_type: 'SCALAR',
          judged_by: null,
          id: n.toString(16).padStart(64, '0'),
          seq: n + 1,
          ingested_at: 1_000 + n,
        }));
        const live = new Map<string, ThreadState>();
        for (const r of rs) stepThreads(live, r);
        for (const t of threads) {
          let pure: ThreadState | undefined;
          for (const r of rs.filter((x) => x.thread === t)) pure = stepThread(pure, r);
          expect(live.get(t) === undefined ? undefined : { ...live.get(t) }).toEqual(pure);
        }
      }),
    );
  });
});
