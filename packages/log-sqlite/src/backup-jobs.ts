import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { fsyncFile, selfContained, sha256FileSync } from './backup-files.js';
import { verifyRecords, type RecordsVerdict, type VerifyRecordsOptions } from './verify-records.js';

/** Work that reads a whole database and so runs on a worker thread (see `runOffThread`). */
export type BackupJob =
  | { readonly kind: 'verify'; readonly file: string; readonly options?: VerifyRecordsOptions }
  | { readonly kind: 'snapshot'; readonly source: string; readonly temp: string; readonly mustHold: string | null }
  | { readonly kind: 'sha256'; readonly file: string };

/** What a snapshot job wrote to its temp file, checked. */
export interface SnapshotFacts {
  readonly verdict: RecordsVerdict;
  readonly sha256: string;
  readonly bytes: number;
}

/** The answer to each kind of job. */
export type BackupJobResult<J extends BackupJob> = J extends { kind: 'verify' } ? RecordsVerdict : J extends { kind: 'snapshot' } ? SnapshotFacts : string;

/** Pages per backup step: everything at once (a stepwise backup restarts whenever the writer commits). */
const ALL_PAGES = 0x7fffffff;

/**
 * Runs one job to the end. A snapshot copies `source` with SQLite's online backup API through a
 * read-only connection of its own (consistent under WAL while the daemon writes), makes the copy
 * self-contained and durable, then verifies every record in it.
 */
export async function runBackupJob(job: BackupJob): Promise<RecordsVerdict | SnapshotFacts | string> {
  switch (job.kind) {
    case 'verify':
      return verifyRecords(job.file, job.options);
    case 'sha256':
      return sha256FileSync(job.file);
    case 'snapshot': {
      const db = new Database(job.source, { readonly: true, fileMustExist: true });
      try {
        await db.backup(job.temp, { progress: () => ALL_PAGES });
      } finally {
        db.close();
      }
      selfContained(job.temp);
      fsyncFile(job.temp);
      const verdict = verifyRecords(job.temp, { integrity: 'full', mustHold: job.mustHold });
      return { verdict, sha256: sha256FileSync(job.temp), bytes: statSync(job.temp).size };
    }
  }
}
