import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadIdFor } from '@syncropel/algebra';
import { createKernel, fileFoldSnapshots, type Kernel } from '@syncropel/kernel';
import { createMemoryLogStore, type LogStore, type SharedLog } from '@syncropel/log';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

// What an asynchronous store lets interleave: reads that take time, a lead that comes and goes.

const ENGINE = `did:sync:instance:${'ab'.repeat(32)}`;
const dir = mkdtempSync(join(tmpdir(), 'spl-races-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let kernels: Kernel[] = [];
afterEach(async () => {
  for (const k of kernels) await k.stop();
  kernels = [];
});

let c = 0;
const learn = (body: object) => ({ parents: [], thread: 'th_engine_config', actor: 'did:sync:user:admin', act: 'LEARN', body, clock: c++, data_type: 'SCALAR' });
const rec = (name: string, clock: number, act = 'KNOW', body: object = {}) => ({ parents: [], thread: threadIdFor(name), actor: 'did:sync:user:ann', act, body, clock, data_type: 'SCALAR' });

/** A store whose reads take `ms`, as a store across a network does. */
function slowReads(inner: LogStore, ms: number): LogStore {
  const later = <T>(p: Promise<T>) => new Promise<T>((resolve, reject) => setTimeout(() => p.then(resolve, reject), ms));
  return { ...inner, description: 'slow', get: (id) => later(inner.get(id)), query: (q) => later(inner.query(q)) };
}

/** A memory store presented as shared, with the lead in the test's hands. */
function sharedMemory(): { store: LogStore; lead(leads: boolean): void } {
  const inner = createMemoryLogStore();
  let onChange: (leads: boolean) => void = () => undefined;
  const shared: SharedLog = {
    follow: async () => async () => undefined,
    lead: async (cb) => {
      onChange = cb;
      return { leader: false, resign: async () => undefined };
    },
  };
  return { store: { ...inner, shared }, lead: (leads) => onChange(leads) };
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ingest planning with facts from the store', () => {
  it('answers a retried batch of any size as duplicates, in one fetch round', async () => {
    const inner = createMemoryLogStore();
    let reads = 0;
    const store: LogStore = { ...inner, get: (id) => (reads++, inner.get(id)) };
    const k = createKernel({ store });
    await k.start();
    kernels.push(k);
    const batch = Array.from({ length: 200 }, (_, i) => rec('retry', i));
    expect((await k.ingestBatch(batch)).every((r) => r.status === 'created')).toBe(true);
    const again = await k.ingestBatch(batch);
    expect(again.map((r) => r.status)).toEqual(batch.map(() => 'duplicate'));
    expect(reads).toBe(200);
    expect(await store.count()).toBe(200);
  });
});

describe('the lead, on a shared log', () => {
  it('never dispatches work twice when the lead is lost and won back while it runs', async () => {
    const { store, lead } = sharedMemory();
    const runs = join(dir, 'flap.log');
    const k = createKernel({ store, actor: ENGINE, workLoop: true });
    await k.start();
    kernels.push(k);
    lead(true);
    await waitFor(() => k.health().leader, 'the lead');
    await k.ingest(learn({ topic: 'adapter', name: 'slow', actor: 'did:sync:agent:slow', kind: 'exec', command: `read -r line; echo run >> ${runs}; sleep 0.4; echo '{"ok":true}'` }));
    await k.ingest(learn({ topic: 'routing_rule', name: 'all', expression: 'record.act == "INTEND"', target: 'did:sync:agent:slow' }));
    await k.ingest(rec('flap', 0, 'INTEND'));
    await waitFor(() => k.health().in_flight === 1, 'the dispatch');
    lead(false);
    expect(k.health().leader).toBe(false);
    lead(true);
    await waitFor(async () => (await k.thread(threadIdFor('flap')))?.status === 'closed', 'the work answered');
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual(['run']);
  });

  it('does not take a lead that was lost again while it caught up', async () => {
    const { store, lead } = sharedMemory();
    const k = createKernel({ store, actor: ENGINE, workLoop: true });
    await k.start();
    kernels.push(k);
    lead(true);
    lead(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(k.health().leader).toBe(false);
    lead(true);
    await waitFor(() => k.health().leader, 'the lead');
  });
});

describe('fold snapshots on a slow store', () => {
  it('stand exactly at their head, however long the store takes, so a restart folds nothing twice', async () => {
    const inner = createMemoryLogStore();
    const store = slowReads(inner, 3);
    const folds = join(dir, 'slow.folds');
    const first = createKernel({ store, foldSnapshot: fileFoldSnapshots(folds) });
    await first.start();
    for (let i = 0; i < 50; i++) await first.ingest(rec('busy', i));
    // Writes go on while the snapshot reads its samples from the store.
    const writing = (async () => {
      for (let i = 50; i < 60; i++) await first.ingest(rec('busy', i));
    })();
    const saved = await first.saveFoldSnapshot();
    await writing;
    expect(saved).toMatchObject({ saved: true });
    // Stopping would write a newer snapshot; this one must stand on its own.
    const again = createKernel({ store, foldSnapshot: { description: 'this one', read: async () => JSON.parse(readFileSync(folds, 'utf8').split('\n').slice(1).join('\n')), write: async () => undefined } });
    await again.start();
    kernels.push(again);
    const full = createKernel({ store: inner });
    await full.start();
    kernels.push(full);
    expect(again.healthDetails().fold_snapshot.loaded_seq).toBe((saved as { seq: number }).seq);
    expect(await again.thread(threadIdFor('busy'))).toEqual(await full.thread(threadIdFor('busy')));
    expect((await again.thread(threadIdFor('busy')))?.record_count).toBe(60);
    expect(existsSync(folds)).toBe(true);
    await first.stop();
  });
});
