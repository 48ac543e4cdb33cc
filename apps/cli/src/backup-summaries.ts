import type { BackupSummary } from '@syncropel/http';
import { listBackups } from '@syncropel/log-sqlite';

/** The backups in `directory` (rolling, generations, suspects), newest first, as `GET /v1/engine/backups` lists them. */
export function backupSummaries(directory: string): BackupSummary[] {
  return listBackups(directory).map(({ path, kind, manifest }) => ({
    path,
    ...(kind ? { kind } : {}),
    created_at: manifest?.created_at ?? null,
    records: manifest?.record_count ?? null,
    bytes: manifest?.bytes ?? null,
    ...(manifest?.records_verified === undefined ? {} : { verified: manifest.records_verified }),
  }));
}
