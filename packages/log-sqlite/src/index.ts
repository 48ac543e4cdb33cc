/**
 * @syncropel/log-sqlite — the SQLite log store (drizzle-orm + better-sqlite3, WAL, append-only
 * enforced by triggers) behind the `@syncropel/log` port, with the backup, verification and
 * start-check tools of a file-backed log.
 */
export { DEFAULT_DURABILITY, openSqliteLogStore } from './sqlite-log-store.js';
export type { Durability, SqliteLogStore, SqliteLogStoreOptions } from './sqlite-log-store.js';
export { CHECKPOINT_INTERVAL_MS } from './checkpoint-worker.js';
export {
  BACKUP_FILE,
  DEFAULT_BACKUP_GENERATIONS,
  MAX_SUSPECTS,
  MANIFEST_SUFFIX,
  inspect,
  installBackup,
  listBackups,
  moveAside,
  readManifest,
  snapshot,
  vacuumFile,
  verifyBackup,
} from './backup.js';
export type { BackupKind, BackupManifest, ListedBackup, SnapshotOptions, SnapshotResult, VerifyResult } from './backup.js';
export { ABANDONED, checkLogFile, runOffThread } from './off-thread.js';
export { verifyRecords } from './verify-records.js';
export type { IntegrityLevel, RecordsVerdict, VerifyRecordsOptions } from './verify-records.js';
export type { BackupJob, BackupJobResult, SnapshotFacts } from './backup-jobs.js';
export { VERIFIED_STAMP_SUFFIX, checkStoreAtStart, stampVerified } from './verified-stamp.js';
export type { StoreCheck, VerifiedStamp } from './verified-stamp.js';
