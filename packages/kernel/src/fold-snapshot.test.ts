import { readFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fold, threadIdFor, type StoredRecord } from '@syncropel/algebra';
import { createKernel, fileFoldSnapshots, type FoldSnapshot } from '@syncropel/kernel';
import { openSqliteLogStore, type SqliteLogStore } from '@syncropel/log-sqlite';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'spl-folds-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const paths = () => {
  const dir = mkdtempSync(join(root, `case-${++n}-`));
  return { db: join(dir, 'hub.db'), folds: join(dir, 'hub.db.folds') };
};
const thread = (i: number) => threadIdFor(`folds-${i}`);
const rec = (i: number, clock: number, act = 'KNOW') => ({ parents: [], thread: thread(i % 7), actor: 'did:sync:user:ann', act, body: { i }, clock, data_type: 'SCALAR' });

/** Writes `count` records over 7 threads, clocks continuing from `from`. */
async function fill(kernel: ReturnType<typeof createKernel>, count: number, from = 0): Promise<void> {
  const batch = Array.from({ length: count }, (_, k) => rec(from + k, Math.floor((from + k) / 7)));
  for (let i = 0; i < batch.length; i += 1000) await kernel.ingestBatch(batch.slice(i, i + 1000));
}

function rewrite(file: string, change: (s: FoldSnapshot) => FoldSnapshot): void {
  const text = readFileSync(file, 'utf8');
  const body = JSON.stringify(change(JSON.parse(text.slice(text.indexOf('\n') + 1)) as FoldSnapshot));
  writeFileSync(file, `${createHash('sha256').update(body).digest('hex')}\n${body}`);
}

