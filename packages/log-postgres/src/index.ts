/**
 * @syncropel/log-postgres — the record log in PostgreSQL: a `LogStore` several kernels share,
 * with the database enforcing append-only, gapless commit-ordered positions and increasing clocks,
 * notifying new heads, and electing one leader through an advisory lock.
 */
export { openPostgresLogStore } from './postgres-log-store.js';
export type { PostgresLogStore, PostgresLogStoreOptions } from './postgres-log-store.js';
export { redactUrl } from './redact-url.js';
