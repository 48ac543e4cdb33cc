/**
 * @syncropel/log — the append-only record store port ({@link LogStore}), an in-memory store, and
 * (under `@syncropel/log/contract`) the contract suite every store passes. No native module:
 * the SQLite store is `@syncropel/log-sqlite`, the PostgreSQL one `@syncropel/log-postgres`.
 */
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SCAN_PAGE_SIZE } from './log-store.js';
export type { AppendEntry, Leadership, LogHead, LogQuery, LogStore, SharedLog } from './log-store.js';
export { createMemoryLogStore } from './memory-log-store.js';
export { RECORD_COLUMNS, recordFromRow } from './record-row.js';
export type { RecordRow } from './record-row.js';
export { LOG_ERROR_CODES, LogError, isLogError } from './log-error.js';
export type { LogErrorCode } from './log-error.js';