describe('fold snapshots', () => {
  it('are written at stop (mode 0600) and make the next start fold only the tail, to the same state', async () => {
    const p = paths();
    let store: SqliteLogStore = openSqliteLogStore({ path: p.db });
    const first = createKernel({ store, foldSnapshot: fileFoldSnapshots(p.folds) });
    await first.start();
    expect(first.healthDetails().fold_snapshot).toMatchObject({ store: p.folds, loaded_seq: null, ignored: 'none written yet' });
    await fill(first, 70);
    await first.stop();
    expect(statSync(p.folds).mode & 0o777).toBe(0o600);

    // Records written without snapshots (e.g. by an older daemon) are the tail of the next start.
    const plain = createKernel({ store });
    await plain.start();
    await fill(plain, 14, 70);
    const expected = await plain.threads();
    await plain.stop();

    const second = createKernel({ store, foldSnapshot: fileFoldSnapshots(p.folds) });
    await second.start();
    expect(second.healthDetails().fold_snapshot).toMatchObject({ loaded_seq: 70, tail_records: 14, ignored: null });
    expect(await second.threads()).toEqual(expected);
    expect(await second.lastClock('did:sync:user:ann', thread(0))).toBe(11);
    // Clocks came back too: a repeat is still refused as a conflict.
    await expect(second.ingest(rec(77, 11))).resolves.toMatchObject({ status: 'duplicate' });
    await expect(second.ingest({ ...rec(77, 11), body: { other: true } })).rejects.toMatchObject({ code: 'CLOCK_CONFLICT' });
    await second.stop();
    await store.close();

    store = openSqliteLogStore({ path: p.db });
    const third = createKernel({ store, foldSnapshot: fileFoldSnapshots(p.folds) });
    await third.start();
    expect(third.healthDetails().fold_snapshot).toMatchObject({ loaded_seq: 84, tail_records: 0 });
    await third.stop();
    await store.close();
  });

  it('are ignored, and the log folded in full, when torn, of other fold code, or of another history', async () => {
    const p = paths();
    const store = openSqliteLogStore({ path: p.db });
    const k = createKernel({ store, foldSnapshot: fileFoldSnapshots(p.folds) });
    await k.start();
    await fill(k, 40);
    await k.stop();
    const good = readFileSync(p.folds);

    const startWith = async (s: SqliteLogStore) => {
      const again = createKernel({ store: s, foldSnapshot: fileFoldSnapshots(p.folds) });
      await again.start();
      const status = again.healthDetails().fold_snapshot;
      const threads = (await again.threads()).length;
      await again.stop();
      return { status, threads };
    };

    writeFileSync(p.folds, good.subarray(0, good.length - 10));
    expect((await startWith(store)).status).toMatchObject({ loaded_seq: null, tail_records: 40, ignored: 'none written yet' });

    writeFileSync(p.folds, good);
    rewrite(p.folds, (s) => ({ ...s, format: 'f'.repeat(64) }));
    expect((await startWith(store)).status).toMatchObject({ loaded_seq: null, ignored: 'it was written by other fold code (another version)' });

    // A different log (a restore of another instance, say) with as many records.
    writeFileSync(p.folds, good);
    const otherPath = join(root, `other-${n}.db`);
    const other = openSqliteLogStore({ path: otherPath });
    const writer = createKernel({ store: other });
    await writer.start();
    await writer.ingestBatch(Array.from({ length: 40 }, (_, i) => ({ ...rec(i, Math.floor(i / 7)), actor: 'did:sync:user:bo' })));
    await writer.stop();
    const result = await startWith(other);
    expect(result.status.loaded_seq).toBeNull();
    expect(result.status.ignored).toMatch(/^the log does not hold record [0-9a-f]{64} at seq \d+ \(restored or replaced\)$/);
    expect(result.threads).toBe(7);
    await other.close();
    await store.close();
  });

  it('are keyed: a file written under one key reads as none under another or without one', async () => {
    const p = paths();
    const key = new Uint8Array(32).fill(7);
    const snapshot = { format: 'f', head: { seq: 1, id: 'a'.repeat(64) }, records: 1, samples: [], states: {}, created_at: '2026-01-01T00:00:00.000Z' };
    await fileFoldSnapshots(p.folds, { key }).write(snapshot);
    expect(await fileFoldSnapshots(p.folds, { key }).read()).toEqual(snapshot);
    expect(await fileFoldSnapshots(p.folds, { key: new Uint8Array(32).fill(8) }).read()).toBeUndefined();
    expect(await fileFoldSnapshots(p.folds).read()).toBeUndefined();
    // Edited state with a recomputed plain hash does not pass either.
    rewrite(p.folds, (s) => ({ ...s, records: 2 }));
    expect(await fileFoldSnapshots(p.folds, { key }).read()).toBeUndefined();
  });

  it('are not written while an attached fold has no codec, and say why', async () => {
    const p = paths();
    const store = openSqliteLogStore({ path: p.db });
    const k = createKernel({ store, foldSnapshot: fileFoldSnapshots(p.folds) });
    k.attach(fold<number, StoredRecord>(() => 0, (c) => c + 1));
    await k.start();
    await fill(k, 3);
    expect(await k.saveFoldSnapshot()).toEqual({ saved: false, reason: 'attached fold attached#1 has no snapshot codec' });
    await k.stop();
    await store.close();
  });

  it('report start progress (records folded of the total) while the rebuild runs', async () => {
    const p = paths();
    const store = openSqliteLogStore({ path: p.db });
    const seed = createKernel({ store });
    await seed.start();
    await fill(seed, 12_000);
    await seed.stop();
    const k = createKernel({ store });
    const seen: ({ folded: number; total: number } | null)[] = [];
    const starting = k.start();
    // The rebuild yields every few thousand records; sample between yields.
    while (k.status === 'starting') {
      seen.push(k.health().start_progress);
      await new Promise((r) => setImmediate(r));
    }
    await starting;
    const during = seen.filter((s): s is { folded: number; total: number } => s !== null);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((s) => s.total === 12_000 && s.folded <= 12_000)).toBe(true);
    expect(during.some((s) => s.folded > 0 && s.folded < 12_000)).toBe(true);
    expect(k.health().start_progress).toBeNull();
    await k.stop();
    await store.close();
  });
});
