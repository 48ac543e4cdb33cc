import { basename, dirname } from 'node:path';
import type { BackupSummary } from '@syncropel/http';
import { BACKUP_FILE, listBackups } from '@syncropel/log-sqlite';

/** The backups in `directory` (rolling, generations, suspects), newest first, as `GET /v1/engine/backups` lists them. */
export function backupSummaries(directory: string): BackupSummary[] {
  return listBackups(directory).map(({ path, manifest }) => {
    const kind = kindOf(path);
    return {
      path,
      ...(kind ? { kind } : {}),
      created_at: manifest?.created_at ?? null,
      records: manifest?.record_count ?? null,
      bytes: manifest?.bytes ?? null,
      ...(manifest?.records_verified === undefined ? {} : { verified: manifest.records_verified }),
    };
  });
}

/** What a backup file is, from where the snapshot code puts it (see `snapshot` in @syncropel/log-sqlite). */
function kindOf(path: string): BackupSummary['kind'] {
  const name = basename(path);
  if (name.includes('.suspect-')) return 'suspect';
  if (basename(dirname(path)) === 'generations') return 'generation';
  if (name === BACKUP_FILE) return 'rolling';
  return undefined;
}
