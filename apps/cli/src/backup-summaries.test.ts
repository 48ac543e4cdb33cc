import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { backupSummaries } from './backup-summaries.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Writes an empty backup file and, unless `manifest` is null, its manifest. */
function backup(file: string, manifest: Record<string, unknown> | null): void {
  writeFileSync(file, '');
  if (manifest) writeFileSync(`${file}.json`, JSON.stringify(manifest));
}

it('lists the rolling backup, generations and suspects, newest first, with what their manifests say', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spl-backups-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'generations'));
  backup(join(dir, 'hub.db.bak'), { created_at: '2026-01-03T00:00:00.000Z', record_count: 9, bytes: 8192, records_verified: true });
  backup(join(dir, 'generations', 'hub.db.2026-01-02.bak'), { created_at: '2026-01-02T00:00:00.000Z', record_count: 8, bytes: 4096 });
  backup(join(dir, 'hub.db.suspect-2026-01-04.bak'), { created_at: '2026-01-04T00:00:00.000Z', record_count: 1, bytes: 1024, records_verified: false });
  backup(join(dir, 'generations', 'hub.db.old.bak'), null);
  expect(backupSummaries(dir)).toEqual([
    { path: join(dir, 'hub.db.suspect-2026-01-04.bak'), kind: 'suspect', created_at: '2026-01-04T00:00:00.000Z', records: 1, bytes: 1024, verified: false },
    { path: join(dir, 'hub.db.bak'), kind: 'rolling', created_at: '2026-01-03T00:00:00.000Z', records: 9, bytes: 8192, verified: true },
    { path: join(dir, 'generations', 'hub.db.2026-01-02.bak'), kind: 'generation', created_at: '2026-01-02T00:00:00.000Z', records: 8, bytes: 4096 },
    { path: join(dir, 'generations', 'hub.db.old.bak'), kind: 'generation', created_at: null, records: null, bytes: null },
  ]);
});

it('is empty for a folder that does not exist yet (no backup taken)', () => {
  expect(backupSummaries(join(tmpdir(), 'spl-no-such-backups-folder'))).toEqual([]);
});
