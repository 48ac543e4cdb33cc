import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { entry } from '@syncropel/log/contract';
import { afterAll, describe, expect, it } from 'vitest';
import { ABANDONED, runOnThisThread, runOnWorker } from './off-thread.js';
import { openSqliteLogStore } from './sqlite-log-store.js';

const root = mkdtempSync(join(tmpdir(), 'spl-off-thread-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function logOf(name: string, records: number): Promise<string> {
  const store = openSqliteLogStore({ path: join(root, name) });
  await store.append(Array.from({ length: records }, (_, i) => entry(i + 1)));
  await store.close();
  return store.path;
}

// A bundled service may have no worker file to start; the job then runs on the calling thread.
describe('a backup job on this thread (no worker file) and on a worker', () => {
  it('gives the same verdict both ways', async () => {
    const file = await logOf('same.db', 12);
    const worker = pathToFileURL(join(import.meta.dirname, '../dist/backup-worker.js'));
    const here = await runOnThisThread({ kind: 'verify', file });
    expect(here).toMatchObject({ ok: true, record_count: 12, bad_records: 0 });
    expect(await runOnWorker(worker, { kind: 'verify', file })).toEqual(here);
  });

  it('answers ABANDONED when the signal was aborted before or while it ran', async () => {
    const file = await logOf('abandoned.db', 3);
    const before = new AbortController();
    before.abort();
    await expect(runOnThisThread({ kind: 'verify', file }, before.signal)).rejects.toThrow(ABANDONED);
    const during = new AbortController();
    const running = runOnThisThread({ kind: 'sha256', file }, during.signal);
    during.abort();
    await expect(running).rejects.toThrow(ABANDONED);
  });
});
