/**
 * @syncropel/log — the append-only record store: the {@link LogStore} port, a SQLite
 * implementation (drizzle-orm + better-sqlite3, WAL, append-only enforced by triggers) and an
 * in-memory one. Both pass the same contract suite.
 */
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SCAN_PAGE_SIZE } from './log-store.js';
export type { AppendEntry, LogHead, LogQuery, LogStore } from './log-store.js';
export { createMemoryLogStore } from './memory-log-store.js';
export { DEFAULT_DURABILITY, openSqliteLogStore } from './sqlite-log-store.js';
export type { Durability, SqliteLogStore, SqliteLogStoreOptions } from './sqlite-log-store.js';
export { CHECKPOINT_INTERVAL_MS } from './checkpoint-worker.js';
export { LOG_ERROR_CODES, LogError, isLogError } from './log-error.js';
export type { LogErrorCode } from './log-error.js';
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
export type { BackupManifest, SnapshotOptions, SnapshotResult, VerifyResult } from './backup.js';
export { ABANDONED, checkLogFile, runOffThread } from './off-thread.js';
export { verifyRecords } from './verify-records.js';
export type { IntegrityLevel, RecordsVerdict, VerifyRecordsOptions } from './verify-records.js';
export type { BackupJob, BackupJobResult, SnapshotFacts } from './backup-jobs.js';
export { VERIFIED_STAMP_SUFFIX, checkStoreAtStart, stampVerified } from './verified-stamp.js';
export type { StoreCheck, VerifiedStamp } from './verified-stamp.js';
