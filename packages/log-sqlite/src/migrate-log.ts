import { createHash } from 'node:crypto';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { MigrationMeta } from 'drizzle-orm/migrator';
import { MIGRATIONS } from './migrations.js';

/** The embedded migrations as drizzle's folder reader would return them (same statements, same hashes). */
export function migrationMetas(): MigrationMeta[] {
  return MIGRATIONS.map((m) => ({
    sql: m.sql.split('--> statement-breakpoint'),
    bps: m.breakpoints,
    folderMillis: m.when,
    hash: createHash('sha256').update(m.sql).digest('hex'),
  }));
}

/**
 * Brings a log's schema up to date from the migrations in the code. drizzle's own migrator is a
 * folder reader plus the dialect's migrate step; only the reader is replaced, so the bookkeeping
 * table (`__drizzle_migrations`) is exactly what earlier versions wrote, and a bundled service,
 * with no drizzle/ folder beside it, migrates all the same.
 */
export function migrateLog(db: BetterSQLite3Database): void {
  // `dialect` and `session` are marked internal in drizzle's types, hence the narrow cast.
  const internals = db as unknown as { dialect: { migrate(migrations: MigrationMeta[], session: unknown): void }; session: unknown };
  internals.dialect.migrate(migrationMetas(), internals.session);
}
