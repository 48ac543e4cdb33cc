import { fold, threadIdFor, type StoredRecord } from '@syncropel/algebra';
import { createKernel, isKernelError } from '@syncropel/kernel';
import { createMemoryLogStore, type LogStore } from '@syncropel/log';
import { describe, expect, it } from 'vitest';

const thread = threadIdFor('lifecycle');
const rec = (clock: number, body: object = {}) => ({ parents: [], thread, actor: 'did:sync:user:alice', act: 'KNOW', body, clock, data_type: 'SCALAR' });

/** An attached fold that counts records and throws on any whose body says so. */
const touchy = fold<number, StoredRecord>(
  () => 0,
  (n, r) => {
    if (r.body.explode === true) throw new Error('this fold cannot take that record');
    return n + 1;
  },
);

describe('a fold that throws is isolated', () => {
  it('on ingest: the write is acknowledged, later writes go on, other views see the record, health names it, stop completes', async () => {
    const errors: string[] = [];
    const k = createKernel({ store: createMemoryLogStore(), onError: (e, where) => errors.push(`${where}: ${(e as Error).message}`) });
    const counted = k.attach(touchy);
    await k.start();
    await k.ingest(rec(0));
    const bad = await k.ingest(rec(1, { explode: true }));
    expect(bad.status).toBe('created');
    expect((await k.ingest(rec(2))).status).toBe('created');
    expect(counted.get()).toBe(2);
    expect((await k.thread(thread))?.record_count).toBe(3);
    expect(k.healthDetails().folds).toEqual({ errors: 1, last_error: { view: 'attached#1', record: bad.record.id, seq: 2, message: 'this fold cannot take that record' } });
    expect(errors).toEqual([`fold: fold attached#1 failed on record ${bad.record.id} (seq 2): this fold cannot take that record`]);
    await k.stop();
    expect(k.status).toBe('stopped');
  });

  it('on rebuild: start completes and the same record is counted again', async () => {
    const store = createMemoryLogStore();
    const first = createKernel({ store, onError: () => {} });
    await first.start();
    await first.ingestBatch([rec(0), rec(1, { explode: true }), rec(2)]);
    await first.stop();
    const again = createKernel({ store, onError: () => {} });
    const counted = again.attach(touchy);
    await again.start();
    expect(again.status).toBe('ready');
    expect(counted.get()).toBe(2);
    expect(again.healthDetails().folds.errors).toBe(1);
    await again.stop();
  });
});

describe('start and stop always end somewhere', () => {
  it('a start that fails ends stopped, and stop still completes', async () => {
    const inner = createMemoryLogStore();
    const store: LogStore = {
      ...inner,
      scan: () => {
        throw new Error('the disk went away');
      },
    };
    const k = createKernel({ store });
    await expect(k.start()).rejects.toThrow('the disk went away');
    expect(k.status).toBe('stopped');
    await k.stop();
    expect(k.status).toBe('stopped');
  });

  it('stop during a long rebuild ends it: stopped, no loops, writes refused', async () => {
    const store = createMemoryLogStore();
    const seed = createKernel({ store });
    await seed.start();
    for (let i = 0; i < 30; i++) await seed.ingestBatch(Array.from({ length: 1000 }, (_, j) => ({ ...rec(i * 1000 + j), thread: threadIdFor(`t${j % 7}`) })));
    await seed.stop();

    const k = createKernel({ store });
    const started = k.start();
    expect(k.status).toBe('starting');
    await k.stop();
    await started;
    expect(k.status).toBe('stopped');
    try {
      await k.ingest(rec(99_999));
      throw new Error('expected a refusal');
    } catch (e) {
      expect(isKernelError(e) && e.code).toBe('STOPPED');
    }
    // Ticks did not start: a stopped kernel reports none.
    expect(k.healthDetails().loops.tick.ticks).toBe(0);
  });

  it('stop before start stops; start after that does nothing', async () => {
    const k = createKernel({ store: createMemoryLogStore() });
    await k.stop();
    await k.start();
    expect(k.status).toBe('stopped');
  });
});
